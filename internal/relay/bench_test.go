package relay_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/relay"
	"github.com/botdeck/botdeck/internal/safehttp"
	"github.com/botdeck/botdeck/models"
)

// benchUpdates is how many processed updates of one bot each run delivers.
const benchUpdates = 2000

// BenchmarkRelayOneBot measures in-order delivery of one bot's processed
// updates to a local server that answers 200 at once, in updates/s, next to
// the same POSTs sent by a bare loop (no database, no cursor) in the same
// run: the difference is what the relay's bookkeeping (cursor and lease
// fencing, delivery log) costs per update.
func BenchmarkRelayOneBot(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	payload := func(id int) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1764700000,"chat":{"id":42,"type":"private","first_name":"Ann"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},"text":"hello %d"}}`, id, id, id)
	}

	b.Run("baseline_bare_posts", func(b *testing.B) {
		c := safehttp.New(safehttp.Options{AllowPrivate: true})
		start := time.Now()
		for range b.N {
			for i := 1; i <= benchUpdates; i++ {
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(payload(i))))
				req.Header.Set("Content-Type", "application/json")
				if _, err := c.Do(req); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*benchUpdates)/time.Since(start).Seconds(), "updates/s")
	})

	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.Start(b, d, apptest.Config(allowPrivate))
			owner := env.SignUp(b, "bench@example.com")
			bot := env.ConnectBot(b, owner, "bench_relay_bot")
			owner.Put(b, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": srv.URL, "enabled": true}).Expect(b, http.StatusOK)
			ctx := context.Background()
			now := models.Now()
			var ups []*models.StoredUpdate
			for i := 1; i <= benchUpdates; i++ {
				ups = append(ups, &models.StoredUpdate{BotID: bot.ID, UpdateID: int64(i), Kind: "message", Payload: payload(i),
					ReceivedAt: now, ProcessedAt: &now})
				if len(ups) == 500 || i == benchUpdates {
					if _, err := models.StoreUpdates(ctx, env.App.DB, ups); err != nil {
						b.Fatal(err)
					}
					ups = ups[:0]
				}
			}
			w := relay.New(env.App.DB, env.App.Bots, env.App.Relays, env.App.BotAPI, safehttp.New(safehttp.Options{AllowPrivate: true}),
				quietLog(), "bench", relay.Config{})
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				b.StopTimer()
				env.App.DB.NewUpdate().Model((*models.Relay)(nil)).Set("delivered_through = 0").Where("bot_id = ?", bot.ID).Exec(ctx)
				b.StartTimer()
				for {
					w.DeliverDue(ctx)
					r, _ := models.RelayOf(ctx, env.App.DB, bot.ID)
					if r.DeliveredThrough == benchUpdates {
						break
					}
				}
			}
			b.ReportMetric(float64(b.N*benchUpdates)/time.Since(start).Seconds(), "updates/s")
		})
	}
}
