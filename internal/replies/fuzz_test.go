package replies

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/telegram"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Crème Brûlée", "İSTANBUL ıi", "Straße", "ὈΔΥΣΣΕΎΣ", "السَّلَامُ", "请问价格是多少", "ｶﾞｯｺｳ", "ﬁ ǅ Ⅻ ﷺ",
		"price价格123", "\xff\xfe", "a\u0301\u0301\u0301", "\u0345\u0399", "", "   ", "ᾈ", "ΐ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("normalize(%q) = %q is not valid UTF-8", s, n)
		}
		words := tokens(nil, n)
		for _, w := range words {
			if w == "" || !strings.Contains(n, w) {
				t.Fatalf("tokens(%q) has %q", n, words)
			}
		}
		kw := NormalizeKeyword(s)
		if again := NormalizeKeyword(kw); again != kw {
			t.Fatalf("NormalizeKeyword is not stable on %q: %q then %q", s, kw, again)
		}
		// A keyword matches a message that is the keyword itself.
		if kw != "" {
			set := NewSet([]Reply{kwReply("k", "x", s)}, "bot")
			if res := set.Match(Input{Text: s}, nil); matchedID(res) != "k" && !strings.HasPrefix(s, "/") {
				t.Fatalf("keyword %q (%q) does not match itself", s, kw)
			}
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("/start ref", "", false, "")
	f.Add("/help@DemoBot x", "", true, "")
	f.Add("HOW much", "", false, "")
	f.Add("", "r:menu", false, "ask")
	f.Add("a@b.io", "", false, "ask")
	f.Add("/", "r:", true, "gone")
	ask := askReply("ask", "Email?", AskEmail, "email", "menu")
	base := demoSet().Replies()
	set := NewSet(append(append([]Reply(nil), base...), ask), "DemoBot")
	f.Fuzz(func(t *testing.T, text, data string, group bool, awaiting string) {
		in := Input{Text: text, Group: group, Awaiting: awaiting, Callback: data != "", CallbackID: "q", CallbackData: data}
		p := set.Respond(in, Vars{FirstName: text, Args: data}, func(in Input) bool { return strings.Contains(in.Text, "code") })
		if r := p.Reply; r != nil {
			if !r.Enabled || (group && !r.Groups) {
				t.Fatalf("%+v answered with %s (enabled %v, groups %v)", in, r.ID, r.Enabled, r.Groups)
			}
			if len(p.Messages) != 1 {
				t.Fatalf("a reply rendered %d messages", len(p.Messages))
			}
		}
		if p.AnswerCallback != nil && !in.Callback {
			t.Fatalf("answered a callback that is not one: %+v", in)
		}
		if in.Callback && p.By != ByCode && p.AnswerCallback == nil {
			t.Fatalf("a button press left unanswered: %+v", p.Result)
		}
		if p.Awaiting != "" {
			if r, ok := set.Reply(p.Awaiting); !ok || r.Ask == nil {
				t.Fatalf("awaiting %q, which asks nothing", p.Awaiting)
			}
		}
		for _, m := range p.Messages {
			if _, _, err := telegram.ParseMarkup(string(m.ParseMode), m.Text); err != nil {
				t.Fatalf("rendered markup Telegram refuses: %q: %v", m.Text, err)
			}
		}
	})
}

// FuzzRender checks that a text Validate accepts renders into markup
// Telegram accepts, whatever the placeholders' values.
func FuzzRender(f *testing.F) {
	f.Add("Hi <b>{first_name}</b>!", uint8(1), "<Ann & Co>")
	f.Add("*Hi* {first_name}\\! [link](https://x.y/{args}) `{args}`", uint8(2), "a_b*c)d\\")
	f.Add("<a href=\"https://t.me/{bot_username}?start={source}\">go</a> <code>{prop.x}</code>", uint8(1), "\"'><")
	f.Add("```\n{args}\n```", uint8(2), "```")
	f.Add("{{x}} {last_name}", uint8(0), "}")
	f.Fuzz(func(t *testing.T, text string, mode uint8, value string) {
		m := []ParseMode{ModePlain, ModeHTML, ModeMarkdownV2}[mode%3]
		r := Reply{Trigger: Trigger{Kind: TriggerFallback}, Text: text, Mode: m, Enabled: true}
		if _, err := Validate(r, nil); err != nil {
			return
		}
		v := Vars{FirstName: value, LastName: value, Username: value, Args: value, Source: value, BotUsername: value,
			Props: map[string]any{"x": value}}
		msgs, _, _ := Render(&r, v)
		if _, _, err := telegram.ParseMarkup(string(m), msgs[0].Text); err != nil {
			t.Fatalf("%s template %q with value %q rendered %q, which Telegram refuses: %v", m, text, value, msgs[0].Text, err)
		}
	})
}

func FuzzAnswers(f *testing.F) {
	for _, s := range []string{"1 234,5", "-.5", "+44 (20) 7946-0958", "a@b.co", "١٬٢٣٤٫٥", "0044 1", "((", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := ParseNumber(s); ok && n != n {
			t.Fatalf("ParseNumber(%q) = NaN", s)
		}
		if p, ok := NormalizePhone(s); ok {
			if again, ok2 := NormalizePhone(p); !ok2 || again != p {
				t.Fatalf("NormalizePhone(%q) = %q, which normalizes to %q %v", s, p, again, ok2)
			}
		}
		if e, ok := NormalizeEmail(s); ok {
			if again, ok2 := NormalizeEmail(e); !ok2 || again != e {
				t.Fatalf("NormalizeEmail(%q) = %q, which normalizes to %q %v", s, e, again, ok2)
			}
		}
	})
}
