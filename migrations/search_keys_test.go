package migrations_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/migrations"
)

// TestSearchKeysAreBackfilled: rows written before search_key existed get
// their key from the migration's backfill (more than one batch of users).
func TestSearchKeysAreBackfilled(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ('usr_1', 'a@example.com', 'A', 'x', ?, ?)`, "2026-01-01 00:00:00", "2026-01-01 00:00:00")
		exec(`INSERT INTO workspaces (id, name, created_at) VALUES ('ws_1', 'A', ?)`, "2026-01-01 00:00:00")
		exec(`INSERT INTO bots (id, owner_id, telegram_id, username, name, token_ciphertext, token_hash, token_masked, status, update_mode, webhook_secret, created_at, updated_at)
			VALUES ('bot_1', 'ws_1', 1, 'StrasseBot', 'Große Straße', ?, 'h', 'm', 'active', 'polling', 's', ?, ?)`, []byte("x"), "2026-01-01 00:00:00", "2026-01-01 00:00:00")
		exec(`INSERT INTO campaigns (id, bot_id, chat_id, chat_title, name, invite_link, status, created_at, updated_at)
			VALUES ('cmp_1', 'bot_1', -1, 'Ελληνικά', 'Весна', 'https://t.me/+x', 'active', ?, ?)`, "2026-01-01 00:00:00", "2026-01-01 00:00:00")
		exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5003)
			INSERT INTO bot_users (bot_id, user_id, first_name, last_name, username, name, started_at, last_seen_at)
			SELECT 'bot_1', i, 'İlkay', 'Власов', '', 'İlkay Власов', ?, ? FROM n`, "2026-01-01 00:00:00", "2026-01-01 00:00:00")
		if err := migrations.BackfillSearchKeys(ctx, db); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.NewRaw(`SELECT count(*) FROM bot_users WHERE search_key = ' ilkay власов'`).Scan(ctx, &n); err != nil || n != 5003 {
			t.Errorf("bot users backfilled: %d %v", n, err)
		}
		var bot, campaign string
		db.NewRaw(`SELECT search_key FROM bots WHERE id = 'bot_1'`).Scan(ctx, &bot)
		db.NewRaw(`SELECT search_key FROM campaigns WHERE id = 'cmp_1'`).Scan(ctx, &campaign)
		if bot != " grosse strasse strassebot" || campaign != " весна ελληνικα" {
			t.Errorf("bot key %q, campaign key %q", bot, campaign)
		}
	})
}
