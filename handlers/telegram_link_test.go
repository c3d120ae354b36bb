package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// linkStart is the "/start bdlink-…" text a link's URL carries.
func linkStart(t *testing.T, url string) string {
	t.Helper()
	_, param, ok := strings.Cut(url, "?start=")
	if !ok || !strings.HasPrefix(param, "bdlink-") {
		t.Fatalf("link url %q", url)
	}
	return "/start " + param
}

func TestTelegramLinkLinksTheMemberWhoOpensIt(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "linker@example.com")
		bot := env.ConnectBot(t, c, "link_bot")
		me := env.Telegram.AddUser(telegramtest.UserSpec{ID: 8101, FirstName: "Lin", Username: "lin_k"})
		stranger := env.Telegram.AddUser(telegramtest.UserSpec{ID: 8102, FirstName: "Eve"})

		if d := c.Get(t, "/api/me/telegram-link").Expect(t, http.StatusOK).Data(t); d["linked"] != false {
			t.Fatalf("linked before any link: %v", d)
		}
		d := c.Post(t, "/api/me/telegram-link", nil).Expect(t, http.StatusOK).Data(t)
		if d["botId"] != bot.ID || d["bot"] != "@link_bot" || !strings.HasPrefix(d["url"].(string), "https://t.me/link_bot?start=bdlink-") {
			t.Fatalf("link: %v", d)
		}
		start := linkStart(t, d["url"].(string))

		say(t, env, bot, me, start)
		if _, err := env.App.Outbox.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := c.Get(t, "/api/me/telegram-link").Expect(t, http.StatusOK).Data(t)
		if got["linked"] != true || got["telegramUserId"] != float64(8101) || got["username"] != "lin_k" || got["botId"] != bot.ID {
			t.Fatalf("after opening the link: %v", got)
		}
		sent := env.Telegram.SentMessagesTo(bot.Fake.Token, me.ID)
		if len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "Linked:") {
			t.Fatalf("the bot's confirmation: %+v", sent)
		}
		// The link is not a deep-link source, and not answered by the
		// bot's replies (its starter /start answer).
		u := c.Get(t, "/api/bots/"+bot.ID+"/users/8101").Expect(t, http.StatusOK).Data(t)
		if src, _ := u["source"].(string); src != "" {
			t.Fatalf("source recorded from a link: %q", src)
		}

		// Used once: someone else opening the same link links nothing.
		say(t, env, bot, stranger, start)
		if _, err := env.App.Outbox.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.Get(t, "/api/me/telegram-link").Data(t); got["telegramUserId"] != float64(8101) {
			t.Fatalf("a used link re-linked: %v", got)
		}
		if sent := env.Telegram.SentMessagesTo(bot.Fake.Token, stranger.ID); len(sent) != 1 || !strings.Contains(sent[0].Text, "expired or was already used") {
			t.Fatalf("answer to a used link: %+v", sent)
		}

		c.Delete(t, "/api/me/telegram-link").Expect(t, http.StatusOK)
		if got := c.Get(t, "/api/me/telegram-link").Data(t); got["linked"] != false {
			t.Fatalf("after unlinking: %v", got)
		}
	}, apptest.Webhooks())
}

func TestTelegramLinkRefusesOtherOwnersBotsAndUnknownFields(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice-link@example.com")
		bob := env.SignUp(t, "bob-link@example.com")
		bobBot := env.ConnectBot(t, bob, "bobs_link_bot")

		// No bot yet: a clear 422.
		if code := alice.Post(t, "/api/me/telegram-link", nil).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code == "" {
			t.Fatal("no error code")
		}
		alice.Post(t, "/api/me/telegram-link", map[string]any{"botId": bobBot.ID}).Expect(t, http.StatusNotFound)
		alice.Post(t, "/api/me/telegram-link", map[string]any{"botId": "nonsense"}).Expect(t, http.StatusNotFound)
		if code := alice.Post(t, "/api/me/telegram-link", map[string]any{"bot": "x"}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "unknown_field" {
			t.Fatalf("unknown field: %s", code)
		}

		// A link made for Bob's bot does not work through Alice's bot.
		aliceBot := env.ConnectBot(t, alice, "alices_link_bot")
		d := bob.Post(t, "/api/me/telegram-link", map[string]any{"botId": bobBot.ID}).Expect(t, http.StatusOK).Data(t)
		u := env.Telegram.AddUser(telegramtest.UserSpec{ID: 8201, FirstName: "Mal"})
		say(t, env, aliceBot, u, linkStart(t, d["url"].(string)))
		if got := bob.Get(t, "/api/me/telegram-link").Data(t); got["linked"] != false {
			t.Fatalf("linked through another owner's bot: %v", got)
		}

		// The account page offers the link.
		page := alice.Get(t, "/account").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Link Telegram") {
			t.Fatal("account page has no Telegram card")
		}
		res := alice.Post(t, "/account/telegram-link", nil, "Content-Type", "application/x-www-form-urlencoded").Expect(t, http.StatusOK)
		if !strings.Contains(res.Text(), "https://t.me/alices_link_bot?start=bdlink-") {
			t.Fatal("the page does not show the link")
		}
	}, apptest.Webhooks())
}
