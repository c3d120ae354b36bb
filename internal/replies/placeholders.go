package replies

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Placeholders are what a reply's text may contain, with what each becomes;
// the editor lists them. {{ and }} write a literal brace; in MarkdownV2,
// "\{" does too.
var Placeholders = [][2]string{
	{"{first_name}", "the person's first name"},
	{"{last_name}", "their last name (may be empty)"},
	{"{username}", "their @username, or their first name when they have none"},
	{"{args}", "what follows the command (\"/start abc\" → abc)"},
	{"{source}", "the deep-link source they first started the bot from (may be empty)"},
	{"{bot_username}", "the bot's username, without @ (t.me/{bot_username})"},
	{"{prop.NAME}", "the user property NAME (empty when not set)"},
}

// MaxValueLength bounds what one placeholder becomes, in characters, so a
// long {args} or property cannot push a message past Telegram's limit by
// itself. Longer values are cut and end with "…".
const MaxValueLength = 512

// Vars are the values of the placeholders for one person.
type Vars struct {
	FirstName   string
	LastName    string
	Username    string // without "@"; {username} falls back to FirstName
	Args        string
	Source      string
	BotUsername string
	Props       map[string]any // string, float64, bool, json.Number or nil
}

const propPrefix = "prop."

// knownPlaceholder reports whether name (between the braces) is a
// placeholder, and if not, says why.
func knownPlaceholder(name string) (bool, string) {
	switch name {
	case "first_name", "last_name", "username", "args", "source", "bot_username":
		return true, ""
	}
	if prop, ok := strings.CutPrefix(name, propPrefix); ok {
		if ValidProperty(prop) {
			return true, ""
		}
		return false, fmt.Sprintf("{%s} names no valid property (a property name is a lower-case letter, then up to 31 of a-z, 0-9 and _)", name)
	}
	return false, fmt.Sprintf("{%s} is not a placeholder; use {first_name}, {last_name}, {username}, {args}, {source}, {bot_username} or {prop.NAME} (write {{ for a literal brace)", name)
}

func (v *Vars) value(name string) string {
	var s string
	switch name {
	case "first_name":
		s = v.FirstName
	case "last_name":
		s = v.LastName
	case "username":
		if v.Username != "" {
			s = "@" + strings.TrimPrefix(v.Username, "@")
		} else {
			s = v.FirstName
		}
	case "args":
		s = v.Args
	case "source":
		s = v.Source
	case "bot_username":
		s = strings.TrimPrefix(v.BotUsername, "@")
	default:
		if prop, ok := strings.CutPrefix(name, propPrefix); ok {
			s = formatValue(v.Props[prop])
		}
	}
	return capValue(strings.ToValidUTF8(s, ""))
}

// formatValue writes a property value as people read it: 12 rather than
// 12.0, "" for a missing one.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func capValue(s string) string {
	if len(s) <= MaxValueLength || utf8.RuneCountInString(s) <= MaxValueLength {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxValueLength-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// segment is a piece of a template: literal text, or a placeholder.
type segment struct {
	lit  string // literal text (a doubled brace is one brace here)
	name string // placeholder name, when lit is ""
	at   int    // byte offset of the piece in the template
	size int    // bytes of the template it covers
	// inAddress marks a placeholder inside an HTML tag (an attribute such
	// as href) or a MarkdownV2 link address: its value is URL-escaped
	// too, so that a "%" or a space cannot break the link.
	inAddress bool
}

// addressTracker follows a template's markup far enough to tell whether a
// position is inside an HTML tag or a MarkdownV2 link address.
type addressTracker struct {
	mode  ParseMode
	inTag bool // HTML: between < and >
	quote byte // HTML: the quote of the attribute value being read
	inURL bool // MarkdownV2: between "](" and ")"
	prev  byte // MarkdownV2: the previous unescaped character
}

func (a *addressTracker) literal(c byte) {
	switch a.mode {
	case ModeHTML:
		switch {
		case !a.inTag:
			a.inTag = c == '<'
		case a.quote != 0:
			if c == a.quote {
				a.quote = 0
			}
		case c == '"' || c == '\'':
			a.quote = c
		case c == '>':
			a.inTag = false
		}
	case ModeMarkdownV2:
		switch {
		case !a.inURL && c == '(' && a.prev == ']':
			a.inURL = true
		case a.inURL && c == ')':
			a.inURL = false
		}
		a.prev = c
	}
}

func (a *addressTracker) escaped() { a.prev = 0 }

func (a *addressTracker) inAddress() bool { return a.inTag || a.inURL }

// TemplateError is a placeholder problem, located like a markup error.
type TemplateError struct {
	Offset  int // byte offset in the template
	Line    int
	Column  int
	Message string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// locate returns the 1-based line and column (in characters) of byte offset
// at in text.
func locate(text string, at int) (int, int) {
	at = min(max(at, 0), len(text))
	line, col := 1, 1
	for _, r := range text[:at] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// parseTemplate splits a template into literal text and placeholders. In
// MarkdownV2, a backslash escape ("\{") is literal text. lenient keeps an
// unknown placeholder as written instead of failing (rendering never
// fails; validation is strict).
func parseTemplate(tmpl string, mode ParseMode, lenient bool) ([]segment, *TemplateError) {
	segs := make([]segment, 0, 8)
	where := addressTracker{mode: mode}
	litStart := -1 // literal text is always a piece of the template as written
	flush := func(end int) {
		if litStart >= 0 && end > litStart {
			segs = append(segs, segment{lit: tmpl[litStart:end], at: litStart, size: end - litStart})
		}
		litStart = -1
	}
	fail := func(at int, msg string) ([]segment, *TemplateError) {
		line, col := locate(tmpl, at)
		return nil, &TemplateError{Offset: at, Line: line, Column: col, Message: msg}
	}
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		switch {
		case c == '\\' && mode == ModeMarkdownV2 && i+1 < len(tmpl):
			if litStart < 0 {
				litStart = i
			}
			_, size := utf8.DecodeRuneInString(tmpl[i+1:])
			where.escaped()
			i += 1 + size
			continue
		case (c == '{' || c == '}') && i+1 < len(tmpl) && tmpl[i+1] == c:
			// A doubled brace is one literal brace; it is its own segment
			// so that positions map back to the template exactly.
			flush(i)
			segs = append(segs, segment{lit: tmpl[i : i+1], at: i, size: 2})
			i += 2
			continue
		case c == '{':
			end := strings.IndexByte(tmpl[i+1:], '}')
			name := ""
			if end >= 0 {
				name = tmpl[i+1 : i+1+end]
			}
			if end < 0 || !looksLikeName(name) {
				if lenient {
					break
				}
				return fail(i, "a \"{\" that starts no placeholder: write {{ for a literal brace")
			}
			if ok, why := knownPlaceholder(name); !ok {
				if lenient {
					break
				}
				return fail(i, why)
			}
			flush(i)
			segs = append(segs, segment{name: name, at: i, size: end + 2, inAddress: where.inAddress()})
			i += end + 2
			continue
		}
		if litStart < 0 {
			litStart = i
		}
		where.literal(c)
		i++
	}
	flush(len(tmpl))
	return segs, nil
}

// looksLikeName reports whether s could be meant as a placeholder name
// (so that "{frist_name}" is reported as unknown rather than as a lone
// brace).
func looksLikeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// expand fills a template's placeholders, each value escaped for mode so
// that nothing in a person's name can break or inject formatting.
func expand(tmpl string, mode ParseMode, v *Vars) string {
	if strings.IndexByte(tmpl, '{') < 0 && strings.IndexByte(tmpl, '}') < 0 {
		return tmpl
	}
	segs, _ := parseTemplate(tmpl, mode, true)
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for _, s := range segs {
		if s.name == "" {
			b.WriteString(s.lit)
			continue
		}
		escapeValue(&b, v.value(s.name), s, mode)
	}
	return b.String()
}

// escapeValue writes a placeholder's value for its place in the template.
func escapeValue(b *strings.Builder, value string, s segment, mode ParseMode) {
	if s.inAddress {
		value = url.QueryEscape(value)
	}
	escape(b, value, mode)
}

// escape writes s so that Telegram shows it as it is in mode.
func escape(b *strings.Builder, s string, mode ParseMode) {
	switch mode {
	case ModeHTML:
		for _, r := range s {
			switch r {
			case '<':
				b.WriteString("&lt;")
			case '>':
				b.WriteString("&gt;")
			case '&':
				b.WriteString("&amp;")
			case '"':
				b.WriteString("&quot;")
			default:
				b.WriteRune(r)
			}
		}
	case ModeMarkdownV2:
		for _, r := range s {
			if r < utf8.RuneSelf && strings.IndexByte(markdownV2Special, byte(r)) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	default:
		b.WriteString(s)
	}
}

// markdownV2Special are the characters MarkdownV2 needs escaped anywhere.
const markdownV2Special = "_*[]()~`>#+-=|{}.!\\"

// EscapeHTML escapes text for a message in HTML parse mode.
func EscapeHTML(s string) string {
	var b strings.Builder
	escape(&b, s, ModeHTML)
	return b.String()
}

// EscapeMarkdownV2 escapes text for a message in MarkdownV2 parse mode.
func EscapeMarkdownV2(s string) string {
	var b strings.Builder
	escape(&b, s, ModeMarkdownV2)
	return b.String()
}

// probe is a template with every placeholder replaced by a stand-in, ready
// for the markup parser, and the way back from its byte offsets to the
// template's.
type probe struct {
	text string
	segs []segment
	outs []int // byte offset in text of each segment
}

func makeProbe(segs []segment, stand probeKind, mode ParseMode) probe {
	p := probe{segs: segs, outs: make([]int, len(segs))}
	var b strings.Builder
	for i, s := range segs {
		p.outs[i] = b.Len()
		switch {
		case s.name == "":
			b.WriteString(s.lit)
		case stand == probeEmpty && s.name != "first_name" && s.name != "username" && s.name != "bot_username":
		case stand == probeHostile:
			escapeValue(&b, hostileValue, s, mode)
		default:
			b.WriteString(strings.Repeat("x", s.size))
		}
	}
	p.text = b.String()
	return p
}

// What a probe puts in place of the placeholders.
type probeKind int

const (
	probeSameLength probeKind = iota // letters, as many as the placeholder has: positions stay
	probeEmpty                       // nothing for the placeholders that may be empty
	probeHostile                     // a value full of characters the parse modes treat specially, escaped as Render does
)

// hostileValue holds every character that means something in HTML,
// MarkdownV2 or a URL, and a space.
const hostileValue = `<a href="x">&amp; *_[]()~` + "`" + `>#+-=|{}.!\ x%?/:@`

// unprobe puts the placeholders back where a parser's message quotes a
// same-length probe's stand-ins.
func (p probe) unprobe(msg string) string {
	if !strings.Contains(msg, "xx") {
		return msg
	}
	names := map[string]string{}
	for _, s := range p.segs {
		if s.name != "" {
			names[strings.Repeat("x", s.size)] = "{" + s.name + "}"
		}
	}
	stands := make([]string, 0, len(names))
	for x := range names {
		stands = append(stands, x)
	}
	slices.SortFunc(stands, func(a, b string) int { return len(b) - len(a) })
	for _, x := range stands {
		msg = strings.ReplaceAll(msg, x, names[x])
	}
	return msg
}

// templateOffset maps a byte offset of the probe text back to the template.
func (p probe) templateOffset(off int) int {
	for i := len(p.segs) - 1; i >= 0; i-- {
		if p.outs[i] <= off {
			s, delta := p.segs[i], off-p.outs[i]
			if s.name != "" || len(s.lit) != s.size {
				// A placeholder's stand-in or a doubled brace: the spot is
				// within the template's piece.
				delta = min(delta, s.size-1)
			}
			return s.at + delta
		}
	}
	return off
}
