package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// TestConversationSearchBeyondTheCap: a search matching more users than
// SearchCap still finds every matching conversation (it was limited to
// the conversations of the first SearchCap matching users).
func TestConversationSearchBeyondTheCap(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		const n = models.SearchCap + 200
		for start := 1; start <= n; start += 250 {
			var users []*models.BotUser
			for id := start; id < start+250 && id <= n; id++ {
				users = append(users, &models.BotUser{BotID: bot, UserID: int64(id), FirstName: "Samira", LastName: fmt.Sprint("No", id),
					Name: fmt.Sprint("Samira No", id), StartedAt: now, LastSeenAt: now})
			}
			if _, err := models.InsertBotUsersIfNew(ctx, db, users); err != nil {
				t.Fatal(err)
			}
		}
		// Only the last two matching users ever wrote; a third conversation does not match.
		seedUser(t, db, bot, n+1, "Olga")
		for _, id := range []int64{n - 1, n, n + 1} {
			if err := models.InsertMessages(ctx, db, &models.Message{BotID: bot, UserID: id, Direction: models.DirectionIn,
				Origin: models.OriginUser, Text: "hello", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"samira", "Sa", "SAMIRA"} {
			rows, more, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Q: q}, models.Window{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || more || rows[0].UserID+rows[1].UserID != 2*n-1 {
				t.Fatalf("%q: %d conversations (%+v), want the 2 of Samira No%d and No%d", q, len(rows), rows, n-1, n)
			}
			if c, err := models.CountConversations(ctx, db, bot, models.ConversationFilter{Q: q, Status: models.ConversationOpen}); err != nil || c != 2 {
				t.Fatalf("%q: count %d (%v), want 2", q, c, err)
			}
		}
		// A narrow search still takes the quick path and finds its one.
		rows, _, err := models.ListConversations(ctx, db, bot, models.ConversationFilter{Q: fmt.Sprint("No", n)}, models.Window{Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].UserID != n {
			t.Fatalf("No%d: %+v (%v)", n, rows, err)
		}
	})
}
