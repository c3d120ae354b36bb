package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func TestStatsPageCountsSources(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "sources@example.com")
		bot := env.ConnectBot(t, owner, "sources_bot")
		page := owner.Get(t, "/bots/"+bot.ID+"/stats").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "No new user came through a deep link") || !strings.Contains(page, "https://t.me/sources_bot?start=spring_ad") {
			t.Fatal("an empty Sources card explains itself and offers a link")
		}
		for _, name := range []string{"Ann", "Bo"} {
			u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: name})
			if res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "/start promo_7")); err != nil || !res.Delivered {
				t.Fatalf("push: %+v %v", res, err)
			}
		}
		env.Process(t)
		page = owner.Get(t, "/bots/"+bot.ID+"/stats").Text()
		if !strings.Contains(page, ">promo_7</th>") || !strings.Contains(page, "https://t.me/sources_bot?start=promo_7") {
			t.Fatal("the card lists the source with its link")
		}
		if strings.Contains(owner.Get(t, "/api/bots/"+bot.ID+"/stats").Text(), "promo_7") {
			t.Fatal("the JSON stats do not pay for the page's card (sources have their own route)")
		}
	}, apptest.Webhooks())
}
