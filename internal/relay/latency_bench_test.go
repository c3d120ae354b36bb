package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// processedHook reports each update as the pipeline processes it.
type processedHook chan int64

func (h processedHook) Handle(_ context.Context, _ bun.Tx, ev *ingest.Event) error {
	h <- ev.Update.ID
	return nil
}

// BenchmarkRelayLatency measures, one update at a time through the real
// workers, the time from Telegram's webhook delivery to Botdeck until (a)
// the pipeline processes the update — ingest alone, the baseline — and (b)
// the owner's server receives it through the relay.
func BenchmarkRelayLatency(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			arrived := make(chan int64, 16)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var u struct {
					UpdateID int64 `json:"update_id"`
				}
				body, _ := io.ReadAll(r.Body)
				json.Unmarshal(body, &u)
				arrived <- u.UpdateID
			}))
			defer srv.Close()
			env := apptest.Start(b, d, apptest.Webhooks(), apptest.Config(allowPrivate))
			processed := make(processedHook, 16)
			env.App.Ingest.AddHook(processed)
			owner := env.SignUp(b, "latency@example.com")
			bot := env.ConnectBot(b, owner, "latency_bot")
			owner.Put(b, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": srv.URL, "enabled": true}).Expect(b, http.StatusOK)
			stop := env.App.StartWorkers(context.Background())
			defer stop(context.Background())
			user := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})

			var ingestMs, relayMs []float64
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(user, fmt.Sprint("m", i))); err != nil {
					b.Fatal(err)
				}
				<-processed
				ingestMs = append(ingestMs, float64(time.Since(start).Microseconds())/1000)
				<-arrived
				relayMs = append(relayMs, float64(time.Since(start).Microseconds())/1000)
			}
			b.StopTimer()
			q := func(xs []float64, p float64) float64 {
				slices.Sort(xs)
				return xs[min(len(xs)-1, int(p*float64(len(xs))))]
			}
			b.ReportMetric(q(ingestMs, 0.5), "ingest-p50-ms")
			b.ReportMetric(q(ingestMs, 0.99), "ingest-p99-ms")
			b.ReportMetric(q(relayMs, 0.5), "relayed-p50-ms")
			b.ReportMetric(q(relayMs, 0.99), "relayed-p99-ms")
		})
	}
}
