package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkOutbox is what queueing an answer adds to the processing
// transaction, and what the sender's claim and record cost per message,
// next to two baselines of the same run: an empty transaction (SELECT 1)
// and the same row inserted directly (no NOTIFY, no wake-up).
func BenchmarkOutbox(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		bot := env.ConnectBot(b, owner, "bench_bot")
		db := env.App.DB
		box := env.App.Outbox
		ctx := context.Background()
		msg := outbox.Text(bot.ID, 12345, "Hi Ann, welcome! Press a button below to see our prices.", "", nil)
		msg.Origin = outbox.OriginReply
		inTx := func(b *testing.B, fn func(ctx context.Context, tx bun.Tx) error) {
			for b.Loop() {
				if err := db.RunInTx(ctx, nil, fn); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(string(d)+"/baseline-empty-transaction", func(b *testing.B) {
			inTx(b, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "SELECT 1")
				return err
			})
		})
		b.Run(string(d)+"/baseline-plain-insert", func(b *testing.B) {
			inTx(b, func(ctx context.Context, tx bun.Tx) error {
				now := models.Now()
				_, err := models.InsertOutbox(ctx, tx, &models.OutboxMessage{BotID: bot.ID, ChatID: 12345, Method: "sendMessage",
					Params: `{"chat_id":12345,"text":"Hi Ann, welcome! Press a button below to see our prices."}`, Origin: "reply",
					Status: models.OutboxQueued, NotBefore: now, CreatedAt: now, UpdatedAt: now})
				return err
			})
		})
		b.Run(string(d)+"/enqueue", func(b *testing.B) {
			inTx(b, func(ctx context.Context, tx bun.Tx) error { return box.Enqueue(ctx, tx, msg) })
		})
		b.Run(string(d)+"/claim-and-record", func(b *testing.B) {
			now := models.Now()
			epoch, ok, err := models.AcquireOutboxLease(ctx, db, bot.ID, "bench", now.Add(time.Hour), now)
			if err != nil || !ok {
				b.Fatal("lease", err)
			}
			defer models.ReleaseOutboxLease(ctx, db, bot.ID, "bench", epoch) //nolint:errcheck
			for b.Loop() {
				m, err := models.ClaimOutbox(ctx, db, bot.ID, "bench", epoch, models.Now(), nil)
				if err != nil || m == nil {
					b.Fatal("claim", err)
				}
				if _, err := models.FinishOutbox(ctx, db, m.ID, epoch, models.OutboxOutcome{Status: models.OutboxSent, MessageID: 1}, models.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
