package replies

import (
	"encoding/json"
	"testing"

	"github.com/mymmrac/telego"
)

// demoSet has one reply of each trigger kind, plus the cases the order
// rules are about.
func demoSet() *Set {
	disabled := cmdReply("off", "off", "never")
	disabled.Enabled = false
	disabledKw := kwReply("offkw", "never", "secret")
	disabledKw.Enabled = false
	help := cmdReply("help", "help", "Help")
	help.Groups = true
	groupKw := kwReply("hello", "Hello there", "hello")
	groupKw.Groups = true
	return NewSet([]Reply{
		cmdReply("start", "start", "Hi {first_name}"),
		help,
		cmdReply("price_cmd", "price", "Prices by command"),
		disabled,
		disabledKw,
		kwReply("price", "Our prices", "price", "how much"),
		kwReply("delivery", "We deliver", "delivery", "how much shipping"), // "how much" above wins for "how much"
		groupKw,
		buttonReply("menu", "The menu"),
		fallbackReply("fb", "Sorry?"),
	}, "DemoBot")
}

func TestMatchOrderAndTriggers(t *testing.T) {
	s := demoSet()
	noCode := func(Input) bool { return false }
	code := func(in Input) bool {
		return in.Text == "code please" || in.CallbackData == "buy" || in.Text == "/unknown"
	}
	cases := []struct {
		name   string
		in     Input
		code   func(Input) bool
		by     By
		reply  string
		args   string
		source string
	}{
		{"command", Input{Text: "/start"}, noCode, ByCommand, "start", "", ""},
		{"command is case-insensitive", Input{Text: "/START"}, noCode, ByCommand, "start", "", ""},
		{"command with args", Input{Text: "/start  hello world "}, noCode, ByCommand, "start", "hello world", ""},
		{"deep link records the source", Input{Text: "/start ad_campaign-7"}, noCode, ByCommand, "start", "ad_campaign-7", "ad_campaign-7"},
		{"a payload that is not a source", Input{Text: "/start not a source"}, noCode, ByCommand, "start", "not a source", ""},
		{"command for this bot", Input{Text: "/help@DemoBot"}, noCode, ByCommand, "help", "", ""},
		{"bot username is case-insensitive", Input{Text: "/help@demobot more"}, noCode, ByCommand, "help", "more", ""},
		{"command for another bot", Input{Text: "/help@OtherBot"}, noCode, ByNothing, "", "", ""},
		{"command before keyword", Input{Text: "/price"}, noCode, ByCommand, "price_cmd", "", ""},
		{"not a command: no space after the name", Input{Text: "/help-me"}, noCode, ByFallback, "fb", "", ""},
		{"unknown command goes to code", Input{Text: "/unknown"}, code, ByCode, "", "", ""},
		{"unknown command without code: fallback", Input{Text: "/unknown"}, noCode, ByFallback, "fb", "", ""},
		{"disabled command: fallback", Input{Text: "/off"}, noCode, ByFallback, "fb", "", ""},
		{"keyword", Input{Text: "What is the PRICE?"}, noCode, ByKeyword, "price", "", ""},
		{"phrase", Input{Text: "so how much is it"}, noCode, ByKeyword, "price", "", ""},
		{"first reply in order wins", Input{Text: "delivery: how much shipping"}, noCode, ByKeyword, "price", "", ""},
		{"later keyword", Input{Text: "delivery please"}, noCode, ByKeyword, "delivery", "", ""},
		{"whole words only", Input{Text: "priceless"}, noCode, ByFallback, "fb", "", ""},
		{"disabled keyword", Input{Text: "secret"}, noCode, ByFallback, "fb", "", ""},
		{"keyword before code", Input{Text: "price"}, code, ByKeyword, "price", "", ""},
		{"code before fallback", Input{Text: "code please"}, code, ByCode, "", "", ""},
		{"nil code", Input{Text: "code please"}, nil, ByFallback, "fb", "", ""},
		{"fallback", Input{Text: "something else"}, noCode, ByFallback, "fb", "", ""},
		{"a message without text gets the fallback", Input{}, noCode, ByFallback, "fb", "", ""},
		{"button", Input{Callback: true, CallbackID: "q1", CallbackData: CallbackData("menu")}, noCode, ByButton, "menu", "", ""},
		{"button to a command reply", Input{Callback: true, CallbackData: CallbackData("start")}, noCode, ByButton, "start", "", ""},
		{"button to a disabled reply", Input{Callback: true, CallbackData: CallbackData("off")}, noCode, ByNothing, "", "", ""},
		{"button to an unknown reply", Input{Callback: true, CallbackData: CallbackData("gone")}, noCode, ByNothing, "", "", ""},
		{"code's own button", Input{Callback: true, CallbackData: "buy"}, code, ByCode, "", "", ""},
		{"a button press never gets the fallback", Input{Callback: true, CallbackData: "other"}, noCode, ByNothing, "", "", ""},
		// Groups: only replies with groups: true.
		{"group: command without groups", Input{Text: "/start", Group: true}, noCode, ByNothing, "", "", ""},
		{"group: command with groups", Input{Text: "/help@DemoBot", Group: true}, noCode, ByCommand, "help", "", ""},
		{"group: keyword without groups", Input{Text: "price", Group: true}, noCode, ByNothing, "", "", ""},
		{"group: keyword with groups", Input{Text: "Hello everyone", Group: true}, noCode, ByKeyword, "hello", "", ""},
		{"group: no fallback", Input{Text: "chatter", Group: true}, noCode, ByNothing, "", "", ""},
		{"group: button without groups", Input{Callback: true, CallbackData: CallbackData("menu"), Group: true}, noCode, ByNothing, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.Match(c.in, c.code)
			if res.By != c.by || matchedID(res) != c.reply || res.Args != c.args || res.Source != c.source {
				t.Errorf("got by=%s reply=%q args=%q source=%q; want by=%s reply=%q args=%q source=%q",
					res.By, matchedID(res), res.Args, res.Source, c.by, c.reply, c.args, c.source)
			}
			if res.AnswerCallback != (c.in.Callback && c.by != ByCode) {
				t.Errorf("AnswerCallback = %v for a callback=%v decided by %s", res.AnswerCallback, c.in.Callback, res.By)
			}
		})
	}
}

func TestMatchWithoutUsernameIgnoresAddressedCommands(t *testing.T) {
	s := NewSet([]Reply{cmdReply("start", "start", "hi")}, "")
	if res := s.Match(Input{Text: "/start@SomeBot"}, nil); res.By != ByNothing {
		t.Errorf("a set that does not know its bot answered /start@SomeBot: %s", res.By)
	}
	if res := s.Match(Input{Text: "/start"}, nil); res.By != ByCommand {
		t.Errorf("/start: %s", res.By)
	}
}

func TestNoFallbackNoAnswer(t *testing.T) {
	s := NewSet([]Reply{cmdReply("start", "start", "hi")}, "bot")
	if res := s.Match(Input{Text: "hello"}, nil); res.By != ByNothing || res.Reply != nil {
		t.Errorf("got %+v", res)
	}
}

func TestKeywordsInManyScripts(t *testing.T) {
	s := NewSet([]Reply{
		kwReply("fr", "fr", "crème brûlée"),
		kwReply("ru", "ru", "цена", "ёлка"),
		kwReply("el", "el", "τιμή"),
		kwReply("ar", "ar", "السلام عليكم"),
		kwReply("zh", "zh", "价格"),
		kwReply("ja", "ja", "ばか"),
		kwReply("th", "th", "ราคา"),
		kwReply("tr", "tr", "İstanbul", "kapı"),
		kwReply("de", "de", "Straße"),
		kwReply("fw", "fw", "ＶＩＰ"),
		kwReply("hi", "hi", "नमस्ते"),
		kwReply("ko", "ko", "가격"),
		kwReply("es", "es", "¿qué tal?"),
	}, "bot")
	cases := []struct {
		text, want string
	}{
		{"Je voudrais une CREME BRULEE, svp", "fr"},
		{"crème  brûlée!", "fr"},
		{"creme", ""}, // half a phrase
		{"Какая ЦЕНА?", "ru"},
		{"Ценами", ""}, // another word
		{"ёлка", "ru"},
		{"Елка", "ru"}, // ё and е meet
		{"ΤΙΜΗ παρακαλώ", "el"},
		{"τιμη", "el"},
		{"السَّلَامُ عَلَيْكُمْ يا صديقي", "ar"}, // with harakat
		{"请问价格是多少？", "zh"},                       // no spaces in Chinese
		{"價格", ""},                               // traditional characters are other characters
		{"ばかだな", "ja"},
		{"はか", ""}, // the voicing mark matters
		{"ขอราคาหน่อยครับ", "th"},
		{"ISTANBUL'a gidiyorum", "tr"},
		{"istanbul", "tr"},
		{"KAPI açık", "tr"},
		{"STRASSE", "de"},
		{"strasse", "de"},
		{"vip access", "fw"},
		{"नमस्ते दोस्त", "hi"},
		{"가격 알려주세요", "ko"},
		{"Que tal?", "es"},
		{"nothing here", ""},
	}
	for _, c := range cases {
		res := s.Match(Input{Text: c.text}, nil)
		if matchedID(res) != c.want {
			t.Errorf("%q matched %q, want %q", c.text, matchedID(res), c.want)
		}
	}
}

func TestKeywordWordBoundaries(t *testing.T) {
	s := NewSet([]Reply{kwReply("price", "p", "price"), kwReply("2fa", "2", "2fa")}, "bot")
	for text, want := range map[string]string{
		"price":              "price",
		"price?":             "price",
		"(price)":            "price",
		"the price-list":     "price",
		"prices":             "",
		"priceless":          "",
		"overprice":          "",
		"price价格":            "price", // a spaceless script ends the word
		"how to set up 2FA?": "2fa",
		"2fab":               "",
	} {
		if got := matchedID(s.Match(Input{Text: text}, nil)); got != want {
			t.Errorf("%q matched %q, want %q", text, got, want)
		}
	}
}

func TestMixedScriptKeywords(t *testing.T) {
	s := NewSet([]Reply{kwReply("ip", "x", "iPhone 价格"), kwReply("ad", "x", "ad价格")}, "bot")
	for text, want := range map[string]string{
		"我想问iPhone价格":   "ip",
		"iphone 价格是多少":  "ip",
		"myiphone价格":    "",
		"ad价格":          "ad",
		"bad价格":         "",
		"这个ad价格":        "ad",
		"iphone价格 ad价格": "ip",
	} {
		if got := matchedID(s.Match(Input{Text: text}, nil)); got != want {
			t.Errorf("%q matched %q, want %q", text, got, want)
		}
	}
}

func TestKeywordPhrasesSharingWords(t *testing.T) {
	s := NewSet([]Reply{
		kwReply("long", "l", "how much is it"),
		kwReply("short", "s", "how much", "much"),
		kwReply("word", "w", "how"),
	}, "bot")
	for text, want := range map[string]string{
		"How much is it?":       "long",
		"how much is":           "short",
		"so, how... much?":      "short",
		"much":                  "short",
		"how":                   "word",
		"how is it":             "word",
		"is it how much is it":  "long",
		"how how much is it it": "long",
	} {
		if got := matchedID(s.Match(Input{Text: text}, nil)); got != want {
			t.Errorf("%q matched %q, want %q", text, got, want)
		}
	}
}

func TestAskFlow(t *testing.T) {
	thanks := buttonReply("thanks", "Thanks, {prop.email}!")
	s := NewSet([]Reply{
		cmdReply("start", "start", "hi"),
		askReply("ask_email", "Your email?", AskEmail, "email", "thanks"),
		askReply("ask_age", "Your age?", AskNumber, "age", ""),
		askReply("ask_phone", "Your phone?", AskPhone, "phone", "ask_name"),
		askReply("ask_name", "Your name?", AskText, "name", ""),
		thanks,
		kwReply("price", "prices", "price"),
		fallbackReply("fb", "Sorry?"),
	}, "bot")
	s.replies[1].Ask.Invalid = "That is not an email, {first_name}."

	t.Run("valid answer sets the property and continues with then", func(t *testing.T) {
		p := s.Respond(Input{Text: "  Ann@Example.COM ", Awaiting: "ask_email"}, Vars{FirstName: "Ann"}, nil)
		if p.By != ByAnswer || p.Asked.ID != "ask_email" || matchedID(p.Result) != "thanks" || p.Awaiting != "" {
			t.Fatalf("got %+v", p.Result)
		}
		if p.Answer.Property != "email" || p.Answer.Value != "Ann@example.com" {
			t.Errorf("answer %+v", p.Answer)
		}
		if len(p.Actions) != 1 || p.Actions[0].Set != "email" || string(p.Actions[0].Value) != `"Ann@example.com"` {
			t.Errorf("actions %+v", p.Actions)
		}
		if len(p.Messages) != 1 || p.Messages[0].Text != "Thanks, Ann@example.com!" {
			t.Errorf("messages %+v", p.Messages)
		}
	})
	t.Run("an answer that is a keyword is still the answer", func(t *testing.T) {
		res := s.Match(Input{Text: "price", Awaiting: "ask_name"}, nil)
		if res.By != ByAnswer || res.Answer.Value != "price" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("invalid answer keeps waiting", func(t *testing.T) {
		p := s.Respond(Input{Text: "not an email", Awaiting: "ask_email"}, Vars{FirstName: "Ann"}, nil)
		if p.By != ByInvalidAnswer || p.Awaiting != "ask_email" || p.Answer != nil || len(p.Actions) != 0 {
			t.Fatalf("got %+v", p.Result)
		}
		if len(p.Messages) != 1 || p.Messages[0].Text != "That is not an email, Ann." || p.Messages[0].ParseMode != ModePlain {
			t.Errorf("messages %+v", p.Messages)
		}
	})
	t.Run("default invalid text", func(t *testing.T) {
		p := s.Respond(Input{Text: "old", Awaiting: "ask_age"}, Vars{}, nil)
		if p.By != ByInvalidAnswer || len(p.Messages) != 1 || p.Messages[0].Text != DefaultInvalid(AskNumber) {
			t.Errorf("got %+v %+v", p.Result, p.Messages)
		}
	})
	t.Run("number without then", func(t *testing.T) {
		p := s.Respond(Input{Text: "1 234,5", Awaiting: "ask_age"}, Vars{}, nil)
		if p.By != ByAnswer || p.Answer.Value != 1234.5 || p.Reply != nil || len(p.Messages) != 0 || p.Awaiting != "" {
			t.Errorf("got %+v", p.Result)
		}
		if string(p.Actions[0].Value) != "1234.5" {
			t.Errorf("value %s", p.Actions[0].Value)
		}
	})
	t.Run("phone from a shared contact, then another ask", func(t *testing.T) {
		res := s.Match(Input{ContactPhone: "447946095800", Awaiting: "ask_phone"}, nil)
		if res.By != ByAnswer || res.Answer.Value != "+447946095800" || matchedID(res) != "ask_name" || res.Awaiting != "ask_name" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("typed phone", func(t *testing.T) {
		res := s.Match(Input{Text: "+44 (20) 7946-0958", Awaiting: "ask_phone"}, nil)
		if res.By != ByAnswer || res.Answer.Value != "+442079460958" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("empty text answer", func(t *testing.T) {
		if res := s.Match(Input{Text: "   ", Awaiting: "ask_name"}, nil); res.By != ByInvalidAnswer {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("a command cancels the ask", func(t *testing.T) {
		res := s.Match(Input{Text: "/start", Awaiting: "ask_email"}, nil)
		if res.By != ByCommand || matchedID(res) != "start" || res.Awaiting != "" {
			t.Errorf("got %+v", res)
		}
		res = s.Match(Input{Text: "/nope", Awaiting: "ask_email"}, nil)
		if res.By != ByFallback || res.Awaiting != "" {
			t.Errorf("unknown command: got %+v", res)
		}
	})
	t.Run("a button cancels the ask", func(t *testing.T) {
		res := s.Match(Input{Callback: true, CallbackData: CallbackData("thanks"), Awaiting: "ask_email"}, nil)
		if res.By != ByButton || res.Awaiting != "" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("a button to an ask starts it", func(t *testing.T) {
		res := s.Match(Input{Callback: true, CallbackData: CallbackData("ask_email")}, nil)
		if res.By != ByButton || res.Awaiting != "ask_email" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("a stale button keeps the ask", func(t *testing.T) {
		res := s.Match(Input{Callback: true, CallbackData: CallbackData("gone"), Awaiting: "ask_email"}, nil)
		if res.By != ByNothing || res.Awaiting != "ask_email" || !res.AnswerCallback {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("an ask that no longer exists is dropped", func(t *testing.T) {
		res := s.Match(Input{Text: "price", Awaiting: "deleted"}, nil)
		if res.By != ByKeyword || res.Awaiting != "" {
			t.Errorf("got %+v", res)
		}
		res = s.Match(Input{Text: "x", Awaiting: "thanks"}, nil) // a reply without an ask
		if res.By != ByFallback || res.Awaiting != "" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("the ask comes before code", func(t *testing.T) {
		res := s.Match(Input{Text: "Bob", Awaiting: "ask_name"}, func(Input) bool { return true })
		if res.By != ByAnswer {
			t.Errorf("got %+v", res)
		}
	})
}

func TestAskInGroups(t *testing.T) {
	ask := askReply("ask", "Name?", AskText, "name", "")
	s := NewSet([]Reply{ask, fallbackReply("fb", "?")}, "bot")
	// The ask's reply does not answer in groups: a group message is not
	// its answer, and the ask keeps waiting for the private chat.
	res := s.Match(Input{Text: "Bob", Group: true, Awaiting: "ask"}, nil)
	if res.By != ByNothing || res.Awaiting != "ask" {
		t.Errorf("got %+v", res)
	}
}

func TestRespondButtonAnswersTheCallbackFirst(t *testing.T) {
	s := demoSet()
	p := s.Respond(Input{Callback: true, CallbackID: "cbq-1", CallbackData: CallbackData("menu")}, Vars{}, nil)
	if p.AnswerCallback == nil || p.AnswerCallback.CallbackQueryID != "cbq-1" {
		t.Fatalf("no answerCallbackQuery: %+v", p.AnswerCallback)
	}
	if len(p.Messages) != 1 || p.Messages[0].Text != "The menu" {
		t.Errorf("messages %+v", p.Messages)
	}
	// Code answers its own buttons.
	p = s.Respond(Input{Callback: true, CallbackID: "cbq-2", CallbackData: "buy"}, Vars{}, func(Input) bool { return true })
	if p.AnswerCallback != nil || p.By != ByCode || len(p.Messages) != 0 {
		t.Errorf("code's button: %+v", p)
	}
}

func TestRespondFillsArgsAndBotUsername(t *testing.T) {
	r := cmdReply("echo", "echo", "You said {args} to @{bot_username}")
	s := NewSet([]Reply{r}, "EchoBot")
	p := s.Respond(Input{Text: "/echo hello <b>"}, Vars{Args: "ignored"}, nil)
	if len(p.Messages) != 1 || p.Messages[0].Text != "You said hello <b> to @EchoBot" {
		t.Errorf("got %+v", p.Messages)
	}
}

func TestInputFromUpdate(t *testing.T) {
	var u telego.Update
	decode := func(s string) telego.Update {
		t.Helper()
		var u telego.Update
		if err := json.Unmarshal([]byte(s), &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	cases := []struct {
		name string
		json string
		ok   bool
		want Input
	}{
		{"private text", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"/start x"}}`,
			true, Input{Text: "/start x"}},
		{"group caption", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":-5,"type":"supergroup"},"from":{"id":5,"is_bot":false,"first_name":"A"},"photo":[{"file_id":"f","file_unique_id":"u","width":1,"height":1}],"caption":"price"}}`,
			true, Input{Text: "price", Group: true}},
		{"contact", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"contact":{"phone_number":"4479","first_name":"A"}}}`,
			true, Input{ContactPhone: "4479"}},
		{"sticker", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"sticker":{"file_id":"f","file_unique_id":"u","type":"regular","width":1,"height":1,"is_animated":false,"is_video":false}}}`,
			true, Input{}},
		{"button", `{"update_id":1,"callback_query":{"id":"q","from":{"id":5,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":"r:x","message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"}}}}`,
			true, Input{Callback: true, CallbackID: "q", CallbackData: "r:x"}},
		{"service message", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":-5,"type":"group"},"from":{"id":5,"is_bot":false,"first_name":"A"},"new_chat_title":"T"}}`, false, Input{}},
		{"from a bot", `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":-5,"type":"group"},"from":{"id":6,"is_bot":true,"first_name":"B"},"text":"hi"}}`, false, Input{}},
		{"channel post", `{"update_id":1,"channel_post":{"message_id":1,"date":1,"chat":{"id":-5,"type":"channel"},"text":"hi"}}`, false, Input{}},
		{"edited message", `{"update_id":1,"edited_message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"hi"}}`, false, Input{}},
		{"chat member", `{"update_id":1,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"kicked","until_date":0,"user":{"id":1,"is_bot":true,"first_name":"B"}}}}`, false, Input{}},
	}
	for _, c := range cases {
		u = decode(c.json)
		in, ok := InputFromUpdate(u)
		if ok != c.ok || in != c.want {
			t.Errorf("%s: got %+v %v, want %+v %v", c.name, in, ok, c.want, c.ok)
		}
	}
}

func TestStartSource(t *testing.T) {
	long := ""
	for range 65 {
		long += "a"
	}
	cases := []struct {
		text, src string
		ok        bool
	}{
		{"/start abc-DEF_123", "abc-DEF_123", true},
		{"/start@MyBot ref1", "ref1", true},
		{"/start@OtherBot ref1", "", false},
		{"/start", "", false},
		{"/start a b", "", false},
		{"/start a.b", "", false},
		{"/start " + long, "", false},
		{"/start " + long[:64], long[:64], true},
		{"/help abc", "", false},
		{"start abc", "", false},
	}
	for _, c := range cases {
		src, ok := StartSource(c.text, "mybot")
		if src != c.src || ok != c.ok {
			t.Errorf("%q: got %q %v", c.text, src, ok)
		}
	}
	if got := DeepLink("mybot", "ads"); got != "https://t.me/mybot?start=ads" {
		t.Errorf("DeepLink: %s", got)
	}
}

func TestCallbackDataRoundTrip(t *testing.T) {
	for _, id := range []string{"rpl_abcdefghijklmnopqrstuvwx", "x", string(make([]byte, MaxReplyIDLength))} {
		data := CallbackData(id)
		if len(data) > 64 {
			t.Errorf("%q: %d bytes of callback data", id, len(data))
		}
		got, ok := ParseCallbackData(data)
		if !ok || got != id {
			t.Errorf("%q: round trip gave %q %v", id, got, ok)
		}
	}
	for _, data := range []string{"", "r:", "buy", "x:abc", CallbackPrefix + string(make([]byte, MaxReplyIDLength+1))} {
		if _, ok := ParseCallbackData(data); ok {
			t.Errorf("%q parsed as a reply button", data)
		}
	}
}
