package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

// parseMarkup turns formatted text into the plain text and entities a sent
// message carries, failing like Telegram on markup it would reject. It is a
// faithful subset, not a full reimplementation: enough to catch the mistakes
// an app makes (unescaped characters, unknown or unbalanced tags).
func parseMarkup(mode, text string) (string, []telego.MessageEntity, *apiError) {
	switch strings.ToLower(mode) {
	case "":
		return text, nil, nil
	case "html":
		return parseHTML(text)
	case "markdownv2":
		return parseMarkdownV2(text)
	case "markdown":
		return text, nil, nil // legacy mode, accepted as plain text
	}
	return "", nil, errUnsupportedParseMode
}

func cantParse(format string, args ...any) *apiError {
	return badRequest("can't parse entities: %s", fmt.Sprintf(format, args...))
}

// entityBuilder accumulates plain text while tracking the UTF-16 offset that
// entity offsets are measured in.
type entityBuilder struct {
	text     strings.Builder
	offset   int
	entities []telego.MessageEntity
}

func (e *entityBuilder) writeRune(r rune) {
	e.text.WriteRune(r)
	if r >= 0x10000 {
		e.offset += 2
	} else {
		e.offset++
	}
}

func (e *entityBuilder) add(typ string, start int, url string) {
	if e.offset > start {
		e.entities = append(e.entities, telego.MessageEntity{Type: typ, Offset: start, Length: e.offset - start, URL: url})
	}
}

func (e *entityBuilder) result() (string, []telego.MessageEntity) {
	sort.SliceStable(e.entities, func(i, j int) bool {
		a, b := e.entities[i], e.entities[j]
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		return a.Length > b.Length
	})
	return e.text.String(), e.entities
}

var htmlTags = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type openTag struct {
	name, typ, url string
	start          int
}

func parseHTML(text string) (string, []telego.MessageEntity, *apiError) {
	var out entityBuilder
	var stack []openTag
	for i := 0; i < len(text); {
		switch text[i] {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return "", nil, cantParse("Unclosed start tag at byte offset %d", i)
			}
			inner := text[i+1 : i+end]
			if strings.HasPrefix(inner, "/") {
				name := strings.ToLower(strings.TrimSpace(inner[1:]))
				if len(stack) == 0 {
					return "", nil, cantParse("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return "", nil, cantParse("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				out.add(top.typ, top.start, top.url)
			} else {
				name, attrs, _ := strings.Cut(inner, " ")
				name = strings.ToLower(name)
				typ, ok := htmlTags[name]
				if !ok {
					return "", nil, cantParse("Unsupported start tag \"%s\" at byte offset %d", name, i)
				}
				if name == "span" && attr(attrs, "class") != "tg-spoiler" {
					return "", nil, cantParse("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", i)
				}
				if name == "blockquote" && strings.Contains(attrs, "expandable") {
					typ = "expandable_blockquote"
				}
				stack = append(stack, openTag{name: name, typ: typ, url: attr(attrs, "href"), start: out.offset})
			}
			i += end + 1
		case '&':
			if semi := strings.IndexByte(text[i:], ';'); semi > 1 && semi <= 10 {
				if r, ok := htmlEntity(text[i+1 : i+semi]); ok {
					out.writeRune(r)
					i += semi + 1
					continue
				}
			}
			out.writeRune('&')
			i++
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			out.writeRune(r)
			i += size
		}
	}
	if len(stack) > 0 {
		return "", nil, cantParse("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	plain, entities := out.result()
	return plain, entities, nil
}

// attr reads name="value" (or 'value') from a tag's attribute text.
func attr(attrs, name string) string {
	i := strings.Index(attrs, name+"=")
	if i < 0 {
		return ""
	}
	v := attrs[i+len(name)+1:]
	if v == "" {
		return ""
	}
	if q := v[0]; q == '"' || q == '\'' {
		if end := strings.IndexByte(v[1:], q); end >= 0 {
			return v[1 : end+1]
		}
		return v[1:]
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

func htmlEntity(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	}
	if strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X") {
		n, err := strconv.ParseInt(name[2:], 16, 32)
		return rune(n), err == nil
	}
	if strings.HasPrefix(name, "#") {
		n, err := strconv.ParseInt(name[1:], 10, 32)
		return rune(n), err == nil
	}
	return 0, false
}

// MarkdownV2 markers and the entity names Telegram's errors use for them.
var mdEntities = map[string]struct{ typ, name string }{
	"*":   {"bold", "Bold"},
	"_":   {"italic", "Italic"},
	"__":  {"underline", "Underline"},
	"~":   {"strikethrough", "Strikethrough"},
	"||":  {"spoiler", "Spoiler"},
	"`":   {"code", "Code"},
	"```": {"pre", "Pre"},
	"[":   {"text_link", "TextUrl"},
}

const mdReserved = "_*[]()~`>#+-=|{}.!"

type openMarker struct {
	marker      string
	start, byte int
}

func parseMarkdownV2(text string) (string, []telego.MessageEntity, *apiError) {
	var out entityBuilder
	var stack []openMarker
	inCode := func() bool {
		return len(stack) > 0 && (stack[len(stack)-1].marker == "`" || stack[len(stack)-1].marker == "```")
	}
	toggle := func(marker string, at int) {
		if len(stack) > 0 && stack[len(stack)-1].marker == marker {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			out.add(mdEntities[marker].typ, top.start, "")
			return
		}
		stack = append(stack, openMarker{marker: marker, start: out.offset, byte: at})
	}

	for i := 0; i < len(text); {
		c := text[i]
		if c == '\\' {
			if i+1 >= len(text) {
				return "", nil, cantParse("Character '\\' is reserved and must be escaped with the preceding '\\'")
			}
			r, size := utf8.DecodeRuneInString(text[i+1:])
			out.writeRune(r)
			i += 1 + size
			continue
		}
		if inCode() && c != '`' {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.writeRune(r)
			i += size
			continue
		}
		switch {
		case strings.HasPrefix(text[i:], "```"):
			toggle("```", i)
			i += 3
			if len(stack) > 0 && stack[len(stack)-1].marker == "```" {
				// An opening ``` may name a language on the rest of its line.
				if nl := strings.IndexByte(text[i:], '\n'); nl >= 0 && !strings.ContainsAny(text[i:i+nl], " `") {
					i += nl + 1
				}
			}
		case c == '`', c == '*', c == '~':
			toggle(string(c), i)
			i++
		case strings.HasPrefix(text[i:], "__"):
			toggle("__", i)
			i += 2
		case c == '_':
			toggle("_", i)
			i++
		case strings.HasPrefix(text[i:], "||"):
			toggle("||", i)
			i += 2
		case c == '[':
			stack = append(stack, openMarker{marker: "[", start: out.offset, byte: i})
			i++
		case c == ']' && len(stack) > 0 && stack[len(stack)-1].marker == "[":
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if i+1 >= len(text) || text[i+1] != '(' {
				return "", nil, cantParse("Character ']' is reserved and must be escaped with the preceding '\\'")
			}
			end := closingParen(text[i+2:])
			if end < 0 {
				return "", nil, cantParse("Can't find end of a URL at byte offset %d", i+1)
			}
			out.add("text_link", top.start, strings.ReplaceAll(text[i+2:i+2+end], "\\", ""))
			i += end + 3
		case c == '>' && (i == 0 || text[i-1] == '\n'):
			i++ // a blockquote line marker
		case strings.IndexByte(mdReserved, c) >= 0:
			return "", nil, cantParse("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			out.writeRune(r)
			i += size
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", nil, cantParse("Can't find end of %s entity at byte offset %d", mdEntities[top.marker].name, top.byte)
	}
	plain, entities := out.result()
	return plain, entities, nil
}

// closingParen finds the first ')' not escaped with '\', or -1.
func closingParen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ')':
			return i
		}
	}
	return -1
}
