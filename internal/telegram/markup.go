package telegram

import (
	"fmt"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file checks message text the way the Bot API will — Telegram HTML
// and MarkdownV2 (https://core.telegram.org/bots/api#formatting-options),
// following the parser of TDLib (td/telegram/MessageEntity.cpp) that the
// Bot API server runs — so a broadcast with broken markup is refused
// when it is composed, with what is wrong and where, instead of failing
// thousands of times when it is sent. ParseMarkup also yields the plain
// text and entities, which is what Telegram's length limit counts and
// what RenderPreview draws.

// MaxMessageLength is Telegram's limit on a text message: characters of
// the text after entities parsing.
const MaxMessageLength = 4096

// Parse modes of sendMessage.
const (
	ModeHTML       = "HTML"
	ModeMarkdownV2 = "MarkdownV2"
)

// Entity types ParseMarkup produces (Telegram's MessageEntity types).
const (
	EntityBold                 = "bold"
	EntityItalic               = "italic"
	EntityUnderline            = "underline"
	EntityStrikethrough        = "strikethrough"
	EntitySpoiler              = "spoiler"
	EntityCode                 = "code"
	EntityPre                  = "pre"
	EntityTextLink             = "text_link"
	EntityTextMention          = "text_mention"
	EntityCustomEmoji          = "custom_emoji"
	EntityBlockquote           = "blockquote"
	EntityExpandableBlockquote = "expandable_blockquote"
)

// Entity is a formatted span of the plain text. Offset and Length count
// UTF-16 code units, as Telegram does.
type Entity struct {
	Type          string
	Offset        int
	Length        int
	URL           string // text_link
	UserID        int64  // text_mention (tg://user?id=…)
	Language      string // pre
	CustomEmojiID string // custom_emoji
}

// MarkupError says what is wrong with formatted text and where: Line and
// Column (1-based, in characters) point at the offending spot.
type MarkupError struct {
	Mode    string
	Offset  int // byte offset into the text
	Line    int
	Column  int
	Message string
}

func (e *MarkupError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// TextError is a message text Telegram would refuse for its size: empty
// after the formatting is removed, or longer than MaxMessageLength.
type TextError struct {
	Length  int // characters after entities parsing
	Message string
}

func (e *TextError) Error() string { return e.Message }

// ValidateText checks a message as sendMessage would: the markup parses,
// and the text left after entities parsing is neither empty nor longer
// than MaxMessageLength characters. It returns the plain text and the
// entities; the error is a *MarkupError or a *TextError.
func ValidateText(mode, text string) (string, []Entity, error) {
	plain, entities, err := ParseMarkup(mode, text)
	if err != nil {
		return "", nil, err
	}
	if strings.TrimFunc(plain, unicode.IsSpace) == "" {
		msg := "is empty"
		if mode != "" && text != "" && strings.TrimSpace(text) != "" {
			msg = "is empty once the " + mode + " formatting is removed"
		}
		return "", nil, &TextError{Length: 0, Message: msg}
	}
	if n := utf8.RuneCountInString(plain); n > MaxMessageLength {
		return "", nil, &TextError{Length: n, Message: fmt.Sprintf("is %s characters long%s; Telegram allows at most %s",
			thousands(n), afterFormatting(mode), thousands(MaxMessageLength))}
	}
	return plain, entities, nil
}

func afterFormatting(mode string) string {
	if mode == "" {
		return ""
	}
	return " without its formatting"
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ParseMarkup turns text in parse mode mode ("" for plain text, "HTML" or
// "MarkdownV2") into plain text and entities, or explains why Telegram
// would answer "can't parse entities".
func ParseMarkup(mode, text string) (string, []Entity, error) {
	if !utf8.ValidString(text) {
		return "", nil, markupErr(mode, text, firstInvalidUTF8(text), "the text is not valid UTF-8")
	}
	switch mode {
	case "":
		return text, nil, nil
	case ModeHTML:
		return parseHTML(text)
	case ModeMarkdownV2:
		return parseMarkdownV2(text)
	}
	return "", nil, fmt.Errorf("telegram: unsupported parse mode %q", mode)
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

// markupErr locates byte offset at in text.
func markupErr(mode, text string, at int, format string, args ...any) *MarkupError {
	at = min(max(at, 0), len(text))
	line, col := 1, 1
	for _, r := range text[:at] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &MarkupError{Mode: mode, Offset: at, Line: line, Column: col, Message: fmt.Sprintf(format, args...)}
}

// builder accumulates plain text and the UTF-16 offset entities use.
type builder struct {
	text     strings.Builder
	offset   int
	entities []Entity
}

func (b *builder) writeRune(r rune) {
	b.text.WriteRune(r)
	b.offset += utf16Len(r)
}

func (b *builder) writeString(s string) {
	for _, r := range s {
		b.writeRune(r)
	}
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// add records an entity from start to the current offset; Telegram drops
// empty ones.
func (b *builder) add(e Entity, start int) {
	if b.offset > start {
		e.Offset, e.Length = start, b.offset-start
		b.entities = append(b.entities, e)
	}
}

func (b *builder) result() (string, []Entity) {
	ents := dropNestedInCode(foldPreLanguage(b.entities))
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	return b.text.String(), ents
}

// foldPreLanguage gives a pre the language of a code span covering exactly
// the same text (HTML's <pre><code class="language-go">).
func foldPreLanguage(ents []Entity) []Entity {
	for i := range ents {
		if ents[i].Type != EntityPre || ents[i].Language != "" {
			continue
		}
		for _, e := range ents {
			if e.Type == EntityCode && e.Offset == ents[i].Offset && e.Length == ents[i].Length && e.Language != "" {
				ents[i].Language = e.Language
			}
		}
	}
	return ents
}

// dropNestedInCode removes entities inside code and pre, as Telegram does:
// code is shown verbatim. A code span covering exactly a pre is dropped
// too (the pre carries its language); other entities covering exactly the
// same text as a code span stay (bold code).
func dropNestedInCode(ents []Entity) []Entity {
	isCode := func(t string) bool { return t == EntityCode || t == EntityPre }
	out := make([]Entity, 0, len(ents))
	for i, e := range ents {
		inside := false
		for j, c := range ents {
			if i == j || !isCode(c.Type) {
				continue
			}
			if e.Offset < c.Offset || e.Offset+e.Length > c.Offset+c.Length {
				continue
			}
			same := e.Offset == c.Offset && e.Length == c.Length
			if same && (!isCode(e.Type) || (e.Type == EntityPre && c.Type == EntityCode) || (e.Type == c.Type && i < j)) {
				continue
			}
			inside = true
			break
		}
		if !inside {
			out = append(out, e)
		}
	}
	return out
}

// ---- HTML ----

// htmlTags are the tags Telegram accepts, with the entity each makes.
var htmlTags = map[string]string{
	"b": EntityBold, "strong": EntityBold,
	"i": EntityItalic, "em": EntityItalic,
	"u": EntityUnderline, "ins": EntityUnderline,
	"s": EntityStrikethrough, "strike": EntityStrikethrough, "del": EntityStrikethrough,
	"span": EntitySpoiler, "tg-spoiler": EntitySpoiler,
	"a":          EntityTextLink,
	"code":       EntityCode,
	"pre":        EntityPre,
	"blockquote": EntityBlockquote,
	"tg-emoji":   EntityCustomEmoji,
}

const supportedTags = "b, i, u, s, a, code, pre, blockquote, tg-spoiler and tg-emoji"

type openHTML struct {
	name   string
	entity Entity
	start  int // UTF-16 offset in the plain text
	at     int // byte offset of '<' in the source
	textAt int // byte offset of the plain text at the start (for <a> without href)
}

func parseHTML(text string) (string, []Entity, error) {
	var b builder
	var stack []openHTML
	fail := func(at int, format string, args ...any) (string, []Entity, error) {
		return "", nil, markupErr(ModeHTML, text, at, format, args...)
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c == '&' {
			if r, n := decodeHTMLEntity(text[i:]); n > 0 {
				b.writeRune(r)
				i += n
				continue
			}
		}
		if c != '<' {
			r, size := utf8.DecodeRuneInString(text[i:])
			b.writeRune(r)
			i += size
			continue
		}
		begin := i
		i++
		if i < len(text) && text[i] == '/' {
			// An end tag.
			if len(stack) == 0 {
				return fail(begin, "an end tag closes a tag that was never opened; write \"<\" as &lt;")
			}
			i++
			nameStart := i
			for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
				i++
			}
			name := strings.ToLower(text[nameStart:i])
			for i < len(text) && isHTMLSpace(text[i]) {
				i++
			}
			if i >= len(text) || text[i] != '>' {
				return fail(begin, "the end tag </%s is not closed with \">\"", name)
			}
			i++
			top := stack[len(stack)-1]
			if name != "" && name != top.name {
				return fail(begin, "</%s> found where </%s> was expected (tags must be closed in the reverse order they were opened)", name, top.name)
			}
			stack = stack[:len(stack)-1]
			e := top.entity
			if e.Type == EntityTextLink && e.URL == "" {
				e.URL = b.text.String()[top.textAt:]
			}
			if e.Type == EntityTextLink {
				if !linkURL(&e) {
					return fail(top.at, "the link address %q is not a valid http(s) or tg:// URL", e.URL)
				}
			}
			b.add(e, top.start)
			continue
		}
		// A start tag.
		nameStart := i
		for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
			i++
		}
		if i >= len(text) {
			return fail(begin, "a tag is not closed with \">\"; to write \"<\" itself, use &lt;")
		}
		name := strings.ToLower(text[nameStart:i])
		typ, ok := htmlTags[name]
		if !ok {
			if name == "" || name == "br" || name == "p" || name == "div" {
				hint := "; to write \"<\" itself, use &lt;"
				if name == "br" || name == "p" || name == "div" {
					hint = "; use line breaks instead"
				}
				return fail(begin, "<%s> is not supported by Telegram (it supports %s)%s", name, supportedTags, hint)
			}
			return fail(begin, "<%s> is not supported by Telegram (it supports %s); to write \"<\" itself, use &lt;", name, supportedTags)
		}
		open := openHTML{name: name, entity: Entity{Type: typ}, start: b.offset, at: begin, textAt: b.text.Len()}
		spanClass := ""
		for {
			for i < len(text) && isHTMLSpace(text[i]) {
				i++
			}
			if i >= len(text) {
				return fail(begin, "the tag <%s is not closed with \">\"", name)
			}
			if text[i] == '>' {
				i++
				break
			}
			if text[i] == '/' && i+1 < len(text) && text[i+1] == '>' {
				return fail(begin, "<%s/> is not supported: open and close the tag around some text", name)
			}
			attrStart := i
			for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '=' && text[i] != '>' {
				i++
			}
			attr := strings.ToLower(text[attrStart:i])
			if attr == "" {
				return fail(attrStart, "an attribute of <%s> has no name", name)
			}
			for i < len(text) && isHTMLSpace(text[i]) {
				i++
			}
			if i >= len(text) || text[i] != '=' {
				if name == "blockquote" && attr == "expandable" {
					open.entity.Type = EntityExpandableBlockquote
					continue
				}
				return fail(attrStart, "the attribute %q of <%s> has no value (write %s=\"…\")", attr, name, attr)
			}
			i++
			for i < len(text) && isHTMLSpace(text[i]) {
				i++
			}
			if i >= len(text) {
				return fail(begin, "the tag <%s is not closed with \">\"", name)
			}
			var value string
			if q := text[i]; q == '"' || q == '\'' {
				end := strings.IndexByte(text[i+1:], q)
				if end < 0 {
					return fail(i, "the value of %q in <%s> has no closing %c", attr, name, q)
				}
				value = decodeHTMLString(text[i+1 : i+1+end])
				i += end + 2
			} else {
				vStart := i
				for i < len(text) && (isASCIIAlnum(text[i]) || text[i] == '.' || text[i] == '-') {
					i++
				}
				if i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
					return fail(vStart, "the value of %q in <%s> must be quoted", attr, name)
				}
				value = strings.ToLower(text[vStart:i])
			}
			switch {
			case name == "a" && attr == "href":
				open.entity.URL = value
			case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
				open.entity.Language = value[len("language-"):]
			case name == "span" && attr == "class":
				spanClass = value
			case name == "tg-emoji" && attr == "emoji-id":
				open.entity.CustomEmojiID = value
			}
		}
		if name == "span" && spanClass != "tg-spoiler" {
			return fail(begin, "<span> must have class=\"tg-spoiler\" (it is only for spoilers)")
		}
		if name == "tg-emoji" {
			if _, err := strconv.ParseInt(open.entity.CustomEmojiID, 10, 64); err != nil {
				return fail(begin, "<tg-emoji> needs a numeric emoji-id")
			}
		}
		stack = append(stack, open)
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return fail(top.at, "<%s> is never closed: add </%s>", top.name, top.name)
	}
	plain, ents := b.result()
	return plain, ents, nil
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// decodeHTMLEntity reads &lt; &gt; &amp; &quot; or a numeric reference at
// the start of s and returns the rune and the bytes it took (0 when s does
// not start with one; Telegram then keeps the '&' as it is).
func decodeHTMLEntity(s string) (rune, int) {
	semi := strings.IndexByte(s, ';')
	if semi < 2 || semi > 12 {
		return 0, 0
	}
	name := s[1:semi]
	switch name {
	case "lt":
		return '<', semi + 1
	case "gt":
		return '>', semi + 1
	case "amp":
		return '&', semi + 1
	case "quot":
		return '"', semi + 1
	}
	var n int64
	var err error
	switch {
	case strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X"):
		n, err = strconv.ParseInt(name[2:], 16, 32)
	case strings.HasPrefix(name, "#"):
		n, err = strconv.ParseInt(name[1:], 10, 32)
	default:
		return 0, 0
	}
	if err != nil || n <= 0 || n > unicode.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
		return 0, 0
	}
	return rune(n), semi + 1
}

func decodeHTMLString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if r, n := decodeHTMLEntity(s[i:]); n > 0 {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// linkURL checks a text link's address the way Telegram does before it
// keeps the entity (it silently drops links it cannot use; Botdeck
// refuses them, since a link that vanishes is a mistake). tg://user?id=N
// becomes a mention of that user.
func linkURL(e *Entity) bool {
	raw := strings.TrimSpace(e.URL)
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ton":
		if u.Host == "" {
			return false
		}
	case "tg":
		if strings.EqualFold(u.Host, "user") || strings.EqualFold(u.Opaque, "user") {
			id, err := strconv.ParseInt(u.Query().Get("id"), 10, 64)
			if err != nil || id <= 0 {
				return false
			}
			e.Type, e.UserID = EntityTextMention, id
		}
	case "":
		// "example.com/page": Telegram adds http://.
		if !strings.Contains(raw, ".") || strings.ContainsAny(raw, " <>\"") {
			return false
		}
		if hu, err := url.Parse("http://" + raw); err != nil || hu.Host == "" {
			return false
		}
		e.URL = "http://" + raw
		return true
	default:
		return false
	}
	e.URL = raw
	return true
}

// ---- MarkdownV2 ----

const mdReserved = "_*[]()~`>#+-=|{}.!"

type openMD struct {
	typ   string
	start int // UTF-16 offset
	at    int // byte offset of the marker
	lang  string
}

var mdNames = map[string]string{
	EntityBold: "bold (*)", EntityItalic: "italic (_)", EntityUnderline: "underline (__)", EntityStrikethrough: "strikethrough (~)",
	EntitySpoiler: "spoiler (||)", EntityCode: "code (`)", EntityPre: "code block (```)", EntityTextLink: "link ([…](…))",
	EntityCustomEmoji: "custom emoji (![…](…))",
}

func parseMarkdownV2(text string) (string, []Entity, error) {
	var b builder
	var stack []openMD
	var quote *openMD // the blockquote being built, line by line
	fail := func(at int, format string, args ...any) (string, []Entity, error) {
		return "", nil, markupErr(ModeMarkdownV2, text, at, format, args...)
	}
	top := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].typ
	}
	inCode := func() bool { t := top(); return t == EntityCode || t == EntityPre }
	closeQuote := func(end int) {
		if quote != nil {
			e := Entity{Type: quote.typ}
			if end > quote.start {
				e.Offset, e.Length = quote.start, end-quote.start
				b.entities = append(b.entities, e)
			}
			quote = nil
		}
	}
	lineEnd := -1 // UTF-16 offset of the last line break, where a quote ends
	for i := 0; i < len(text); {
		c := text[i]
		atLineStart := i == 0 || text[i-1] == '\n'
		if atLineStart && !inCode() {
			switch {
			case c == '>':
				if quote == nil {
					quote = &openMD{typ: EntityBlockquote, start: b.offset, at: i}
				}
				i++
				continue
			case strings.HasPrefix(text[i:], "**>"):
				closeQuote(lineEnd)
				quote = &openMD{typ: EntityExpandableBlockquote, start: b.offset, at: i}
				i += 3
				continue
			case quote != nil:
				closeQuote(lineEnd)
			}
		}
		if c == '\\' && i+1 < len(text) && text[i+1] > 0 && text[i+1] <= 126 {
			b.writeRune(rune(text[i+1]))
			i += 2
			continue
		}
		reserved := mdReserved
		if inCode() {
			reserved = "`"
		}
		if c == '\n' {
			lineEnd = b.offset
		}
		if strings.IndexByte(reserved, c) < 0 || c == 0 {
			r, size := utf8.DecodeRuneInString(text[i:])
			b.writeRune(r)
			i += size
			continue
		}
		// "||" at the end of the last line of an expandable blockquote.
		if quote != nil && quote.typ == EntityExpandableBlockquote && top() != EntitySpoiler && strings.HasPrefix(text[i:], "||") &&
			(i+2 == len(text) || text[i+2] == '\n') {
			closeQuote(b.offset)
			i += 2
			continue
		}
		if isEnd := func() bool {
			switch top() {
			case EntityBold:
				return c == '*'
			case EntityItalic:
				return c == '_' && !strings.HasPrefix(text[i:], "__")
			case EntityUnderline:
				return strings.HasPrefix(text[i:], "__")
			case EntityStrikethrough:
				return c == '~'
			case EntitySpoiler:
				return strings.HasPrefix(text[i:], "||")
			case EntityCode:
				return c == '`'
			case EntityPre:
				return strings.HasPrefix(text[i:], "```")
			case EntityTextLink, EntityCustomEmoji:
				return c == ']'
			}
			return false
		}(); isEnd {
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			e := Entity{Type: o.typ}
			switch o.typ {
			case EntityUnderline, EntitySpoiler:
				i += 2
			case EntityPre:
				i += 3
				e.Language = o.lang
			case EntityTextLink, EntityCustomEmoji:
				i++
				var addr string
				if i < len(text) && text[i] == '(' {
					urlAt := i + 1
					var ub strings.Builder
					j := urlAt
					for j < len(text) && text[j] != ')' {
						if text[j] == '\\' && j+1 < len(text) && text[j+1] > 0 && text[j+1] <= 126 {
							ub.WriteByte(text[j+1])
							j += 2
							continue
						}
						ub.WriteByte(text[j])
						j++
					}
					if j >= len(text) {
						return fail(i, "the link address opened with \"(\" is never closed with \")\"")
					}
					addr = ub.String()
					i = j + 1
				} else if o.typ == EntityTextLink {
					addr = b.text.String()[textByteAt(b.text.String(), o.start):]
				}
				if o.typ == EntityCustomEmoji {
					id, ok := strings.CutPrefix(addr, "tg://emoji?id=")
					if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
						return fail(o.at, "a custom emoji needs an address like (tg://emoji?id=5368324170671202286)")
					}
					e.CustomEmojiID = id
				} else {
					e.URL = addr
					if !linkURL(&e) {
						return fail(o.at, "the link address %q is not a valid http(s) or tg:// URL", addr)
					}
				}
			default:
				i++
			}
			b.add(e, o.start)
			continue
		}
		// The start of an entity.
		o := openMD{start: b.offset, at: i}
		switch c {
		case '_':
			if strings.HasPrefix(text[i:], "__") {
				o.typ = EntityUnderline
				i += 2
			} else {
				o.typ = EntityItalic
				i++
			}
		case '*':
			o.typ = EntityBold
			i++
		case '~':
			o.typ = EntityStrikethrough
			i++
		case '|':
			if !strings.HasPrefix(text[i:], "||") {
				return fail(i, "\"|\" must be escaped as \"\\|\" in MarkdownV2 (\"||\" marks a spoiler)")
			}
			o.typ = EntitySpoiler
			i += 2
		case '[':
			o.typ = EntityTextLink
			i++
		case '!':
			if !strings.HasPrefix(text[i:], "![") {
				return fail(i, "\"!\" must be escaped as \"\\!\" in MarkdownV2")
			}
			o.typ = EntityCustomEmoji
			i += 2
		case '`':
			if top() == EntityPre {
				return fail(i, "\"`\" inside a code block must be escaped as \"\\`\"")
			}
			if strings.HasPrefix(text[i:], "```") {
				o.typ = EntityPre
				i += 3
				langEnd := i
				for langEnd < len(text) && !isHTMLSpace(text[langEnd]) && text[langEnd] != '`' {
					langEnd++
				}
				if langEnd > i && langEnd < len(text) && text[langEnd] != '`' {
					o.lang = text[i:langEnd]
					i = langEnd
				}
				if i < len(text) && text[i] == '\r' {
					i++
				}
				if i < len(text) && text[i] == '\n' {
					i++
				}
			} else {
				o.typ = EntityCode
				i++
			}
		default:
			return fail(i, "%q must be escaped as \"\\%c\" in MarkdownV2 (the characters %s all need a \"\\\" before them)",
				string(c), c, strings.Join(strings.Split(mdReserved, ""), " "))
		}
		stack = append(stack, o)
	}
	if len(stack) > 0 {
		o := stack[len(stack)-1]
		return fail(o.at, "%s opened here is never closed", mdNames[o.typ])
	}
	if quote != nil {
		if quote.typ == EntityExpandableBlockquote {
			return fail(quote.at, "an expandable quote (**>) must end with \"||\" at the end of its last line")
		}
		closeQuote(b.offset)
	}
	plain, ents := b.result()
	return plain, ents, nil
}

// textByteAt converts a UTF-16 offset in s to a byte offset.
func textByteAt(s string, utf16 int) int {
	n := 0
	for i, r := range s {
		if n >= utf16 {
			return i
		}
		n += utf16Len(r)
	}
	return len(s)
}

// ---- Preview ----

// PreviewClasses are the CSS classes RenderPreview puts on what has no
// HTML element of its own (the views own the look).
type PreviewClasses struct {
	Spoiler, Code, Pre, Link, Mention, Blockquote string
}

// RenderPreview draws plain text with its entities as HTML for a preview.
// It is safe to embed as is: every character of the text is escaped, the
// only elements are the fixed ones below, and only http(s) links are
// clickable. Line breaks stay characters (show it with white-space:
// pre-wrap).
func RenderPreview(plain string, entities []Entity, cls PreviewClasses) string {
	type ev struct {
		pos  int
		e    Entity
		open bool
	}
	ents := append([]Entity(nil), entities...)
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	var out strings.Builder
	var stack []Entity
	next := 0
	openTag := func(e Entity) {
		switch e.Type {
		case EntityBold:
			out.WriteString("<strong>")
		case EntityItalic:
			out.WriteString("<em>")
		case EntityUnderline:
			out.WriteString("<u>")
		case EntityStrikethrough:
			out.WriteString("<s>")
		case EntitySpoiler:
			out.WriteString(`<span class="` + html.EscapeString(cls.Spoiler) + `">`)
		case EntityCode:
			out.WriteString(`<code class="` + html.EscapeString(cls.Code) + `">`)
		case EntityPre:
			out.WriteString(`<pre class="` + html.EscapeString(cls.Pre) + `"><code>`)
		case EntityBlockquote, EntityExpandableBlockquote:
			out.WriteString(`<blockquote class="` + html.EscapeString(cls.Blockquote) + `">`)
		case EntityTextLink:
			if u, err := url.Parse(e.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
				out.WriteString(`<a href="` + html.EscapeString(u.String()) + `" class="` + html.EscapeString(cls.Link) +
					`" rel="nofollow noopener noreferrer" target="_blank">`)
			} else {
				out.WriteString(`<span class="` + html.EscapeString(cls.Link) + `">`)
			}
		case EntityTextMention:
			out.WriteString(`<span class="` + html.EscapeString(cls.Mention) + `">`)
		default:
			out.WriteString("<span>")
		}
	}
	closeTag := func(e Entity) {
		switch e.Type {
		case EntityBold:
			out.WriteString("</strong>")
		case EntityItalic:
			out.WriteString("</em>")
		case EntityUnderline:
			out.WriteString("</u>")
		case EntityStrikethrough:
			out.WriteString("</s>")
		case EntityCode:
			out.WriteString("</code>")
		case EntityPre:
			out.WriteString("</code></pre>")
		case EntityBlockquote, EntityExpandableBlockquote:
			out.WriteString("</blockquote>")
		case EntityTextLink:
			if u, err := url.Parse(e.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
				out.WriteString("</a>")
			} else {
				out.WriteString("</span>")
			}
		default:
			out.WriteString("</span>")
		}
	}
	// closeAt closes every open entity ending at pos; entities that are
	// still open but sit above one that ends are closed and reopened, so
	// the output is always well nested.
	closeAt := func(pos int) {
		for {
			idx := -1
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].Offset+stack[k].Length <= pos {
					idx = k
					break
				}
			}
			if idx < 0 {
				return
			}
			reopen := append([]Entity(nil), stack[idx+1:]...)
			for k := len(stack) - 1; k >= idx; k-- {
				closeTag(stack[k])
			}
			stack = stack[:idx]
			for _, e := range reopen {
				openTag(e)
				stack = append(stack, e)
			}
		}
	}
	pos := 0
	emit := func(r rune) {
		closeAt(pos)
		for next < len(ents) && ents[next].Offset <= pos {
			if ents[next].Length > 0 && ents[next].Offset+ents[next].Length > pos {
				openTag(ents[next])
				stack = append(stack, ents[next])
			}
			next++
		}
		out.WriteString(html.EscapeString(string(r)))
		pos += utf16Len(r)
	}
	for _, r := range plain {
		emit(r)
	}
	closeAt(pos)
	for k := len(stack) - 1; k >= 0; k-- {
		closeTag(stack[k])
	}
	return out.String()
}
