package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/ingest"
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

// failingHook fails the processing of one update while failures > 0.
type failingHook struct {
	updateID int64
	failures atomic.Int32
}

func (h *failingHook) Handle(_ context.Context, _ bun.Tx, ev *ingest.Event) error {
	if ev.Update.ID == h.updateID && h.failures.Add(-1) >= 0 {
		return errors.New("simulated failure")
	}
	return nil
}

func processedIDs(t *testing.T, env *apptest.Env, botID string) []int64 {
	t.Helper()
	var ids []int64
	if err := env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).Column("update_id").Where("bot_id = ?", botID).
		Where("processed_at IS NOT NULL").Order("update_id").Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestAnUpdateThatFailsHoldsBackTheBotsLaterOnes: when one update cannot be
// processed yet, the bot's later updates wait behind it rather than take
// effect first; one that keeps failing is given up on (logged) after three
// attempts, and the rest follow.
func TestAnUpdateThatFailsHoldsBackTheBotsLaterOnes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, _ := webhookBot(t, env, "held_bot")
		me := bot.Fake.User()
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		push := func(u telego.Update) int64 {
			res, err := env.Telegram.Push(bot.Fake.Token, u)
			if err != nil || !res.Delivered {
				t.Fatalf("delivery: %+v %v", res, err)
			}
			return int64(res.UpdateID)
		}
		started := push(telegramtest.MessageUpdate(ann, "/start"))
		blocked := push(telegramtest.BotBlockedUpdate(ann, me)) // fails at first
		unblocked := push(telegramtest.BotUnblockedUpdate(ann, me))
		hook := &failingHook{updateID: blocked}
		hook.failures.Store(2) // in the batch, then alone
		env.App.Ingest.AddHook(hook)

		env.Process(t)
		if got := processedIDs(t, env, bot.ID); !slices.Equal(got, []int64{started}) {
			t.Fatalf("processed %v: the unblock must wait behind the failed block %d", got, blocked)
		}
		env.Process(t) // the failure was transient
		if got := processedIDs(t, env, bot.ID); !slices.Equal(got, []int64{started, blocked, unblocked}) {
			t.Fatalf("processed %v after the retry", got)
		}
		if botUser(t, env, bot.ID, ann.ID).BotBlocked {
			t.Fatal("blocked then unblocked, in that order: not blocked")
		}

		// An update that never succeeds is given up on after three attempts,
		// with a line in the bot's log, and what came after it goes on.
		poisoned := push(telegramtest.BotBlockedUpdate(ann, me))
		after := push(telegramtest.BotUnblockedUpdate(ann, me))
		poison := &failingHook{updateID: poisoned}
		poison.failures.Store(1000)
		env.App.Ingest.AddHook(poison)
		for range 3 {
			env.Process(t)
		}
		if got := processedIDs(t, env, bot.ID); !slices.Equal(got, []int64{started, blocked, unblocked, poisoned, after}) {
			t.Fatalf("processed %v: the poison update is settled and the next one follows", got)
		}
		var logs []models.BotLog
		env.App.DB.NewSelect().Model(&logs).Where("bot_id = ?", bot.ID).Where("source = ?", models.SourceIngest).Scan(context.Background())
		if len(logs) != 1 || !strings.Contains(logs[0].Message, fmt.Sprintf("Update %d", poisoned)) || logs[0].Level != models.LogError {
			t.Fatalf("the skipped update is logged for the owner: %+v", logs)
		}
	}, apptest.Webhooks())
}
