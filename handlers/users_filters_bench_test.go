package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkUsersAudienceFilters measures the users page filtered by tags,
// language and a property over BOTDECK_BENCH_AUDIENCE_USERS users
// (100,000 by default): a rare tag (1 user in 1,000), a common one (1 in
// 3), a tag excluded, and a property equal to a value held by 1 in 100.
// The unfiltered first page is the same-run baseline.
func BenchmarkUsersAudienceFilters(b *testing.B) {
	n := envInt("BOTDECK_BENCH_AUDIENCE_USERS", 100_000)
	for _, d := range dbtest.Dialects() {
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		bot := env.ConnectBot(b, owner, "tagged_bot")
		bulkSeedUsers(b, env, bot.ID, n, realisticUser)
		seedAttributes(b, env, bot.ID, n)
		cookies := owner.Cookies()
		h := env.App.Handler()
		base := "/bots/" + bot.ID + "/users"
		for _, c := range []struct{ name, query string }{
			{"baseline/first-page", ""},
			{"tag-rare", "?tag=rare"},
			{"tag-common", "?tag=common"},
			{"tag-common-and-rare", "?tag=common&tag=rare"},
			{"not-tag-common", "?notTag=common"},
			{"language", "?language=de"},
			{"prop-equals", "?prop.plan=gold"},
		} {
			b.Run(fmt.Sprintf("%s-%dk/%s", d, n/1000, c.name), func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, base+c.query, nil)
					for _, ck := range cookies {
						req.AddCookie(ck)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", c.query, rec.Code)
					}
				}
			})
		}
	}
}

// seedAttributes tags user i "rare" when i%1000 == 0 and "common" when
// i%3 == 0, and gives 1 in 100 the property plan = "gold".
func seedAttributes(b *testing.B, env *apptest.Env, botID string, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var tags []models.BotUserTag
	var props []models.BotUserProp
	flush := func() {
		if len(tags) > 0 {
			if err := models.AddUserTags(ctx, env.App.DB, tags); err != nil {
				b.Fatal(err)
			}
		}
		if err := models.SetUserProps(ctx, env.App.DB, props); err != nil {
			b.Fatal(err)
		}
		tags, props = tags[:0], props[:0]
	}
	for i := 1; i <= n; i++ {
		id := benchUserID(i)
		if i%1000 == 0 {
			tags = append(tags, models.BotUserTag{BotID: botID, UserID: id, Tag: "rare", CreatedAt: now})
		}
		if i%3 == 0 {
			tags = append(tags, models.BotUserTag{BotID: botID, UserID: id, Tag: "common", CreatedAt: now})
		}
		if i%100 == 0 {
			props = append(props, models.BotUserProp{BotID: botID, UserID: id, Name: "plan", Value: `"gold"`, UpdatedAt: now})
		}
		if len(tags) >= 2000 {
			flush()
		}
	}
	flush()
	if dbtest.Dialect(env.Dialect) == "postgres" {
		if _, err := env.App.DB.ExecContext(ctx, "ANALYZE bot_user_tags; ANALYZE bot_user_props"); err != nil {
			b.Fatal(err)
		}
	}
}
