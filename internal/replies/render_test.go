package replies

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/telegram"
)

// hostile is a person whose name and answers are full of markup.
var hostile = Vars{
	FirstName:   `<b>Ann</b> & "Co" *_[x](y)~` + "`" + `>#+-=|{}.!\`,
	LastName:    "O'Neil",
	Username:    "ann_lee",
	Source:      "ads-1",
	BotUsername: "shop_bot",
	Props:       map[string]any{"age": 42.0, "vip": true, "note": "<i>1.5</i>", "none": nil},
}

func TestRenderPlaceholders(t *testing.T) {
	cases := []struct {
		mode ParseMode
		text string
		want string
	}{
		{ModePlain, "Hi {first_name}!", `Hi <b>Ann</b> & "Co" *_[x](y)~` + "`" + `>#+-=|{}.!\!`},
		{ModeHTML, "<b>Hi</b> {first_name}", `<b>Hi</b> &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot; *_[x](y)~` + "`" + `&gt;#+-=|{}.!\`},
		{ModeMarkdownV2, "*Hi* {first_name}", `*Hi* <b\>Ann</b\> & "Co" \*\_\[x\]\(y\)\~\` + "`" + `\>\#\+\-\=\|\{\}\.\!\\`},
		{ModePlain, "{last_name} {username} {source} @{bot_username}", "O'Neil @ann_lee ads-1 @shop_bot"},
		{ModePlain, "{prop.age} {prop.vip} {prop.none}|{prop.missing}|", "42 true ||"},
		{ModeHTML, "{prop.note}", "&lt;i&gt;1.5&lt;/i&gt;"},
		{ModeMarkdownV2, "{prop.note}", `<i\>1\.5</i\>`},
		{ModePlain, "{{first_name}} }} {", "{first_name} } {"},
		{ModeMarkdownV2, `\{first\_name\} {args}`, `\{first\_name\} `},
		{ModePlain, "{unknown} stays", "{unknown} stays"}, // rendering never fails
		// In a link address a value is URL-escaped as well.
		{ModeHTML, `<a href="https://t.me/{bot_username}?start={source}&amp;q={last_name}">{last_name}</a>`,
			`<a href="https://t.me/shop_bot?start=ads-1&amp;q=O%27Neil">O'Neil</a>`},
		{ModeHTML, `<a href='https://x.y/?q={first_name}'>x</a>`,
			`<a href='https://x.y/?q=%3Cb%3EAnn%3C%2Fb%3E+%26+%22Co%22+%2A_%5Bx%5D%28y%29~%60%3E%23%2B-%3D%7C%7B%7D.%21%5C'>x</a>`},
		{ModeMarkdownV2, `[{first_name}](https://x.y/?q={first_name})`,
			`[<b\>Ann</b\> & "Co" \*\_\[x\]\(y\)\~\` + "`" + `\>\#\+\-\=\|\{\}\.\!\\](https://x.y/?q=%3Cb%3EAnn%3C%2Fb%3E\+%26\+%22Co%22\+%2A\_%5Bx%5D%28y%29\~%60%3E%23%2B\-%3D%7C%7B%7D\.%21%5C)`},
	}
	for _, c := range cases {
		r := Reply{ID: "r", Text: c.text, Mode: c.mode}
		msgs, _, _ := Render(&r, hostile)
		if len(msgs) != 1 || msgs[0].Text != c.want {
			t.Errorf("%s %q:\n got %q\nwant %q", c.mode, c.text, msgs[0].Text, c.want)
			continue
		}
		if msgs[0].ParseMode != c.mode {
			t.Errorf("parse mode %q", msgs[0].ParseMode)
		}
		if c.mode != ModePlain {
			if _, _, err := telegram.ParseMarkup(string(c.mode), msgs[0].Text); err != nil {
				t.Errorf("%s %q renders markup Telegram refuses: %v", c.mode, c.text, err)
			}
		}
	}
}

func TestRenderUsernameFallsBackToFirstName(t *testing.T) {
	r := Reply{Text: "{username}"}
	msgs, _, _ := Render(&r, Vars{FirstName: "Ann"})
	if msgs[0].Text != "Ann" {
		t.Errorf("got %q", msgs[0].Text)
	}
}

func TestRenderCapsLongValues(t *testing.T) {
	long := make([]rune, 5000)
	for i := range long {
		long[i] = 'я'
	}
	r := Reply{Text: "{args}"}
	msgs, _, _ := Render(&r, Vars{Args: string(long)})
	if n := len([]rune(msgs[0].Text)); n != MaxValueLength {
		t.Errorf("a long value became %d characters, want %d", n, MaxValueLength)
	}
}

func TestRenderMarkup(t *testing.T) {
	r := Reply{
		ID: "r1", Text: "Pick", Photo: "upl_1",
		Buttons: [][]Button{
			{{Text: "Site", URL: "https://example.com"}, {Text: "More", Reply: "r2"}},
			{{Text: "App", URL: "tg://resolve?domain=x"}},
		},
		Actions: []Action{
			{Tag: TagAdd, Name: "lead"},
			{Set: "last_seen_as", Value: json.RawMessage(`"{first_name} ({source})"`)},
			{Set: "score", Value: json.RawMessage(`10`)},
			{Set: "old", Value: json.RawMessage(`null`)},
		},
		Ask: &Ask{Property: "email", Kind: AskEmail},
	}
	msgs, actions, ask := Render(&r, Vars{FirstName: "Ann", Source: "ads"})
	m := msgs[0]
	if m.Photo != "upl_1" || m.Text != "Pick" || m.Keyboard != nil || m.RemoveKeyboard != nil {
		t.Errorf("message %+v", m)
	}
	want := &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{
		{{Text: "Site", URL: "https://example.com"}, {Text: "More", CallbackData: "r:r2"}},
		{{Text: "App", URL: "tg://resolve?domain=x"}},
	}}
	if !reflect.DeepEqual(m.InlineKeyboard, want) {
		t.Errorf("inline keyboard %+v", m.InlineKeyboard)
	}
	if m.ReplyMarkup() != telego.ReplyMarkup(m.InlineKeyboard) {
		t.Errorf("ReplyMarkup is not the inline keyboard")
	}
	wantActions := []Action{
		{Tag: TagAdd, Name: "lead"},
		{Set: "last_seen_as", Value: json.RawMessage(`"Ann (ads)"`)},
		{Set: "score", Value: json.RawMessage(`10`)},
		{Set: "old", Value: json.RawMessage(`null`)},
	}
	if !reflect.DeepEqual(actions, wantActions) {
		t.Errorf("actions %s", mustJSON(t, actions))
	}
	if actions[2].Decoded() != 10.0 || actions[3].Decoded() != nil {
		t.Errorf("decoded values %v %v", actions[2].Decoded(), actions[3].Decoded())
	}
	if ask != (AskState{Reply: "r1", Property: "email", Kind: AskEmail}) {
		t.Errorf("ask %+v", ask)
	}
	if r.Actions[1].Value == nil || string(r.Actions[1].Value) != `"{first_name} ({source})"` {
		t.Errorf("Render changed the reply: %s", r.Actions[1].Value)
	}
}

func TestRenderKeyboards(t *testing.T) {
	r := Reply{Text: "Choose", Keyboard: KeyboardRows([]string{"Yes", "No"}, []string{"Later"})}
	msgs, _, ask := Render(&r, Vars{})
	want := &telego.ReplyKeyboardMarkup{ResizeKeyboard: true, Keyboard: [][]telego.KeyboardButton{{{Text: "Yes"}, {Text: "No"}}, {{Text: "Later"}}}}
	if !reflect.DeepEqual(msgs[0].Keyboard, want) || msgs[0].InlineKeyboard != nil || ask != (AskState{}) {
		t.Errorf("keyboard %+v", msgs[0])
	}
	r.Keyboard = KeyboardRemove()
	msgs, _, _ = Render(&r, Vars{})
	if msgs[0].RemoveKeyboard == nil || !msgs[0].RemoveKeyboard.RemoveKeyboard || msgs[0].Keyboard != nil {
		t.Errorf("remove %+v", msgs[0])
	}
	r.Keyboard = nil
	msgs, _, _ = Render(&r, Vars{})
	if msgs[0].ReplyMarkup() != nil {
		t.Errorf("no markup expected, got %#v", msgs[0].ReplyMarkup())
	}
}

func TestMessageJSONRoundTrip(t *testing.T) {
	r := Reply{Text: "<b>x</b>", Mode: ModeHTML, Document: "upl_2", Buttons: [][]Button{{{Text: "Go", Reply: "r2"}}}}
	msgs, _, _ := Render(&r, Vars{})
	var back Message
	if err := json.Unmarshal(mustJSON(t, msgs[0]), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, msgs[0]) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, msgs[0])
	}
	params := back.SendDocumentParams(42, telego.InputFile{FileID: "f"})
	if params.ChatID.ID != 42 || params.Caption != "<b>x</b>" || params.ParseMode != "HTML" || params.ReplyMarkup == nil {
		t.Errorf("sendDocument params %+v", params)
	}
	if opts := back.SendOptions(); opts.ParseMode != "HTML" || opts.ReplyMarkup == nil {
		t.Errorf("send options %+v", opts)
	}
}

func TestTryOutput(t *testing.T) {
	s := NewSet([]Reply{
		{ID: "start", Trigger: Trigger{Kind: TriggerCommand, Command: "start"}, Text: "Hi <b>{first_name}</b>", Mode: ModeHTML, Photo: "upl_1",
			Buttons: [][]Button{{{Text: "Site", URL: "https://example.com"}, {Text: "Menu", Reply: "menu"}}}, Enabled: true,
			Actions: []Action{{Tag: TagAdd, Name: "started"}}},
		{ID: "menu", Trigger: Trigger{Kind: TriggerButton}, Text: "Menu", Keyboard: KeyboardRows([]string{"A", "B"}), Enabled: true,
			Ask: &Ask{Property: "choice", Kind: AskText}},
	}, "bot")
	url := func(id string) string { return "/uploads/" + id }
	got := mustJSON(t, Try(s.Respond(Input{Text: "/start"}, Vars{FirstName: "Ann"}, nil), url))
	want := `{"matched":"start","by":"command","messages":[{"text":"Hi <b>Ann</b>","parseMode":"HTML","photoUrl":"/uploads/upl_1","documentUrl":null,` +
		`"buttons":[[{"text":"Site","url":"https://example.com"},{"text":"Menu","reply":"menu","callbackData":"r:menu"}]],"keyboard":null}],` +
		`"actions":[{"tag":"add","name":"started"}],"answerCallback":false,"awaiting":null}`
	if string(got) != want {
		t.Errorf("try /start:\n got %s\nwant %s", got, want)
	}
	got = mustJSON(t, Try(s.Respond(Input{Callback: true, CallbackID: "q", CallbackData: "r:menu"}, Vars{}, nil), url))
	want = `{"matched":"menu","by":"button","messages":[{"text":"Menu","parseMode":null,"photoUrl":null,"documentUrl":null,"buttons":[],"keyboard":[["A","B"]]}],` +
		`"actions":[],"answerCallback":true,"awaiting":"menu"}`
	if string(got) != want {
		t.Errorf("try button:\n got %s\nwant %s", got, want)
	}
	got = mustJSON(t, Try(s.Respond(Input{Text: "hello"}, Vars{}, nil), url))
	want = `{"matched":null,"by":"nothing","messages":[],"actions":[],"answerCallback":false,"awaiting":null}`
	if string(got) != want {
		t.Errorf("try unmatched:\n got %s\nwant %s", got, want)
	}
	got = mustJSON(t, Try(s.Respond(Input{Text: "B", Awaiting: "menu"}, Vars{}, nil), url))
	want = `{"matched":"menu","by":"answer","messages":[],"actions":[{"set":"choice","value":"B"}],"answerCallback":false,"awaiting":null}`
	if string(got) != want {
		t.Errorf("try answer:\n got %s\nwant %s", got, want)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
