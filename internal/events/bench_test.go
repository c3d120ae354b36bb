package events_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
)

// BenchmarkPublishInATransaction is what raising an event adds to a
// feature's transaction (an INSERT, and on PostgreSQL the NOTIFY in the
// same statement), next to the same transaction with one plain INSERT of a
// similar row (bot_logs) as the baseline.
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
		if _, err := db.ExecContext(ctx, "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ('usr_b', 'b@example.com', '', '', ?, ?)", "2026-01-01 00:00:00", "2026-01-01 00:00:00"); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO bots (id, owner_id, telegram_id, username, name, token_ciphertext, token_hash, token_masked, status, status_reason, update_mode, webhook_secret, webhook_url, webhook_set, description, tags, created_at, updated_at) VALUES ('bot_b', 'usr_b', 1, 'b_bot', 'B', ?, 'h', 'm', 'active', '', 'polling', 's', '', false, '', '[]', ?, ?)", []byte{0}, "2026-01-01 00:00:00", "2026-01-01 00:00:00"); err != nil {
			b.Fatal(err)
		}
		e := events.BotStatus("usr_b", "bot_b", "warning", "Telegram cannot deliver updates to Botdeck.")
		b.Run(string(d)+"/baseline-log-insert", func(b *testing.B) {
			for b.Loop() {
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO bot_logs (bot_id, level, source, message, detail, created_at) VALUES ('bot_b', 'info', 'botdeck', ?, '', ?)",
						json.RawMessage(e.Data), "2026-01-01 00:00:00")
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(d)+"/publish", func(b *testing.B) {
			for b.Loop() {
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return bus.Publish(ctx, tx, e)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
