package events_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkPublishInATransaction is what raising an event adds to a
// feature's transaction, next to two baselines of the same run: the
// transaction alone (one SELECT 1), and the same row inserted without the
// bus (no validation, no NOTIFY).
func BenchmarkPublishInATransaction(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		url := dbtest.URL(b, d)
		db, err := database.Open(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := database.Migrate(context.Background(), db); err != nil {
			b.Fatal(err)
		}
		bus, err := events.New(context.Background(), db, url, quiet, events.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer bus.Close()
		ctx := context.Background()
		e := events.BotStatus("usr_b", "bot_b", "warning", "Telegram cannot deliver updates to Botdeck.")
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
				return models.InsertEvent(ctx, tx, &models.EventRecord{Scope: e.Scope, BotID: e.BotID, Kind: string(e.Kind),
					Subject: e.Subject, Data: string(e.Data)}, "")
			})
		})
		b.Run(string(d)+"/publish", func(b *testing.B) {
			inTx(b, func(ctx context.Context, tx bun.Tx) error { return bus.Publish(ctx, tx, e) })
		})
	}
}
