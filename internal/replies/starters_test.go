package replies

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/mymmrac/telego"
)

func TestStarters(t *testing.T) {
	n := 0
	starters := Starters(func() string { n++; return fmt.Sprintf("rpl_%d", n) })
	for _, r := range starters {
		if got := mustValidate(t, r, starters); !reflect.DeepEqual(got, r) {
			t.Errorf("a starter is not in its normal form:\n got %+v\nwant %+v", got, r)
		}
	}
	want := []telego.BotCommand{{Command: "start", Description: "Start the bot"}, {Command: "help", Description: "What this bot can do"}}
	if got := MenuCommands(starters); !reflect.DeepEqual(got, want) {
		t.Errorf("menu %+v", got)
	}

	s := NewSet(starters, "shop_bot")
	p := s.Respond(Input{Text: "/start"}, Vars{FirstName: "<Ann>"}, nil)
	if p.By != ByCommand || len(p.Messages) != 1 {
		t.Fatalf("/start: %+v", p.Result)
	}
	m := p.Messages[0]
	if m.Text != "Hello, &lt;Ann&gt;! 👋\n\nI'm <b>@shop_bot</b>. Send /help to see what I can do." || m.ParseMode != ModeHTML {
		t.Errorf("greeting %q", m.Text)
	}
	data := m.InlineKeyboard.InlineKeyboard[0][0].CallbackData
	p = s.Respond(Input{Callback: true, CallbackID: "q", CallbackData: data}, Vars{FirstName: "Ann"}, nil)
	if matchedID(p.Result) != starters[1].ID || p.AnswerCallback == nil {
		t.Errorf("the greeting's button: %+v", p.Result)
	}
}

func TestMenuCommandsSkipsWhatIsNotInTheMenu(t *testing.T) {
	off := cmdReply("a", "off", "x")
	off.ShowInMenu, off.Description, off.Enabled = true, "d", false
	hidden := cmdReply("b", "hidden", "x")
	shown := cmdReply("c", "/Shown", "x")
	shown.ShowInMenu, shown.Description = true, "Shown"
	kw := kwReply("d", "x", "k")
	kw.ShowInMenu, kw.Description = true, "d"
	got := MenuCommands([]Reply{off, hidden, shown, kw})
	if want := []telego.BotCommand{{Command: "shown", Description: "Shown"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("menu %+v", got)
	}
	if got := MenuCommands(nil); got == nil || len(got) != 0 {
		t.Errorf("an empty menu is an empty list (setMyCommands clears the menu with it): %#v", got)
	}
}
