package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkBroadcastFreeze measures creating a broadcast to every user of
// a bot of BOTDECK_BENCH_FREEZE_USERS users (1,000,000 by default) on
// PostgreSQL: the request's latency, and the time until it is sendable
// (queued, its recipients stored). "preparing" is the default (the
// audience frozen in the background by core.Broadcasts.PrepareDue, called
// here as jobs.Scheduler's tick would be, at most 1 s after the request);
// "inline" is the same-run baseline with the freeze inside the request.
func BenchmarkBroadcastFreeze(b *testing.B) {
	if !slicesContains(dbtest.Dialects(), "postgres") {
		b.Skip("PostgreSQL only")
	}
	n := envInt("BOTDECK_BENCH_FREEZE_USERS", 1_000_000)
	env := apptest.Start(b, "postgres")
	owner := env.SignUp(b, "freezebench@example.com")
	bot := env.ConnectBot(b, owner, "freeze_bench_bot")
	bulkSeedUsers(b, env, bot.ID, n, realisticUser)
	ctx := context.Background()
	for _, mode := range []string{"preparing", "inline"} {
		b.Run(fmt.Sprintf("postgres-%dk/%s", n/1000, mode), func(b *testing.B) {
			env.App.Broadcasts.PrepareAbove = int64(n) * 10
			if mode == "preparing" {
				env.App.Broadcasts.PrepareAbove = 0
			}
			for b.Loop() {
				start := time.Now()
				bc := owner.Post(b, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "hello " + mode, "audience": "all"}).
					Expect(b, http.StatusCreated).Data(b)
				request := time.Since(start)
				if mode == "preparing" {
					if bc["status"] != models.BroadcastPreparing {
						b.Fatalf("created %v", bc["status"])
					}
					if _, err := env.App.Broadcasts.PrepareDue(ctx, 10); err != nil {
						b.Fatal(err)
					}
				}
				sendable := time.Since(start)
				got, err := models.BroadcastByID(ctx, env.App.DB, bc["id"].(string))
				if err != nil || got.Status != models.BroadcastQueued || got.Total < int64(n)/2 {
					b.Fatalf("after the freeze: %+v %v", got, err)
				}
				b.ReportMetric(float64(got.Total), "recipients")
				b.ReportMetric(request.Seconds()*1000, "request-ms")
				b.ReportMetric(sendable.Seconds()*1000, "sendable-ms")
			}
		})
	}
}
