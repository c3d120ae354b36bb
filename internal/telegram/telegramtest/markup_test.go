package telegramtest

import (
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	plain, entities, err := parseMarkup("HTML", `<b>Bold</b> &lt;x&gt; <a href="https://t.me/x">link</a> 😀<i>it</i>`)
	if err != nil {
		t.Fatal(err)
	}
	if plain != "Bold <x> link 😀it" {
		t.Fatalf("plain = %q", plain)
	}
	want := []struct {
		typ            string
		offset, length int
	}{{"bold", 0, 4}, {"text_link", 9, 4}, {"italic", 16, 2}} // the emoji is two UTF-16 units
	if len(entities) != len(want) {
		t.Fatalf("entities = %+v", entities)
	}
	for i, w := range want {
		if e := entities[i]; e.Type != w.typ || e.Offset != w.offset || e.Length != w.length {
			t.Errorf("entity %d = %+v, want %+v", i, e, w)
		}
	}
	if entities[1].URL != "https://t.me/x" {
		t.Errorf("link URL = %q", entities[1].URL)
	}

	for text, wantErr := range map[string]string{
		"<div>x</div>":    `Unsupported start tag "div" at byte offset 0`,
		"<b>x":            `Can't find end tag corresponding to start tag "b"`,
		"<b><i>x</b></i>": `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
		"<span>x</span>":  `Tag "span" must have class "tg-spoiler"`,
		"x</b>":           "Unexpected end tag",
		"<b":              "Unclosed start tag",
	} {
		_, _, err := parseMarkup("html", text)
		if err == nil || !strings.HasPrefix(err.Description, "Bad Request: can't parse entities: ") || !strings.Contains(err.Description, wantErr) {
			t.Errorf("%q: %v, want %q", text, err, wantErr)
		}
	}
	if _, _, err := parseMarkup("HTML", `<span class="tg-spoiler">s</span> a & b`); err != nil {
		t.Errorf("spoiler span and a bare ampersand: %v", err)
	}
}

func TestParseMarkdownV2(t *testing.T) {
	plain, entities, err := parseMarkup("MarkdownV2", `*bold* _it_ __u__ ~s~ ||sp|| `+"`code`"+` [link](https://t.me/x\)y) 1\.5\!`)
	if err != nil {
		t.Fatal(err)
	}
	if plain != "bold it u s sp code link 1.5!" {
		t.Fatalf("plain = %q", plain)
	}
	types := []string{}
	for _, e := range entities {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "bold,italic,underline,strikethrough,spoiler,code,text_link" {
		t.Fatalf("entity types = %v", types)
	}

	for text, wantErr := range map[string]string{
		"1.5":       "Character '.' is reserved and must be escaped with the preceding '\\'",
		"Hello!":    "Character '!' is reserved",
		"a-b":       "Character '-' is reserved",
		"*bold":     "Can't find end of Bold entity at byte offset 0",
		"x _it":     "Can't find end of Italic entity at byte offset 2",
		"[t](u":     "Can't find end of a URL",
		"```\ncode": "Can't find end of Pre entity",
	} {
		_, _, err := parseMarkup("MarkdownV2", text)
		if err == nil || !strings.Contains(err.Description, wantErr) {
			t.Errorf("%q: %v, want %q", text, err, wantErr)
		}
	}
	if _, _, err := parseMarkup("MarkdownV2", "```go\nx := a.b!\n```\n> quoted"); err != nil {
		t.Errorf("pre block and blockquote: %v", err)
	}
}

func TestParseModes(t *testing.T) {
	if plain, _, err := parseMarkup("", "<b>1.5</b>"); err != nil || plain != "<b>1.5</b>" {
		t.Fatalf("no parse mode: %q %v", plain, err)
	}
	if _, _, err := parseMarkup("Markdown", "*x*"); err != nil {
		t.Fatalf("legacy Markdown: %v", err)
	}
	if _, _, err := parseMarkup("XML", "x"); err != errUnsupportedParseMode {
		t.Fatalf("unknown mode: %v", err)
	}
}
