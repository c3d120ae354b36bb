package replies

import (
	"fmt"
	"strings"
	"testing"
)

// benchReplies is a large bot: 500 replies — 100 commands, 399 keyword
// replies with 3 keywords each (words and phrases in Latin, Cyrillic and
// Chinese), and a fallback.
func benchReplies() []Reply {
	var rs []Reply
	for i := range 100 {
		r := cmdReply(fmt.Sprintf("cmd%d", i), fmt.Sprintf("command%d", i), "Hi <b>{first_name}</b>")
		r.Mode = ModeHTML
		rs = append(rs, r)
	}
	for i := range 399 {
		kws := []string{fmt.Sprintf("product%d", i), fmt.Sprintf("how much is model %d", i), fmt.Sprintf("товар%d", i)}
		if i%10 == 0 {
			kws[2] = fmt.Sprintf("价格%d号", i)
		}
		rs = append(rs, kwReply(fmt.Sprintf("kw%d", i), "Answer {prop.plan}", kws...))
	}
	return append(rs, fallbackReply("fb", "Sorry, {first_name}?"))
}

// BenchmarkMatch matches messages against the 500 replies of benchReplies;
// the "small_" variants use 10 of them (5 commands, the 4 keyword replies
// the messages are about, the fallback): the same-run baseline that shows
// the cost does not grow with the number of replies.
func BenchmarkMatch(b *testing.B) {
	all := benchReplies()
	small := append(append(append([]Reply(nil), all[:5]...), all[100+395:100+399]...), all[len(all)-1])
	sets := map[string]*Set{"": NewSet(all, "bench_bot"), "small_": NewSet(small, "bench_bot")}
	filler := strings.Repeat("hello there I would like to know something about your shop ", 3)
	cases := []struct {
		name string
		in   Input
		want By
	}{
		{"command", Input{Text: "/command42 some args"}, ByCommand},
		{"button", Input{Callback: true, CallbackData: CallbackData("kw200")}, ByButton},
		{"keyword_ascii", Input{Text: filler + "tell me about Product398"}, ByKeyword},
		{"phrase_ascii", Input{Text: filler + "how much is model 398?"}, ByKeyword},
		{"keyword_cyrillic", Input{Text: "Здравствуйте! Сколько стоит ТОВАР398, подскажите пожалуйста"}, ByKeyword},
		{"keyword_chinese", Input{Text: "你好，请问价格390号是多少？"}, ByKeyword},
		{"fallback_ascii", Input{Text: filler}, ByFallback},
		{"fallback_accented", Input{Text: "Crème brûlée, s'il vous plaît — où est la boulangerie? Ich möchte Straße"}, ByFallback},
	}
	for _, prefix := range []string{"", "small_"} {
		s := sets[prefix]
		for _, c := range cases {
			if prefix != "" && (c.name == "command" || c.name == "button" || c.name == "keyword_chinese") {
				continue
			}
			b.Run(prefix+c.name, func(b *testing.B) {
				if got := s.Match(c.in, nil).By; got != c.want {
					b.Fatalf("matched by %s, want %s", got, c.want)
				}
				b.ReportAllocs()
				for b.Loop() {
					s.Match(c.in, nil)
				}
			})
		}
	}
}

func BenchmarkNewSet(b *testing.B) {
	rs := benchReplies()
	b.ReportAllocs()
	for b.Loop() {
		NewSet(rs, "bench_bot")
	}
}

func BenchmarkRender(b *testing.B) {
	r := Reply{
		ID: "r", Mode: ModeHTML, Photo: "upl_1",
		Text: "Hello, <b>{first_name}</b>! Your plan is {prop.plan}. Share t.me/{bot_username}?start={source}",
		Buttons: [][]Button{
			{{Text: "Site", URL: "https://example.com"}, {Text: "Prices", Reply: "prices"}},
			{{Text: "Help", Reply: "help"}},
		},
		Actions: []Action{{Tag: TagAdd, Name: "started"}},
	}
	v := Vars{FirstName: "Ann <&>", Username: "ann", Source: "ads", BotUsername: "bench_bot", Props: map[string]any{"plan": "pro"}}
	b.ReportAllocs()
	for b.Loop() {
		Render(&r, v)
	}
}

func BenchmarkRespond(b *testing.B) {
	s := NewSet(benchReplies(), "bench_bot")
	v := Vars{FirstName: "Ann", BotUsername: "bench_bot"}
	in := Input{Text: "/command0 ref"}
	b.ReportAllocs()
	for b.Loop() {
		s.Respond(in, v, nil)
	}
}

func BenchmarkValidate(b *testing.B) {
	rs := benchReplies()
	r := rs[0]
	r.Buttons = [][]Button{{{Text: "Next", Reply: "kw5"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(r, rs); err != nil {
			b.Fatal(err)
		}
	}
}
