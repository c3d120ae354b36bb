package models_test

import (
	"context"
	"os"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// benchInbox seeds, on PostgreSQL, one bot with 100,000 users who all
// wrote (a conversation each, a third of them done), 1,000,000 messages
// spread over them, and a user with 10,000 messages of their own.
func benchInbox(b *testing.B) (*bun.DB, string) {
	b.Helper()
	if os.Getenv(dbtest.PostgresEnv) == "" {
		b.Skip("the inbox benchmark runs on PostgreSQL (" + dbtest.PostgresEnv + ")")
	}
	db := dbtest.Open(b, "postgres")
	bot := seedBot(b, db)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO bot_users (bot_id, user_id, username, first_name, last_name, name, started_at, last_seen_at)
		 SELECT ?, g, 'user' || g, 'First' || g, 'Last' || (g % 997), 'First' || g || ' Last' || (g % 997), now(), now()
		 FROM generate_series(1, 100000) g`,
		`INSERT INTO conversations (bot_id, user_id, status, unread, messages_in, messages_out, last_message_id, last_text, last_direction, last_at)
		 SELECT ?, g, CASE WHEN g % 3 = 0 THEN 'done' ELSE 'open' END, g % 4, 10, 0, g, 'hello ' || g, 'in', now() - g * interval '1 second'
		 FROM generate_series(1, 100000) g`,
		`INSERT INTO messages (bot_id, user_id, direction, origin, kind, text, created_at)
		 SELECT ?, 1 + g % 100000, 'in', 'user', 'text', 'message ' || g, now() - g * interval '1 second'
		 FROM generate_series(1, 1000000) g`,
		`INSERT INTO messages (bot_id, user_id, direction, origin, kind, text, created_at)
		 SELECT ?, 424242, CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END, 'user', 'text', 'long talk ' || g, now() - g * interval '1 second'
		 FROM generate_series(1, 10000) g`,
	} {
		if _, err := db.ExecContext(ctx, q, bot); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `ANALYZE bot_users; ANALYZE conversations; ANALYZE messages`); err != nil {
		b.Fatal(err)
	}
	return db, bot
}

// BenchmarkInbox: the first page of the inbox (open, all, a search) and a
// conversation's newest messages and an older page, each as the store
// reads it for one request. Baseline: the count of the bot's open
// conversations alone.
func BenchmarkInbox(b *testing.B) {
	db, bot := benchInbox(b)
	ctx := context.Background()
	w := models.Window{Limit: 20}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("baseline/count-open", func() error {
		_, err := models.CountConversations(ctx, db, bot, models.ConversationFilter{Status: models.ConversationOpen})
		return err
	})
	run("first-page-open", func() error {
		_, _, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Status: models.ConversationOpen}, w)
		return err
	})
	run("first-page-all", func() error {
		_, _, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{}, w)
		return err
	})
	run("search-first-page", func() error {
		_, _, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Q: "first4242", Status: models.ConversationOpen}, w)
		return err
	})
	run("unread-total", func() error {
		_, err := models.UnreadConversations(ctx, db, bot)
		return err
	})
	run("conversation-newest-50", func() error {
		_, _, err := models.MessagesOf(ctx, db, bot, 424242, 0, 50)
		return err
	})
	var newest int64
	if err := db.NewSelect().TableExpr("messages").ColumnExpr("max(id)").Where("user_id = 424242").Scan(ctx, &newest); err != nil {
		b.Fatal(err)
	}
	run("conversation-older-50", func() error {
		_, _, err := models.MessagesOf(ctx, db, bot, 424242, newest-5000, 50)
		return err
	})
}
