package demo

import (
	"context"
	"time"

	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// simulate keeps the demo alive: every second or two something happens to
// one of the bots, through the same webhook path real Telegram uses.
func (w *world) simulate(ctx context.Context) {
	lastBroadcastCheck := time.Now()
	for n := 2; ; n++ {
		if time.Since(lastBroadcastCheck) > 20*time.Second {
			w.keepBroadcasting(ctx, n)
			lastBroadcastCheck = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(700+w.rng.IntN(1300)) * time.Millisecond):
		}
		db := w.bots[w.rng.IntN(len(w.bots))]
		switch r := w.rng.IntN(100); {
		case r < 35 || len(db.users) == 0:
			w.startUser(db, time.Time{})
		case r < 70:
			w.push(db, telegramtest.MessageUpdate(db.users[w.rng.IntN(len(db.users))], w.people.message()), time.Time{})
		case r < 73:
			w.push(db, telegramtest.BotBlockedUpdate(db.users[w.rng.IntN(len(db.users))], db.fake.User()), time.Time{})
		case r < 75:
			w.push(db, telegramtest.BotUnblockedUpdate(db.users[w.rng.IntN(len(db.users))], db.fake.User()), time.Time{})
		case r < 92 && db.chat != nil:
			w.campaignJoin(db, time.Time{})
		case r < 97 && db.chat != nil && len(db.members) > 0:
			w.campaignLeave(db, time.Time{})
		default:
			w.extra(ctx, db)
		}
	}
}

// extra is traffic that is not a Telegram update: a website calling the
// first bot's custom webhooks.
func (w *world) extra(ctx context.Context, _ *demoBot) {
	w.handlerTraffic(ctx)
}
