package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
)

// audienceCountSQL marks the compose form's audience counts
// (models.AudienceCounts): one count(*) over the bot's whole audience.
const audienceCountSQL = "AS all_users"

// BenchmarkBroadcastHistory measures a bot's broadcast history as JSON
// (GET /api/bots/{id}/broadcasts) and as the broadcasts page, which also
// shows the compose form with its audience counts, over one bot with
// 100,000 users (BOTDECK_BENCH_BROADCAST_USERS to change), next to
// /healthz in the same run. Besides the time it reports the SQL
// statements each request runs (queries/op) and how many of them are the
// audience count (audience-counts/op), counted by a bun query hook. Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench BroadcastHistory -benchtime 50x ./handlers/
func BenchmarkBroadcastHistory(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		n := envInt("BOTDECK_BENCH_BROADCAST_USERS", 100_000)
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		bot := env.ConnectBot(b, owner, "crowd_bot")
		start := time.Now()
		bulkSeedUsers(b, env, bot.ID, n, realisticUser)
		b.Logf("%s: seeded %d users in %v", d, n, time.Since(start).Round(time.Millisecond))
		for i := range 3 {
			owner.Post(b, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": fmt.Sprintf("News %d", i), "audience": "all"}).
				Expect(b, http.StatusCreated)
		}
		log := watchQueries(env.App.DB)
		cookies := owner.Cookies()
		h := env.App.Handler()
		run := func(name, path string) {
			b.Run(fmt.Sprintf("%s-%dk/%s", d, n/1000, name), func(b *testing.B) {
				var queries, counts int
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					for _, c := range cookies {
						req.AddCookie(c)
					}
					rec := httptest.NewRecorder()
					ran := log.during(func() { h.ServeHTTP(rec, req) })
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", path, rec.Code)
					}
					queries += len(ran)
					counts += countMatching(ran, audienceCountSQL)
				}
				b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
				b.ReportMetric(float64(counts)/float64(b.N), "audience-counts/op")
			})
		}
		run("baseline/healthz", "/healthz")
		run("api/history", "/api/bots/"+bot.ID+"/broadcasts")
		run("page/compose-and-history", "/bots/"+bot.ID+"/broadcasts")
	}
}
