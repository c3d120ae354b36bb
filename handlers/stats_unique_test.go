package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestActiveUsersCountEachPersonOnce: the period's active users are people,
// not a sum of daily actives; today is marked partial; the change against
// the period before is given once Botdeck has the activity to tell it.
func TestActiveUsersCountEachPersonOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "unique@example.com")
		bot := env.ConnectBot(t, owner, "unique_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		bob := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Bob"})
		now := time.Now().UTC()
		// Ann writes on three days, Bob today: 4 daily actives, 2 people.
		for _, daysAgo := range []int{2, 1, 0} {
			u := telegramtest.MessageUpdate(ann, "hi")
			u.Message.Date = now.AddDate(0, 0, -daysAgo).Unix()
			if _, err := env.Telegram.Push(bot.Fake.Token, u); err != nil {
				t.Fatal(err)
			}
		}
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(bob, "hello"))
		env.Process(t)

		stats := func() map[string]any {
			return owner.Get(t, "/api/bots/"+bot.ID+"/stats?days=7").Expect(t, http.StatusOK).Data(t)
		}
		d := stats()
		var summed int64
		daily := insDaily(t, d)
		for i, day := range daily {
			summed += insNum(t, day, "activeUsers")
			if partial := day["partial"] == true; partial != (i == len(daily)-1) {
				t.Errorf("day %v partial=%v: only today is", day["date"], day["partial"])
			}
		}
		if got := insNum(t, d, "activeUsers"); got != 2 || summed != 4 {
			t.Fatalf("activeUsers %d (daily actives sum to %d), want 2 people (4)", got, summed)
		}
		// Activity was not kept before this Botdeck was installed: unknown, not 0.
		if d["activeUsersPrevious"] != nil {
			t.Errorf("activeUsersPrevious before tracking: %v", d["activeUsersPrevious"])
		}

		// With history: Carl was active 10 days ago, in the 7 days before.
		if err := models.SetActivityTrackedSince(ctx, env.App.DB, models.Day(now.AddDate(0, 0, -30))); err != nil {
			t.Fatal(err)
		}
		carl := now.AddDate(0, 0, -10)
		insUsers(t, env, bot.ID, models.BotUser{UserID: 77, FirstName: "Carl", Name: "Carl", StartedAt: carl})
		if err := models.RecordActiveDay(ctx, env.App.DB, bot.ID, models.Day(carl), []int64{77}); err != nil {
			t.Fatal(err)
		}
		d = stats()
		if insNum(t, d, "activeUsers") != 2 || d["activeUsersPrevious"] != float64(1) {
			t.Fatalf("with history: active %v, previous %v", d["activeUsers"], d["activeUsersPrevious"])
		}
		page := owner.Get(t, "/bots/"+bot.ID+"/stats?days=7").Expect(t, http.StatusOK).Text()
		for _, want := range []string{"2 different in 7 days", "Up 100% on the 7 days before", "(today, so far)"} {
			if !strings.Contains(page, want) {
				t.Errorf("the stats page does not say %q", want)
			}
		}
		// The account's numbers count the same way.
		acc := owner.Get(t, "/api/stats?days=7").Expect(t, http.StatusOK).Data(t)
		if insNum(t, acc, "activeUsers") != 2 || acc["activeUsersPrevious"] != float64(1) {
			t.Errorf("account stats: active %v, previous %v", acc["activeUsers"], acc["activeUsersPrevious"])
		}
	}, apptest.Webhooks())
}
