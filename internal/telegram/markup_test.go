package telegram_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func TestParseHTML(t *testing.T) {
	cases := []struct {
		in, plain string
		ents      []telegram.Entity
	}{
		{"plain &lt;b&gt; &amp; &quot;x&quot; &#128512; &#x41;", `plain <b> & "x" 😀 A`, nil},
		{"a & b &unknown; c", "a & b &unknown; c", nil},
		{"<b>bold</b> <i>it</i> <u>u</u> <s>s</s>", "bold it u s", []telegram.Entity{
			{Type: "bold", Offset: 0, Length: 4}, {Type: "italic", Offset: 5, Length: 2}, {Type: "underline", Offset: 8, Length: 1}, {Type: "strikethrough", Offset: 10, Length: 1}}},
		{"<B>caps</B>", "caps", []telegram.Entity{{Type: "bold", Length: 4}}},
		{`<b>a <i>b</i></b>`, "a b", []telegram.Entity{{Type: "bold", Length: 3}, {Type: "italic", Offset: 2, Length: 1}}},
		{`<a href="https://example.com/?a=1&amp;b=2">link</a>`, "link", []telegram.Entity{{Type: "text_link", Length: 4, URL: "https://example.com/?a=1&b=2"}}},
		{`<a href='example.com'>x</a>`, "x", []telegram.Entity{{Type: "text_link", Length: 1, URL: "http://example.com"}}},
		{`<a href="tg://user?id=42">Ann</a>`, "Ann", []telegram.Entity{{Type: "text_mention", Length: 3, URL: "tg://user?id=42", UserID: 42}}},
		{`<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, "st", []telegram.Entity{{Type: "spoiler", Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{`<pre><code class="language-go">x := 1</code></pre>`, "x := 1", []telegram.Entity{{Type: "pre", Length: 6, Language: "go"}}},
		{`<code>a <b>not bold</b></code>`, "a not bold", []telegram.Entity{{Type: "code", Length: 10}}},
		{`<blockquote expandable>q</blockquote>`, "q", []telegram.Entity{{Type: "expandable_blockquote", Length: 1}}},
		{`😀<b>x</b>`, "😀x", []telegram.Entity{{Type: "bold", Offset: 2, Length: 1}}}, // UTF-16 offsets
		{`<b></b>empty`, "empty", nil},
		{`a > b`, "a > b", nil},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍", []telegram.Entity{{Type: "custom_emoji", Length: 2, CustomEmojiID: "5368324170671202286"}}},
	}
	for _, c := range cases {
		plain, ents, err := telegram.ParseMarkup(telegram.ModeHTML, c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if plain != c.plain || !sameEntities(ents, c.ents) {
			t.Errorf("%q:\n got %q %+v\nwant %q %+v", c.in, plain, ents, c.plain, c.ents)
		}
	}
}

func TestHTMLErrorsSayWhatAndWhere(t *testing.T) {
	cases := []struct {
		in        string
		line, col int
		says      string
	}{
		{"Hello <b>world", 1, 7, "<b> is never closed"},
		{"one\ntwo <div>x</div>", 2, 5, "<div> is not supported"},
		{"<b><i>x</b></i>", 1, 8, "</b> found where </i> was expected"},
		{"x</b>", 1, 2, "never opened"},
		{"1 < 2", 1, 3, "not supported"},
		{"a <b", 1, 3, "not closed"},
		{`<span>x</span>`, 1, 1, `class="tg-spoiler"`},
		{`<a href="javascript:alert(1)">x</a>`, 1, 1, "not a valid"},
		{`<a href="https://x.io>x</a>`, 1, 9, "no closing"},
		{`<b class=x y>z</b>`, 1, 12, "has no value"},
	}
	for _, c := range cases {
		_, _, err := telegram.ParseMarkup(telegram.ModeHTML, c.in)
		var me *telegram.MarkupError
		if !errors.As(err, &me) {
			t.Errorf("%q: want a MarkupError, got %v", c.in, err)
			continue
		}
		if me.Line != c.line || me.Column != c.col || !strings.Contains(me.Message, c.says) {
			t.Errorf("%q: got line %d column %d %q; want line %d column %d saying %q", c.in, me.Line, me.Column, me.Message, c.line, c.col, c.says)
		}
	}
}

func TestParseMarkdownV2(t *testing.T) {
	cases := []struct {
		in, plain string
		ents      []telegram.Entity
	}{
		{`Hello, world\!`, "Hello, world!", nil},
		{`*bold* _it_ __u__ ~s~ ||sp||`, "bold it u s sp", []telegram.Entity{
			{Type: "bold", Length: 4}, {Type: "italic", Offset: 5, Length: 2}, {Type: "underline", Offset: 8, Length: 1},
			{Type: "strikethrough", Offset: 10, Length: 1}, {Type: "spoiler", Offset: 12, Length: 2}}},
		{`*bold _italic bold_*`, "bold italic bold", []telegram.Entity{{Type: "bold", Length: 16}, {Type: "italic", Offset: 5, Length: 11}}},
		{`[site](https://example.com/a_(b\))`, "site", []telegram.Entity{{Type: "text_link", Length: 4, URL: "https://example.com/a_(b)"}}},
		{"`code *not bold*`", "code *not bold*", []telegram.Entity{{Type: "code", Length: 15}}},
		{"```go\nfmt.Println(\"x\")\n```", "fmt.Println(\"x\")\n", []telegram.Entity{{Type: "pre", Length: 17, Language: "go"}}},
		{">quoted\n>lines\nafter", "quoted\nlines\nafter", []telegram.Entity{{Type: "blockquote", Length: 12}}},
		{"**>hidden\n>more||", "hidden\nmore", []telegram.Entity{{Type: "expandable_blockquote", Length: 11}}},
		{`price 5\.00 \- \#1 \(yes\)`, "price 5.00 - #1 (yes)", nil},
		{`😀*x*`, "😀x", []telegram.Entity{{Type: "bold", Offset: 2, Length: 1}}},
	}
	for _, c := range cases {
		plain, ents, err := telegram.ParseMarkup(telegram.ModeMarkdownV2, c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if plain != c.plain || !sameEntities(ents, c.ents) {
			t.Errorf("%q:\n got %q %+v\nwant %q %+v", c.in, plain, ents, c.plain, c.ents)
		}
	}
}

func TestMarkdownV2ErrorsSayWhatAndWhere(t *testing.T) {
	cases := []struct {
		in        string
		line, col int
		says      string
	}{
		{"Hello, world!", 1, 13, `"!" must be escaped`},
		{"Total: 5.00", 1, 9, `"." must be escaped as "\.`},
		{"ok\n*bold", 2, 1, "bold (*) opened here is never closed"},
		{"[link](https://x.io", 1, 7, "never closed"},
		{"a | b", 1, 3, `"|" must be escaped`},
		{"```\ncode ` inside\n```", 2, 6, "inside a code block"},
		{"[x](ftp://x.io)", 1, 1, "not a valid"},
		{"**>quote without end", 1, 1, "must end with"},
	}
	for _, c := range cases {
		_, _, err := telegram.ParseMarkup(telegram.ModeMarkdownV2, c.in)
		var me *telegram.MarkupError
		if !errors.As(err, &me) {
			t.Errorf("%q: want a MarkupError, got %v", c.in, err)
			continue
		}
		if me.Line != c.line || me.Column != c.col || !strings.Contains(me.Message, c.says) {
			t.Errorf("%q: got line %d column %d %q; want line %d column %d saying %q", c.in, me.Line, me.Column, me.Message, c.line, c.col, c.says)
		}
	}
}

func TestValidateTextLength(t *testing.T) {
	if _, _, err := telegram.ValidateText("", strings.Repeat("я", telegram.MaxMessageLength)); err != nil {
		t.Fatalf("4096 characters (8192 bytes) are allowed: %v", err)
	}
	// The limit counts characters after entities parsing: markup is free.
	long := "<b>" + strings.Repeat("x", telegram.MaxMessageLength) + "</b>"
	if _, _, err := telegram.ValidateText(telegram.ModeHTML, long); err != nil {
		t.Fatalf("markup does not count: %v", err)
	}
	var te *telegram.TextError
	_, _, err := telegram.ValidateText(telegram.ModeHTML, "<b>"+strings.Repeat("x", 4097)+"</b>")
	if !errors.As(err, &te) || te.Length != 4097 || !strings.Contains(te.Message, "4,097 characters long without its formatting") {
		t.Fatalf("too long: %v", err)
	}
	for _, empty := range []string{"", "   \n", "<b> </b>"} {
		mode := ""
		if strings.Contains(empty, "<") {
			mode = telegram.ModeHTML
		}
		if _, _, err := telegram.ValidateText(mode, empty); !errors.As(err, &te) || !strings.Contains(te.Message, "empty") {
			t.Errorf("%q: want empty, got %v", empty, err)
		}
	}
}

// TestMarkupAgreesWithTheFakeBotAPI sends every case through the fake Bot
// API, whose parser models Telegram's rules independently: whatever
// ParseMarkup accepts, sendMessage accepts, with the same plain text; what
// it refuses, sendMessage refuses too.
func TestMarkupAgreesWithTheFakeBotAPI(t *testing.T) {
	f := newFixture(t)
	chat := int64(777)
	cases := []struct{ mode, text string }{
		{"HTML", "<b>bold</b> and <i>italic</i> &amp; <a href=\"https://example.com\">link</a>"},
		{"HTML", "<pre><code class=\"language-go\">x</code></pre> <tg-spoiler>s</tg-spoiler> <blockquote>q</blockquote>"},
		{"HTML", "😀 <u>under</u> <s>strike</s> &lt;3"},
		{"HTML", "<b>never closed"},
		{"HTML", "<div>nope</div>"},
		{"HTML", "<b><i>x</b></i>"},
		{"HTML", "<span>no class</span>"},
		{"MarkdownV2", `*bold* _italic_ __under__ ~strike~ ||spoiler|| [link](https://example.com)`},
		{"MarkdownV2", "`code` and\n```go\nblock\n```"},
		{"MarkdownV2", `escaped \. \! \- \( \)`},
		{"MarkdownV2", "Hello, world!"},
		{"MarkdownV2", "*unclosed"},
		{"MarkdownV2", "1. item"},
	}
	for _, c := range cases {
		plain, _, ourErr := telegram.ParseMarkup(c.mode, c.text)
		msg, theirErr := f.client.SendMessage(f.ctx, f.bot.Token, chat, c.text, telegram.SendOptions{ParseMode: c.mode})
		if (ourErr == nil) != (theirErr == nil) {
			t.Errorf("%s %q: ours %v, the fake Bot API's %v", c.mode, c.text, ourErr, theirErr)
			continue
		}
		if theirErr != nil {
			if !errors.Is(theirErr, telegram.ErrBadRequest) || !strings.Contains(theirErr.Error(), "can't parse entities") {
				t.Errorf("%s %q: unexpected refusal %v", c.mode, c.text, theirErr)
			}
			continue
		}
		if msg.Text != plain {
			t.Errorf("%s %q: plain text %q, the fake Bot API's %q", c.mode, c.text, plain, msg.Text)
		}
	}
	if n := len(f.srv.SentMessagesTo(f.bot.Token, chat)); n == 0 {
		t.Fatal("nothing was sent")
	}
	_ = telegramtest.SentMessage{}
}

func TestRenderPreviewIsSafeAndNested(t *testing.T) {
	cls := telegram.PreviewClasses{Spoiler: "sp", Code: "cd", Pre: "pr", Link: "ln", Mention: "mn", Blockquote: "bq"}
	plain, ents, err := telegram.ParseMarkup(telegram.ModeHTML,
		`<b>Sale &lt;script&gt;alert(1)&lt;/script&gt; <i>now</i></b> <a href="https://x.io/?a=&quot;b">go</a> <a href="tg://resolve?domain=x">tg</a> <tg-spoiler>s</tg-spoiler>`)
	if err != nil {
		t.Fatal(err)
	}
	got := telegram.RenderPreview(plain, ents, cls)
	want := `<strong>Sale &lt;script&gt;alert(1)&lt;/script&gt; <em>now</em></strong> <a href="https://x.io/?a=&#34;b" class="ln" rel="nofollow noopener noreferrer" target="_blank">go</a> <span class="ln">tg</span> <span class="sp">s</span>`
	if got != want {
		t.Fatalf("preview:\n got %s\nwant %s", got, want)
	}
	// Overlapping entities (not produced by the parser, but possible in
	// principle) still come out well nested.
	over := telegram.RenderPreview("abcd", []telegram.Entity{{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 1, Length: 3}}, cls)
	if over != "<strong>a<em>bc</em></strong><em>d</em>" {
		t.Fatalf("overlap: %s", over)
	}
}

// FuzzMarkup: the parsers never panic, entities stay inside the text, and
// the preview of anything accepted is well-formed HTML made only of the
// allowed elements, with no attribute that could run script.
func FuzzMarkup(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "*a* _b_ [l](https://x.io)", "<a href=\"https://x\">y</a>", "```\nx\n```", ">q\n>r", "&#128512;<i>😀</i>", "\\*", "<pre><code class=\"language-x\">y</code></pre>"} {
		f.Add("HTML", s)
		f.Add("MarkdownV2", s)
	}
	allowed := map[string]bool{"strong": true, "em": true, "u": true, "s": true, "span": true, "code": true, "pre": true, "blockquote": true, "a": true}
	f.Fuzz(func(t *testing.T, mode, text string) {
		if mode != "HTML" && mode != "MarkdownV2" {
			mode = ""
		}
		plain, ents, err := telegram.ParseMarkup(mode, text)
		if err != nil {
			return
		}
		n := 0
		for _, r := range plain {
			n++
			if r >= 0x10000 {
				n++
			}
		}
		for _, e := range ents {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
				t.Fatalf("entity %+v outside the text of %d UTF-16 units", e, n)
			}
		}
		out := telegram.RenderPreview(plain, ents, telegram.PreviewClasses{Spoiler: "s"})
		z := html.NewTokenizer(strings.NewReader(out))
		depth := 0
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch tt {
			case html.StartTagToken:
				depth++
				if !allowed[tok.Data] {
					t.Fatalf("element <%s> in %s", tok.Data, out)
				}
				for _, a := range tok.Attr {
					if a.Key != "class" && a.Key != "href" && a.Key != "rel" && a.Key != "target" {
						t.Fatalf("attribute %s in %s", a.Key, out)
					}
					if a.Key == "href" && !strings.HasPrefix(a.Val, "http://") && !strings.HasPrefix(a.Val, "https://") {
						t.Fatalf("href %q in %s", a.Val, out)
					}
				}
			case html.EndTagToken:
				depth--
			}
		}
		if depth != 0 {
			t.Fatalf("unbalanced preview %s", out)
		}
	})
}

func sameEntities(got, want []telegram.Entity) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if w.Type == "text_mention" {
			g.URL = w.URL
		}
		if g != w {
			return false
		}
	}
	return true
}
