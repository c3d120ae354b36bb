package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func TestBotOverviewHealthLineAndDangerZone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "overview@example.com")
		bot := env.ConnectBot(t, owner, "overview_bot")
		page := owner.Get(t, "/bots/"+bot.ID).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"No updates yet: send /start to @overview_bot", `href="https://t.me/overview_bot"`, "Danger zone"} {
			if !strings.Contains(page, want) {
				t.Errorf("a new bot's page lacks %q", want)
			}
		}
		if strings.Index(page, "Danger zone") < strings.Index(page, "Notes") {
			t.Error("dangerous actions come last, below the settings")
		}

		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		if res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "/start")); err != nil || !res.Delivered {
			t.Fatalf("push: %+v %v", res, err)
		}
		env.Process(t)
		if page := owner.Get(t, "/bots/"+bot.ID).Text(); !strings.Contains(page, "Receiving updates ✓ — the last one") {
			t.Error("a bot that receives updates says so")
		}
		owner.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		if page := owner.Get(t, "/bots/"+bot.ID).Text(); !strings.Contains(page, "Not receiving updates: the bot is stopped.") {
			t.Error("a stopped bot says it receives nothing")
		}
	}, apptest.Webhooks())
}
