package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkSegments measures a segment's live count (GET
// /api/segments/{id}) and the first page of its users (the users page
// with segment=) over BOTDECK_BENCH_SEGMENT_USERS users (1,000,000 by
// default) on PostgreSQL, tagged as in BenchmarkUsersAudienceFilters. The
// unfiltered first page is the same-run baseline.
func BenchmarkSegments(b *testing.B) {
	if !slicesContains(dbtest.Dialects(), "postgres") {
		b.Skip("PostgreSQL only: set " + dbtest.PostgresEnv)
	}
	n := envInt("BOTDECK_BENCH_SEGMENT_USERS", 1_000_000)
	env := apptest.Start(b, "postgres")
	owner := env.SignUp(b, "segbench@example.com")
	bot := env.ConnectBot(b, owner, "segment_bench_bot")
	bulkSeedUsers(b, env, bot.ID, n, realisticUser)
	seedAttributes(b, env, bot.ID, n)
	cookies := owner.Cookies()
	h := env.App.Handler()
	get := func(b *testing.B, path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	b.Run(fmt.Sprintf("postgres-%dk/baseline/first-page", n/1000), func(b *testing.B) {
		for b.Loop() {
			get(b, "/bots/"+bot.ID+"/users")
		}
	})
	// The previous way to count a tag (before the counters): walking its
	// index entries, the same-run reference for the counted segments.
	b.Run(fmt.Sprintf("postgres-%dk/baseline/walk-common-tag", n/1000), func(b *testing.B) {
		for b.Loop() {
			if _, err := env.App.DB.NewSelect().Model((*models.BotUserTag)(nil)).Where("bot_id = ?", bot.ID).
				Where("tag = ?", "common").Count(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, s := range []struct {
		name   string
		filter map[string]any
	}{
		{"tag-rare", map[string]any{"tag": []string{"rare"}}},
		{"tag-common", map[string]any{"tag": []string{"common"}}},
		{"common-not-rare", map[string]any{"tag": []string{"common"}, "notTag": []string{"rare"}}},
		{"prop-equals", map[string]any{"prop": map[string]any{"plan": "gold"}}},
	} {
		seg := owner.Post(b, "/api/bots/"+bot.ID+"/segments", map[string]any{"name": s.name, "filter": s.filter}).
			Expect(b, http.StatusCreated).Data(b)
		id := seg["id"].(string)
		b.Run(fmt.Sprintf("postgres-%dk/%s/count", n/1000, s.name), func(b *testing.B) {
			for b.Loop() {
				get(b, "/api/segments/"+id)
			}
		})
		b.Run(fmt.Sprintf("postgres-%dk/%s/first-page", n/1000, s.name), func(b *testing.B) {
			for b.Loop() {
				get(b, "/bots/"+bot.ID+"/users?segment="+id)
			}
		})
	}
}

func slicesContains(ds []dbtest.Dialect, want dbtest.Dialect) bool {
	for _, d := range ds {
		if d == want {
			return true
		}
	}
	return false
}
