package handlers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestOneBotsUpdatesAreProcessedInOrder sends, back to back, updates whose
// meaning depends on their order (block, unblock, block again) while the
// background workers run. Several workers share the processing; a bot's
// updates must still take effect in update_id order, or a user who blocked
// the bot last would end up unblocked (and a campaign lead who joined and
// left would stay "joined").
func TestOneBotsUpdatesAreProcessedInOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, _ := webhookBot(t, env, "order_bot")
		me := bot.Fake.User()
		const people = 25
		for i := range people {
			u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprintf("P%d", i)})
			for _, upd := range []telego.Update{
				telegramtest.MessageUpdate(u, "/start"),
				telegramtest.BotBlockedUpdate(u, me),
				telegramtest.BotUnblockedUpdate(u, me),
				telegramtest.BotBlockedUpdate(u, me),
			} {
				if res, err := env.Telegram.Push(bot.Fake.Token, upd); err != nil || !res.Delivered {
					t.Fatalf("delivery: %+v %v", res, err)
				}
			}
		}
		apptest.Eventually(t, 20*time.Second, "every update processed", func() bool {
			n, err := env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).
				Where("bot_id = ?", bot.ID).Where("processed_at IS NOT NULL").Count(context.Background())
			return err == nil && n == people*4
		})
		var unblocked []string
		if err := env.App.DB.NewSelect().Model((*models.BotUser)(nil)).Column("first_name").
			Where("bot_id = ?", bot.ID).Where("bot_blocked = ?", false).Scan(context.Background(), &unblocked); err != nil {
			t.Fatal(err)
		}
		if len(unblocked) > 0 {
			t.Fatalf("blocked last, yet shown as not blocked (updates applied out of order): %v", unblocked)
		}
	}, apptest.Webhooks(), apptest.Workers())
}
