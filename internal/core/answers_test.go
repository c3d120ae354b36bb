package core_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// answering is a bot with replies, driven step by step: push an update
// through the fake's webhook, process it, send the outbox.
type answering struct {
	env *apptest.Env
	bot apptest.Bot
}

func newAnswering(t *testing.T, env *apptest.Env, username string, specs ...replies.Reply) *answering {
	t.Helper()
	owner := env.SignUp(t, username+"@example.com")
	bot := env.ConnectBot(t, owner, username)
	dropStarters(t, env, bot.ID)
	insertReplies(t, env, bot.ID, specs...)
	return &answering{env: env, bot: bot}
}

func insertReplies(t testing.TB, env *apptest.Env, botID string, specs ...replies.Reply) {
	t.Helper()
	for _, r := range specs {
		if err := models.InsertReply(context.Background(), env.App.DB, &models.Reply{BotID: botID, Spec: r}); err != nil {
			t.Fatal(err)
		}
	}
}

// dropStarters removes the replies a new bot starts with, so a test's own
// replies are the bot's only ones.
func dropStarters(t testing.TB, env *apptest.Env, botID string) {
	t.Helper()
	rows, err := models.ListReplies(context.Background(), env.App.DB, botID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := models.DeleteReply(context.Background(), env.App.DB, botID, r.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func dbDialects() []dbtest.Dialect { return dbtest.Dialects() }

// say pushes u, processes it and sends what it queued; it returns the
// messages the bot sent meanwhile.
func (a *answering) say(t *testing.T, u telego.Update) []telegramtest.SentMessage {
	t.Helper()
	before := len(a.env.Telegram.SentMessages(a.bot.Fake.Token))
	if res, err := a.env.Telegram.Push(a.bot.Fake.Token, u); err != nil || !res.Delivered {
		t.Fatalf("push: %+v %v", res, err)
	}
	a.env.Process(t)
	if _, err := a.env.App.Outbox.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a.env.Telegram.SentMessages(a.bot.Fake.Token)[before:]
}

func texts(msgs []telegramtest.SentMessage) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Message.Text)
	}
	return out
}

func expectSaid(t *testing.T, got []telegramtest.SentMessage, want ...string) {
	t.Helper()
	g := texts(got)
	if len(g) != len(want) {
		t.Fatalf("the bot said %q, want %q", g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("the bot said %q, want %q", g, want)
		}
	}
}

func reply(id string, kind replies.TriggerKind, text string, edit ...func(*replies.Reply)) replies.Reply {
	r := replies.NewReply()
	r.ID, r.Trigger.Kind, r.Text = id, kind, text
	for _, e := range edit {
		e(&r)
	}
	return r
}

func TestRepliesAnswerPeople(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		a := newAnswering(t, env, "answers_bot",
			reply("rpl_start", replies.TriggerCommand, "Hi {first_name}, you came from {source}!", func(r *replies.Reply) {
				r.Trigger.Command = "start"
				r.Buttons = [][]replies.Button{{{Text: "Price", Reply: "rpl_price"}}}
			}),
			reply("rpl_price", replies.TriggerKeyword, "It costs 100 ₽", func(r *replies.Reply) {
				r.Trigger.Keywords = []string{"цена", "price"}
				r.Actions = []replies.Action{{Tag: replies.TagAdd, Name: "curious"}}
			}),
			reply("rpl_signup", replies.TriggerCommand, "Your email?", func(r *replies.Reply) {
				r.Trigger.Command = "signup"
				r.Ask = &replies.Ask{Property: "email", Kind: replies.AskEmail, Then: "rpl_thanks", Invalid: "That is not an email, {first_name}."}
			}),
			reply("rpl_thanks", replies.TriggerButton, "Thanks, we will write to {prop.email}", func(r *replies.Reply) {
				r.Actions = []replies.Action{{Tag: replies.TagAdd, Name: "subscriber"}, {Tag: replies.TagRemove, Name: "curious"}}
			}),
			reply("rpl_group", replies.TriggerKeyword, "Hello, group", func(r *replies.Reply) {
				r.Trigger.Keywords = []string{"hello group"}
				r.Groups = true
			}),
		)
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})

		// /start with a deep-link source: answered with its button, source kept.
		said := a.say(t, telegramtest.MessageUpdate(ann, "/start promo_1"))
		expectSaid(t, said, "Hi Ann, you came from promo_1!")
		if kb := said[0].Message.ReplyMarkup; kb == nil || kb.InlineKeyboard[0][0].CallbackData != replies.CallbackData("rpl_price") {
			t.Fatalf("the /start answer carries its button: %+v", said[0].Message.ReplyMarkup)
		}
		if src, _ := models.UserSource(ctx, env.App.DB, a.bot.ID, ann.ID); src != "promo_1" {
			t.Fatalf("source = %q", src)
		}
		a.say(t, telegramtest.MessageUpdate(ann, "/start other"))
		if src, _ := models.UserSource(ctx, env.App.DB, a.bot.ID, ann.ID); src != "promo_1" {
			t.Fatalf("the first source stays: %q", src)
		}

		// A keyword in Cyrillic, in capitals inside a sentence.
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "Какая ЦЕНА у вас?")), "It costs 100 ₽")

		// The button: the callback is answered and the reply sent.
		answered := env.Telegram.CallCount(a.bot.Fake.Token, "answerCallbackQuery")
		expectSaid(t, a.say(t, telegramtest.CallbackQueryUpdate(ann, &said[0].Message, replies.CallbackData("rpl_price"))), "It costs 100 ₽")
		if env.Telegram.CallCount(a.bot.Fake.Token, "answerCallbackQuery") != answered+1 {
			t.Fatal("the button press is answered with answerCallbackQuery")
		}

		// Ask → invalid → valid → property saved → then.
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "/signup")), "Your email?")
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "price?")), "That is not an email, Ann.")
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, " Ann@Example.COM ")), "Thanks, we will write to Ann@example.com")
		st, err := models.UserStates(ctx, env.App.DB, a.bot.ID, []int64{ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		s := st[ann.ID]
		if s.Awaiting != "" || s.Props["email"] != "Ann@example.com" || !s.Tags["subscriber"] || s.Tags["curious"] {
			t.Fatalf("after the answer: %+v", s)
		}
		// The ask is over: the same text is a keyword again.
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "price")), "It costs 100 ₽")

		// Uses are counted.
		rows, _ := models.ListReplies(ctx, env.App.DB, a.bot.ID)
		uses := map[string]int64{}
		for _, r := range rows {
			uses[r.ID] = r.Uses
		}
		if uses["rpl_start"] != 2 || uses["rpl_price"] != 3 || uses["rpl_thanks"] != 1 || uses["rpl_signup"] != 1 {
			t.Fatalf("uses: %v", uses)
		}

		// A user the owner blocked gets nothing.
		if _, err := models.SetUserBlocked(ctx, env.App.DB, a.bot.ID, ann.ID, true); err != nil {
			t.Fatal(err)
		}
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(ann, "/start")))

		// Groups: only replies with groups set answer there.
		chat := env.Telegram.AddChat(telegramtest.ChatSpec{Type: telego.ChatTypeSupergroup, Title: "Club"})
		if err := env.Telegram.SetBotMember(a.bot.Fake.Token, chat.ID); err != nil {
			t.Fatal(err)
		}
		bob := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Bob"})
		expectSaid(t, a.say(t, telegramtest.GroupMessageUpdate(chat, bob, "what is the price")))
		said = a.say(t, telegramtest.GroupMessageUpdate(chat, bob, "Hello group!"))
		expectSaid(t, said, "Hello, group")
		if said[0].ChatID != chat.ID {
			t.Fatalf("answered in chat %d, want the group", said[0].ChatID)
		}
	}, apptest.Webhooks())
}

// TestAnswersAreNotRepeated: an update processed again (Telegram
// redelivers it) queues nothing twice.
func TestAnswersAreNotRepeated(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := newAnswering(t, env, "once_bot", reply("rpl_start", replies.TriggerCommand, "Hi", func(r *replies.Reply) {
			r.Trigger.Command = "start"
		}))
		u := telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{}), "/start")
		u.UpdateID = 4242
		raw, _ := json.Marshal(u)
		for range 2 {
			if _, err := env.App.Ingest.Receive(context.Background(), a.bot.ID, raw); err != nil {
				t.Fatal(err)
			}
			env.Process(t)
		}
		if _, err := env.App.Outbox.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(env.Telegram.SentMessages(a.bot.Fake.Token)); n != 1 {
			t.Fatalf("answered %d times", n)
		}
	})
}

// TestSourcesWithoutReplies: a bot with no replies says nothing, and still
// records where its users came from.
func TestSourcesWithoutReplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := newAnswering(t, env, "quiet_bot")
		u := env.Telegram.AddUser(telegramtest.UserSpec{})
		expectSaid(t, a.say(t, telegramtest.MessageUpdate(u, "/start ad_42")))
		if src, _ := models.UserSource(context.Background(), env.App.DB, a.bot.ID, u.ID); src != "ad_42" {
			t.Fatalf("source = %q", src)
		}
	}, apptest.Webhooks())
}
