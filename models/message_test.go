package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func seedUser(t *testing.T, db *bun.DB, botID string, id int64, first string) {
	t.Helper()
	now := models.Now()
	_, err := models.InsertBotUsersIfNew(context.Background(), db, []*models.BotUser{{BotID: botID, UserID: id,
		FirstName: first, Name: first, Username: first + "_u", StartedAt: now, LastSeenAt: now}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInsertMessagesKeepsConversations(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		seedUser(t, db, bot, 1, "Ann")
		seedUser(t, db, bot, 2, "Bob")
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		in := func(user int64, text string, at time.Time) *models.Message {
			return &models.Message{BotID: bot, UserID: user, Direction: models.DirectionIn, Origin: models.OriginUser, Text: text, CreatedAt: at}
		}
		// One batch: two messages of Ann, one of Bob (one statement each).
		if err := models.InsertMessages(ctx, db, in(1, "hi", t0), in(2, "yo", t0.Add(time.Second)), in(1, "there", t0.Add(2*time.Second))); err != nil {
			t.Fatal(err)
		}
		ann, err := models.ConversationOf(ctx, db, bot, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ann.Unread != 2 || ann.MessagesIn != 2 || ann.LastText != "there" || ann.Status != models.ConversationOpen {
			t.Fatalf("ann's conversation: %+v", ann)
		}
		// The bot answers Ann with a photo; then she is done.
		out := &models.Message{BotID: bot, UserID: 1, Direction: models.DirectionOut, Origin: models.OriginDashboard,
			Kind: models.MessagePhoto, FileID: "F1", By: "usr_x", CreatedAt: t0.Add(3 * time.Second)}
		if err := models.InsertMessages(ctx, db, out); err != nil {
			t.Fatal(err)
		}
		if out.ID == 0 {
			t.Fatal("InsertMessages must set ids")
		}
		ann, _ = models.ConversationOf(ctx, db, bot, 1)
		if ann.Unread != 2 || ann.MessagesOut != 1 || ann.LastText != "[photo]" || ann.LastDirection != models.DirectionOut {
			t.Fatalf("after the answer: %+v", ann)
		}
		if _, err := models.MarkConversationRead(ctx, db, bot, 1); err != nil {
			t.Fatal(err)
		}
		done, err := models.SetConversationStatus(ctx, db, bot, 1, models.ConversationDone)
		if err != nil || done.Status != models.ConversationDone || done.Unread != 0 {
			t.Fatalf("done: %+v %v", done, err)
		}
		// Bob's conversation is newest-first above… until Ann writes again,
		// which reopens hers.
		rows, more, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Status: models.ConversationOpen}, models.Window{Limit: 10})
		if err != nil || more || len(rows) != 1 || rows[0].UserID != 2 || rows[0].Name != "Bob" {
			t.Fatalf("open inbox: %+v more=%v err=%v", rows, more, err)
		}
		if err := models.InsertMessages(ctx, db, in(1, "again", t0.Add(4*time.Second))); err != nil {
			t.Fatal(err)
		}
		rows, _, _ = models.ListConversations(ctx, db, bot, models.ConversationFilter{Status: models.ConversationOpen}, models.Window{Limit: 10})
		if len(rows) != 2 || rows[0].UserID != 1 || rows[0].Unread != 1 || rows[1].UserID != 2 {
			t.Fatalf("reopened inbox: %+v", rows)
		}
		// Search by name, by username, by id; counts; the unread total.
		for q, want := range map[string]int64{"bo": 2, "ann_u": 1, "2": 2} {
			rows, _, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Q: q}, models.Window{Limit: 10})
			if err != nil || len(rows) != 1 || rows[0].UserID != want {
				t.Fatalf("search %q: %+v %v", q, rows, err)
			}
		}
		if n, _ := models.CountConversations(ctx, db, bot, models.ConversationFilter{}); n != 2 {
			t.Fatalf("count = %d", n)
		}
		if n, _ := models.UnreadTotal(ctx, db, []string{bot, "bot_b"}); n != 2 {
			t.Fatalf("unread total = %d, want 1 (Ann) + 1 (Bob)", n)
		}
		// Unknown conversations are not found.
		if _, err := models.SetConversationStatus(ctx, db, "bot_b", 1, models.ConversationDone); !isNotFound(err) {
			t.Fatalf("another bot's conversation: %v", err)
		}
	})
}

func isNotFound(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.KindNotFound
}

func TestMessagesOfPagesWithBefore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		seedUser(t, db, bot, 1, "Ann")
		var msgs []*models.Message
		for i := range 25 {
			msgs = append(msgs, &models.Message{BotID: bot, UserID: 1, Direction: models.DirectionIn, Origin: models.OriginUser,
				Text: string(rune('a' + i))})
		}
		if err := models.InsertMessages(ctx, db, msgs...); err != nil {
			t.Fatal(err)
		}
		var seen []int64
		before := int64(0)
		for {
			page, more, err := models.MessagesOf(ctx, db, bot, 1, before, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				seen = append(seen, m.ID)
			}
			if !more {
				break
			}
			before = page[len(page)-1].ID
		}
		if len(seen) != 25 {
			t.Fatalf("paged through %d messages, want 25", len(seen))
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Fatalf("not newest first at %d: %v", i, seen)
			}
		}
		if other, _, _ := models.MessagesOf(ctx, db, "bot_b", 1, 0, 10); len(other) != 0 {
			t.Fatal("another bot's user has no messages")
		}
	})
}

func TestPruneMessageBodies(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		old := models.Now().Add(-48 * time.Hour)
		m1 := &models.Message{BotID: bot, UserID: 1, Direction: models.DirectionIn, Origin: models.OriginUser, Text: "old", CreatedAt: old}
		m2 := &models.Message{BotID: bot, UserID: 1, Direction: models.DirectionIn, Origin: models.OriginUser, Text: "new"}
		if err := models.InsertMessages(ctx, db, m1, m2); err != nil {
			t.Fatal(err)
		}
		n, err := models.PruneMessageBodies(ctx, db, models.Now().Add(-24*time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		got, _ := models.MessageByID(ctx, db, bot, 1, m1.ID)
		if got.Text != "" || !got.Pruned {
			t.Fatalf("old body kept: %+v", got)
		}
		got, _ = models.MessageByID(ctx, db, bot, 1, m2.ID)
		if got.Text != "new" {
			t.Fatalf("new body lost: %+v", got)
		}
		if n, _ := models.PruneMessageBodies(ctx, db, models.Now().Add(-24*time.Hour), 100); n != 0 {
			t.Fatal("a pruned body is pruned once")
		}
	})
}

// TestConversationExcerptIsPlainText: the inbox shows what the person read,
// not the HTML or MarkdownV2 the message was written in.
func TestConversationExcerptIsPlainText(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		seedUser(t, db, bot, 1, "Ann")
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		for i, c := range []struct{ mode, text, want string }{
			{"HTML", "<b>New:</b> our support hours", "New: our support hours"},
			{"MarkdownV2", "*Sale* ends _today_", "Sale ends today"},
			{"HTML", "<b>never closed", "<b>never closed"}, // unparsable: kept as written
		} {
			m := &models.Message{BotID: bot, UserID: 1, Direction: models.DirectionOut, Origin: models.OriginBroadcast,
				Text: c.text, ParseMode: c.mode, CreatedAt: at.Add(time.Duration(i) * time.Second)}
			if err := models.InsertMessages(ctx, db, m); err != nil {
				t.Fatal(err)
			}
			if conv, _ := models.ConversationOf(ctx, db, bot, 1); conv.LastText != c.want {
				t.Errorf("%s %q: excerpt %q, want %q", c.mode, c.text, conv.LastText, c.want)
			}
		}
	})
}
