package replies

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestValidateNormalizes(t *testing.T) {
	set := []Reply{buttonReply("next", "Next")}
	in := Reply{
		ID:          "r1",
		Trigger:     Trigger{Kind: " Command ", Command: " /Start "},
		Text:        "Hi {first_name}",
		Mode:        "html",
		Description: "  Start  ",
		ShowInMenu:  true,
		Buttons:     [][]Button{{{Text: " Next ", Reply: " next "}}},
		Ask:         &Ask{Property: " Email ", Kind: "EMAIL", Then: "next"},
		Actions:     []Action{{Tag: "ADD", Name: " VIP "}, {Set: " Score ", Value: json.RawMessage(`1`)}},
		Enabled:     true,
	}
	got := mustValidate(t, in, set)
	want := Reply{
		ID:          "r1",
		Trigger:     Trigger{Kind: TriggerCommand, Command: "start"},
		Text:        "Hi {first_name}",
		Mode:        ModeHTML,
		Description: "Start",
		ShowInMenu:  true,
		Buttons:     [][]Button{{{Text: "Next", Reply: "next"}}},
		Ask:         &Ask{Property: "email", Kind: AskEmail, Then: "next"},
		Actions:     []Action{{Tag: TagAdd, Name: "vip"}, {Set: "score", Value: json.RawMessage(`1`)}},
		Enabled:     true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalized:\n got %+v\nwant %+v", got, want)
	}

	kw := mustValidate(t, kwReply("k", "x", " Price ", "PRICE", "prïce", "how  much", "How much?", "цена"), nil)
	if !reflect.DeepEqual(kw.Trigger.Keywords, []string{"Price", "how  much", "цена"}) {
		t.Errorf("keywords deduplicated after normalization: %q", kw.Trigger.Keywords)
	}
	empty := mustValidate(t, Reply{Trigger: Trigger{Kind: TriggerFallback}, Text: "x", Buttons: [][]Button{}, Actions: []Action{}, Keyboard: &Keyboard{}}, nil)
	if empty.Buttons != nil || empty.Actions != nil || empty.Keyboard != nil {
		t.Errorf("empty lists kept: %+v", empty)
	}
}

// fieldErrors validates r against set and returns the field errors (failing
// the test when the error is of another kind).
func fieldErrors(t *testing.T, r Reply, set []Reply) FieldErrors {
	t.Helper()
	_, err := Validate(r, set)
	if err == nil {
		return nil
	}
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("Validate: %v (%T), want an *InvalidError", err, err)
	}
	if !strings.Contains(err.Error(), "invalid reply") {
		t.Errorf("error text %q", err)
	}
	return ie.Fields
}

func TestValidateRules(t *testing.T) {
	existing := []Reply{
		cmdReply("start", "start", "hi"),
		buttonReply("menu", "Menu"),
		askReply("q1", "Q1?", AskText, "a1", "q2"),
		askReply("q2", "Q2?", AskText, "a2", ""),
	}
	many := func(n int, b Button) [][]Button {
		var rows [][]Button
		for i := 0; i < n; i += 8 {
			row := []Button{}
			for j := i; j < min(i+8, n); j++ {
				row = append(row, b)
			}
			rows = append(rows, row)
		}
		return rows
	}
	keys := func(n int) [][]string {
		var rows [][]string
		for i := 0; i < n; i += 12 {
			row := []string{}
			for j := i; j < min(i+12, n); j++ {
				row = append(row, "k")
			}
			rows = append(rows, row)
		}
		return rows
	}
	base := func() Reply { return cmdReply("new", "new", "Hello") }
	with := func(f func(r *Reply)) Reply { r := base(); f(&r); return r }
	long := func(n int) string { return strings.Repeat("a", n) }
	manyKeywords := make([]string, MaxKeywords+1)
	for i := range manyKeywords {
		manyKeywords[i] = fmt.Sprintf("word%d", i)
	}
	manyActions := make([]Action, MaxActions+1)
	for i := range manyActions {
		manyActions[i] = Action{Tag: TagAdd, Name: fmt.Sprintf("t%d", i)}
	}

	cases := []struct {
		name  string
		reply Reply
		field string // "" = valid
		says  string
	}{
		{"valid", base(), "", ""},
		// Trigger.
		{"no kind", with(func(r *Reply) { r.Trigger = Trigger{} }), "trigger.kind", "is required"},
		{"bad kind", with(func(r *Reply) { r.Trigger.Kind = "regex" }), "trigger.kind", "must be command, keyword, button or fallback"},
		{"no command", with(func(r *Reply) { r.Trigger.Command = "" }), "trigger.command", "is required"},
		{"command with a dash", with(func(r *Reply) { r.Trigger.Command = "my-cmd" }), "trigger.command", "a-z, 0-9 and _"},
		{"command too long", with(func(r *Reply) { r.Trigger.Command = long(33) }), "trigger.command", "1–32"},
		{"command of 32", with(func(r *Reply) { r.Trigger.Command = long(32) }), "", ""},
		{"only a slash", with(func(r *Reply) { r.Trigger.Command = "/" }), "trigger.command", "is required"},
		{"command with keywords", with(func(r *Reply) { r.Trigger.Keywords = []string{"x"} }), "trigger.keywords", "keyword replies only"},
		{"keyword without keywords", kwReply("k", "x"), "trigger.keywords", "at least one"},
		{"keyword of punctuation", kwReply("k", "x", "ok", "?!"), "trigger.keywords[1]", "no letters or digits"},
		{"keyword too long", kwReply("k", "x", long(101)), "trigger.keywords[0]", "longer than 100"},
		{"too many keywords", kwReply("k", "x", manyKeywords...), "trigger.keywords", "at most 50"},
		{"keyword reply with a command", with(func(r *Reply) { r.Trigger = Trigger{Kind: TriggerKeyword, Keywords: []string{"a"}, Command: "x"} }), "trigger.command", "command replies only"},
		{"button reply with keywords", with(func(r *Reply) { r.Trigger = Trigger{Kind: TriggerButton, Keywords: []string{"a"}} }), "trigger.keywords", "keyword replies only"},
		// Menu.
		{"menu without description", with(func(r *Reply) { r.ShowInMenu = true }), "description", "is required to show"},
		{"menu with description", with(func(r *Reply) { r.ShowInMenu, r.Description = true, "New things" }), "", ""},
		{"description too long", with(func(r *Reply) { r.ShowInMenu, r.Description = true, long(257) }), "description", "256"},
		{"description of 256", with(func(r *Reply) { r.ShowInMenu, r.Description = true, long(256) }), "", ""},
		{"keyword in the menu", with(func(r *Reply) {
			r.Trigger = Trigger{Kind: TriggerKeyword, Keywords: []string{"a"}}
			r.ShowInMenu, r.Description = true, "x"
		}), "showInMenu", "command replies only"},
		// Text.
		{"no text", with(func(r *Reply) { r.Text = " \n " }), "text", "is required"},
		{"photo without text", with(func(r *Reply) { r.Text, r.Photo = "", "upl_1" }), "", ""},
		{"text of 4096", with(func(r *Reply) { r.Text = long(4096) }), "", ""},
		{"text of 4097", with(func(r *Reply) { r.Text = long(4097) }), "text", "4,097 characters long; Telegram allows at most 4,096"},
		{"formatting does not count", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, "<b>"+long(4096)+"</b>" }), "", ""},
		{"caption of 1025", with(func(r *Reply) { r.Text, r.Photo = long(1025), "upl_1" }), "text", "at most 1,024 in a caption"},
		{"caption of 1024", with(func(r *Reply) { r.Text, r.Document = long(1024), "upl_1" }), "", ""},
		{"huge text", with(func(r *Reply) { r.Text = long(MaxTextBytes + 1) }), "text", "far longer"},
		{"invalid HTML", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, "Hi {first_name},\nsee <b>this" }), "text",
			"has invalid HTML at line 2, column 5: <b> is never closed"},
		{"HTML error after a doubled brace", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, "{{x}} <div>" }), "text",
			"has invalid HTML at line 1, column 7: <div> is not supported"},
		{"empty HTML", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, "<b> </b>" }), "text", "is empty once the HTML formatting is removed"},
		{"invalid MarkdownV2", with(func(r *Reply) { r.Mode, r.Text = ModeMarkdownV2, "Hi {first_name}. *bold" }), "text",
			"has invalid MarkdownV2 at line 1, column 16: \".\" must be escaped"},
		{"placeholders in MarkdownV2", with(func(r *Reply) { r.Mode, r.Text = ModeMarkdownV2, "*Hi* {first_name}\\! \\{literal\\}" }), "", ""},
		{"placeholders in an HTML link", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, `<a href="https://t.me/{bot_username}?start={args}">x</a>` }), "", ""},
		{"placeholder in an unquoted attribute", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, "see <code class={args}>this</code>" }), "text",
			"has a placeholder where a value with spaces or symbols would break the HTML, at line 1, column 17: use placeholders in the text"},
		{"placeholder as a link's host", with(func(r *Reply) { r.Mode, r.Text = ModeHTML, `<a href="https://{first_name}/">x</a>` }), "text",
			"would break the HTML, at line 1, column 1: use placeholders"},
		{"placeholder as a whole link", with(func(r *Reply) { r.Mode, r.Text = ModeMarkdownV2, `see [here]({args})` }), "text",
			`has invalid MarkdownV2 at line 1, column 5: the link address "{args}" is not a valid http(s) or tg:// URL`},
		{"unknown placeholder", with(func(r *Reply) { r.Text = "Hi {frist_name}" }), "text", "line 1, column 4: {frist_name} is not a placeholder"},
		{"bad property placeholder", with(func(r *Reply) { r.Text = "{prop.Bad-Name}" }), "text", "names no valid property"},
		{"lone brace", with(func(r *Reply) { r.Text = "a { b" }), "text", "write {{ for a literal brace"},
		{"doubled braces", with(func(r *Reply) { r.Text = "{{not a placeholder}} and }" }), "", ""},
		{"only an optional placeholder", with(func(r *Reply) { r.Text = " {args} " }), "text", "is empty when its placeholders are"},
		{"only the first name", with(func(r *Reply) { r.Text = "{first_name}" }), "", ""},
		{"legacy Markdown", with(func(r *Reply) { r.Mode = "Markdown" }), "parseMode", "HTML, MarkdownV2 or null"},
		// Media.
		{"photo and document", with(func(r *Reply) { r.Photo, r.Document = "upl_1", "upl_2" }), "document", "one attachment"},
		{"not an upload id", with(func(r *Reply) { r.Photo = long(65) }), "photo", "not an upload id"},
		// Inline buttons.
		{"url button", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "Site", URL: "https://example.com/x?y=1"}}} }), "", ""},
		{"tg button", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "Chat", URL: "tg://resolve?domain=durov"}}} }), "", ""},
		{"reply button", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "Menu", Reply: "menu"}}} }), "", ""},
		{"button to itself", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "Again", Reply: "new"}}} }), "", ""},
		{"url and reply", with(func(r *Reply) {
			r.Buttons = [][]Button{{{Text: "x", URL: "https://a.b"}, {Text: "y", URL: "https://a.b", Reply: "menu"}}}
		}),
			"buttons[0][1]", "not both"},
		{"neither url nor reply", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x"}}} }), "buttons[0][0]", "needs a url"},
		{"javascript url", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", URL: "javascript:alert(1)"}}} }), "buttons[0][0].url", "http, https or tg"},
		{"ftp url", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", URL: "ftp://a.b/c"}}} }), "buttons[0][0].url", "http, https or tg"},
		{"relative url", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", URL: "example.com"}}} }), "buttons[0][0].url", "must start with https://"},
		{"url without host", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", URL: "https:///path"}}} }), "buttons[0][0].url", "no host"},
		{"unknown reply", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", Reply: "menu"}}, {{Text: "y", Reply: "gone"}}} }),
			"buttons[1][0].reply", "names no reply"},
		{"reply id too long", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", Reply: long(63)}}} }), "buttons[0][0].reply", "too long"},
		{"button without text", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: " ", Reply: "menu"}}} }), "buttons[0][0].text", "is required"},
		{"button text too long", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: long(65), Reply: "menu"}}} }), "buttons[0][0].text", "longer than 64"},
		{"empty row", with(func(r *Reply) { r.Buttons = [][]Button{{{Text: "x", Reply: "menu"}}, {}} }), "buttons[1]", "empty row"},
		{"nine in a row", with(func(r *Reply) {
			r.Buttons = [][]Button{make([]Button, 9)}
			for i := range r.Buttons[0] {
				r.Buttons[0][i] = Button{Text: "x", Reply: "menu"}
			}
		}), "buttons[0]", "at most 8 in a row"},
		{"100 buttons", with(func(r *Reply) { r.Buttons = many(100, Button{Text: "x", Reply: "menu"}) }), "", ""},
		{"101 buttons", with(func(r *Reply) { r.Buttons = many(101, Button{Text: "x", Reply: "menu"}) }), "buttons", "101 buttons; Telegram allows at most 100"},
		// Reply keyboard.
		{"keyboard", with(func(r *Reply) { r.Keyboard = KeyboardRows([]string{"Yes", "No"}) }), "", ""},
		{"remove keyboard", with(func(r *Reply) { r.Keyboard = KeyboardRemove() }), "", ""},
		{"keyboard and buttons", with(func(r *Reply) {
			r.Keyboard = KeyboardRows([]string{"Yes"})
			r.Buttons = [][]Button{{{Text: "x", Reply: "menu"}}}
		}), "keyboard", "one keyboard to a message"},
		{"keyboard of another string", with(func(r *Reply) { s := "hide"; r.Keyboard = &Keyboard{other: &s} }), "keyboard", `or "remove"`},
		{"keyboard with an empty row", with(func(r *Reply) { r.Keyboard = KeyboardRows([]string{"a"}, []string{}) }), "keyboard[1]", "empty row"},
		{"keyboard with an empty key", with(func(r *Reply) { r.Keyboard = KeyboardRows([]string{"a", ""}) }), "keyboard[0][1]", "is required"},
		{"13 keys in a row", with(func(r *Reply) { r.Keyboard = KeyboardRows(append(keys(12)[0], "13th")) }), "keyboard[0]", "at most 12 in a row"},
		{"300 keys", with(func(r *Reply) { r.Keyboard = &Keyboard{Rows: keys(300)} }), "", ""},
		{"301 keys", with(func(r *Reply) { r.Keyboard = &Keyboard{Rows: keys(301)} }), "keyboard", "at most 300"},
		// Ask.
		{"ask", with(func(r *Reply) {
			r.Ask = &Ask{Property: "email", Kind: AskEmail, Then: "menu", Invalid: "Not an email, {first_name}"}
		}), "", ""},
		{"ask property", with(func(r *Reply) { r.Ask = &Ask{Property: "1st", Kind: AskText} }), "ask.property", "lower-case letter"},
		{"ask property too long", with(func(r *Reply) { r.Ask = &Ask{Property: long(33), Kind: AskText} }), "ask.property", "lower-case letter"},
		{"ask kind", with(func(r *Reply) { r.Ask = &Ask{Property: "p", Kind: "date"} }), "ask.kind", "text, number, email or phone"},
		{"ask then unknown", with(func(r *Reply) { r.Ask = &Ask{Property: "p", Kind: AskText, Then: "gone"} }), "ask.then", "names no reply"},
		{"ask then itself", with(func(r *Reply) { r.Ask = &Ask{Property: "p", Kind: AskText, Then: "new"} }), "ask.then", "makes a loop: /new → /new"},
		{"ask invalid placeholder", with(func(r *Reply) { r.Ask = &Ask{Property: "p", Kind: AskText, Invalid: "{oops}"} }), "ask.invalid", "not a placeholder"},
		{"ask invalid too long", with(func(r *Reply) { r.Ask = &Ask{Property: "p", Kind: AskText, Invalid: long(1025)} }), "ask.invalid", "longer than 1024"},
		// Actions.
		{"actions", with(func(r *Reply) {
			r.Actions = []Action{{Tag: TagAdd, Name: "клиент"}, {Tag: TagRemove, Name: "lead-2"}, {Set: "plan", Value: json.RawMessage(`"pro {args}"`)},
				{Set: "n", Value: json.RawMessage(`3.5`)}, {Set: "ok", Value: json.RawMessage(`true`)}, {Set: "gone", Value: json.RawMessage(`null`)}}
		}), "", ""},
		{"mixed action", with(func(r *Reply) { r.Actions = []Action{{Tag: TagAdd, Name: "a", Set: "b", Value: json.RawMessage(`1`)}} }), "actions[0]", "not both"},
		{"tag with a value", with(func(r *Reply) { r.Actions = []Action{{Tag: TagAdd, Name: "a", Value: json.RawMessage(`1`)}} }), "actions[0]", "not both"},
		{"empty action", with(func(r *Reply) { r.Actions = []Action{{Tag: TagAdd, Name: "a"}, {}} }), "actions[1]", "is empty"},
		{"tag operation", with(func(r *Reply) { r.Actions = []Action{{Tag: "toggle", Name: "a"}} }), "actions[0].tag", "add or remove"},
		{"tag without operation", with(func(r *Reply) { r.Actions = []Action{{Name: "a"}} }), "actions[0].tag", "add or remove"},
		{"tag name", with(func(r *Reply) { r.Actions = []Action{{Tag: TagAdd, Name: "two words"}} }), "actions[0].name", "letters, digits"},
		{"tag name too long", with(func(r *Reply) { r.Actions = []Action{{Tag: TagAdd, Name: long(33)}} }), "actions[0].name", "1–32"},
		{"set property", with(func(r *Reply) { r.Actions = []Action{{Set: "Bad Name", Value: json.RawMessage(`1`)}} }), "actions[0].set", "lower-case letter"},
		{"set without value", with(func(r *Reply) { r.Actions = []Action{{Set: "p"}} }), "actions[0].value", "is required"},
		{"value without set", with(func(r *Reply) { r.Actions = []Action{{Value: json.RawMessage(`1`)}} }), "actions[0].set", "lower-case letter"},
		{"object value", with(func(r *Reply) { r.Actions = []Action{{Set: "p", Value: json.RawMessage(`{"a":1}`)}} }), "actions[0].value", "text, a number"},
		{"value placeholder", with(func(r *Reply) { r.Actions = []Action{{Set: "p", Value: json.RawMessage(`"{nope}"`)}} }), "actions[0].value", "not a placeholder"},
		{"too many actions", with(func(r *Reply) { r.Actions = manyActions }), "actions", "at most 20"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := fieldErrors(t, c.reply, existing)
			if c.field == "" {
				if fields != nil {
					t.Fatalf("unexpected errors: %v", fields)
				}
				return
			}
			if !strings.Contains(fields[c.field], c.says) {
				t.Errorf("fields = %v\nwant %s: …%s…", fields, c.field, c.says)
			}
		})
	}
}

func TestValidateThenLoops(t *testing.T) {
	set := []Reply{
		cmdReply("quiz", "quiz", "Ready?"),
		askReply("q1", "Q1?", AskText, "a1", "q2"),
		askReply("q2", "Q2?", AskText, "a2", ""),
		kwReply("kw", "Q3?", "quiz me"),
	}
	set[3].Ask = &Ask{Property: "a3", Kind: AskText, Then: "q1"}
	// q2 → quiz → q1 → q2 closes a loop through three replies.
	q2 := set[2]
	q2.Ask = &Ask{Property: "a2", Kind: AskText, Then: "kw"}
	fields := fieldErrors(t, q2, set)
	if want := "makes a loop: q2 → “quiz me” → q1 → q2"; fields["ask.then"] != want {
		t.Errorf("got %v, want ask.then: %s", fields, want)
	}
	// Pointing at a chain that ends is fine.
	ok := set[0]
	ok.Ask = &Ask{Property: "ready", Kind: AskText, Then: "q1"}
	mustValidate(t, ok, set)
	// A loop the reply only leads into is not its doing.
	looped := append([]Reply(nil), set...)
	looped[2].Ask.Then = "q1" // q1 → q2 → q1, stored before loops were refused
	mustValidate(t, ok, looped)
}

func TestValidateTaken(t *testing.T) {
	set := []Reply{cmdReply("start", "start", "hi"), fallbackReply("fb", "?")}
	_, err := Validate(cmdReply("", "/START", "again"), set)
	var te *TakenError
	if !errors.As(err, &te) || te.Field != "trigger.command" || te.By != "start" || !strings.Contains(te.Error(), "/start already answers") {
		t.Errorf("duplicate command: %v", err)
	}
	_, err = Validate(fallbackReply("fb2", "??"), set)
	if !errors.As(err, &te) || te.Field != "trigger.kind" || te.By != "fb" {
		t.Errorf("second fallback: %v", err)
	}
	// Saving a reply again is not a clash with itself.
	mustValidate(t, cmdReply("start", "start", "hello"), set)
	mustValidate(t, fallbackReply("fb", "what?"), set)
	// A reply that is also invalid gets the 422 first.
	_, err = Validate(Reply{Trigger: Trigger{Kind: TriggerCommand, Command: "start"}}, set)
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Fields["text"] == "" {
		t.Errorf("invalid and taken: %v", err)
	}
}

func TestValidateMenuLimit(t *testing.T) {
	var set []Reply
	for i := range MaxMenuCommands {
		r := cmdReply(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i), "x")
		r.ShowInMenu, r.Description = true, "d"
		set = append(set, r)
	}
	r := cmdReply("extra", "extra", "x")
	r.ShowInMenu, r.Description = true, "d"
	if f := fieldErrors(t, r, set); !strings.Contains(f["showInMenu"], "at most 100") {
		t.Errorf("101st menu command: %v", f)
	}
	// Editing one of the 100 is fine.
	mustValidate(t, set[5], set)
	if got := len(MenuCommands(set)); got != MaxMenuCommands {
		t.Errorf("MenuCommands: %d", got)
	}
}

func TestReferences(t *testing.T) {
	set := []Reply{
		{ID: "a", Trigger: Trigger{Kind: TriggerCommand, Command: "a"}, Buttons: [][]Button{{{Text: "x", URL: "https://x.y"}, {Text: "t", Reply: "t"}}}},
		askReply("b", "?", AskText, "p", "t"),
		buttonReply("t", "target"),
	}
	got := References(set, "t")
	want := []string{"/a: buttons[0][1]", "b: ask.then"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("References = %q, want %q", got, want)
	}
	if got := References(set, "a"); got != nil {
		t.Errorf("nothing points at a: %q", got)
	}
}
