package core_test

import (
	"context"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestRepliesAppearInTheConversation: what a person wrote and the reply the
// outbox sent are both in their conversation, in order, the reply with its
// origin, Telegram's message id and its buttons.
func TestRepliesAppearInTheConversation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := newAnswering(t, env, "conv_reply_bot", reply("rpl_start", replies.TriggerCommand, "Hi {first_name}", func(r *replies.Reply) {
			r.Trigger.Command = "start"
			r.Buttons = [][]replies.Button{{{Text: "Site", URL: "https://example.com"}}}
		}))
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "/start")), "Hi Ann")

		msgs, _, err := models.MessagesOf(context.Background(), env.App.DB, a.bot.ID, ann.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 {
			t.Fatalf("%d messages, want the /start and the reply: %+v", len(msgs), msgs)
		}
		r, in := msgs[0], msgs[1]
		if in.Direction != models.DirectionIn || in.Text != "/start" {
			t.Fatalf("incoming: %+v", in)
		}
		if r.Direction != models.DirectionOut || r.Origin != models.OriginReply || r.Text != "Hi Ann" || r.TelegramID == 0 ||
			r.Error != "" || r.Buttons == "" {
			t.Fatalf("the reply: %+v", r)
		}
		c, err := models.ConversationOf(context.Background(), env.App.DB, a.bot.ID, ann.ID)
		if err != nil || c.MessagesIn != 1 || c.MessagesOut != 1 || c.Unread != 1 || c.LastDirection != models.DirectionOut {
			t.Fatalf("conversation %+v %v", c, err)
		}
	}, apptest.Webhooks())
}
