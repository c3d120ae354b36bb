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

// BenchmarkBotList measures the bot list (query + page render, through the
// whole middleware chain, in-process) over 10,000 bots of one account, on
// each dialect, next to a bare handler and /healthz measured in the same
// run. Run: make bench, or
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench BotList -benchtime 200x ./handlers/
func BenchmarkBotList(b *testing.B) {
	b.Run("baseline/bare-handler", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"data":[]}`))
		})
		req := httptest.NewRequest(http.MethodGet, "/bare", nil)
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	for _, d := range dbtest.Dialects() {
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		seedBots(b, env, owner.Workspace(b), 10_000)
		cookies := owner.Cookies()
		h := env.App.Handler()
		run := func(name, path string, hx bool) {
			b.Run(string(d)+"/"+name, func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					for _, c := range cookies {
						req.AddCookie(c)
					}
					if hx {
						req.Header.Set("HX-Request", "true")
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", path, rec.Code)
					}
				}
			})
		}
		run("healthz", "/healthz", false)
		run("page/first", "/bots", false)
		run("page/search", "/bots?q=bot+42", false)
		run("fragment/search-as-you-type", "/bots?q=ach", true)
		run("page/filter-stopped", "/bots?status=stopped", false)
		run("page/sort-users", "/bots?sort=users", false)
		run("api/first", "/api/bots", false)
		run("api/search", "/api/bots?q=bot+42", false)
		run("api/filter-error-sorted-by-name", "/api/bots?status=error&sort=name", false)
	}
}

// seedBots inserts n bots for ownerID directly (connecting 10,000 bots
// through the fake Bot API would only measure the fake). A tenth are
// stopped, a twentieth in error.
func seedBots(b testing.TB, env *apptest.Env, ownerID string, n int) {
	b.Helper()
	ctx := context.Background()
	now := models.Now()
	words := []string{"Support", "Shop", "Weather", "Quiz", "News", "Coach", "Deals", "Music"}
	const chunk = 500
	for start := 0; start < n; start += chunk {
		bots := make([]models.Bot, 0, chunk)
		for i := start; i < min(start+chunk, n); i++ {
			status := models.BotActive
			switch {
			case i%20 == 0:
				status = models.BotError
			case i%10 == 0:
				status = models.BotStopped
			}
			bots = append(bots, models.Bot{
				ID: models.NewID("bot"), OwnerID: ownerID, TelegramID: int64(1_000_000 + i),
				Username: fmt.Sprintf("%s_%d_bot", words[i%len(words)], i), Name: fmt.Sprintf("%s bot %d", words[i%len(words)], i),
				TokenCiphertext: []byte("x"), TokenHash: fmt.Sprintf("hash-%d", i), TokenMasked: "1:AAA…xyz",
				Status: status, UpdateMode: models.ModeWebhook, WebhookSecret: "s", Tags: []string{},
				TotalUsers: int64(i * 7 % 5000), CreatedAt: now.Add(-time.Duration(n-i) * time.Minute), UpdatedAt: now,
			})
		}
		if _, err := env.App.DB.NewInsert().Model(&bots).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if dbtest.Dialect(env.Dialect) == "postgres" {
		env.App.DB.ExecContext(ctx, "ANALYZE bots")
	}
}
