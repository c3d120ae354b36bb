package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
)

const benchCode = `logic['ping'] = async (query) => ({ pong: query.n });
logic['item'] = async (query, body, db) => db.operation.findOne('items', { _id: query.id });
`

// BenchmarkCustomWebhook loads custom webhooks over loopback HTTP with 32
// concurrent keep-alive clients, next to baselines measured in the same
// run and in turns (2,000 requests each, round after round, so background
// noise on a shared machine hits all alike):
//
//   - bare: a bare Go handler (its own httptest server) writing the same
//     envelope a trivial handler answers with;
//   - healthz: Botdeck's GET /healthz, the whole middleware chain around a
//     trivial handler;
//   - js-trivial: GET /custom/{bot}/ping, a handler returning {pong: n};
//   - js-dbread: GET /custom/{bot}/item?id=…, findOne by _id through the
//     real document store (on each dialect).
//
// It reports requests/s and p50/p99 latency of each, and the ratios of
// the JavaScript handlers' throughput to the bare handler's. Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench CustomWebhook -benchtime 5x ./handlers/
func BenchmarkCustomWebhook(b *testing.B) {
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"ok": true, "data": map[string]any{"pong": r.URL.Query().Get("n")}})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	defer bare.Close()
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.Start(b, d)
			owner := env.SignUp(b, "bench@example.com")
			bot := env.ConnectBot(b, owner, "bench_bot")
			owner.Put(b, "/api/bots/"+bot.ID+"/code", map[string]any{"source": benchCode + "\nlogic['seed'] = async (q, body, db) => { for (let i = 0; i < 100; i++) await db.operation.insertOne('items', { _id: 'i' + i, name: 'item ' + i, price: i }); };"}).Expect(b, http.StatusOK)
			if res := env.Client().Post(b, "/custom/"+bot.ID+"/seed", nil); res.StatusCode != http.StatusOK {
				b.Fatalf("seed: %s", res.Body)
			}
			targets := []struct{ name, url string }{
				{"bare", bare.URL + "/?n=1"},
				{"healthz", env.URL("/healthz")},
				{"js-trivial", env.URL("/custom/" + bot.ID + "/ping?n=1")},
				{"js-dbread", env.URL("/custom/" + bot.ID + "/item?id=i42")},
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			lat := make([][]time.Duration, len(targets))
			spent := make([]time.Duration, len(targets))
			for _, t := range targets { // warm connections, pools and caches
				loadBurst(b, client, t.url, 500)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j, t := range targets {
					d, l := loadBurst(b, client, t.url, 2000)
					spent[j] += d
					lat[j] = append(lat[j], l...)
				}
			}
			b.StopTimer()
			n := float64(b.N * 2000)
			for j, t := range targets {
				slices.Sort(lat[j])
				q := func(p float64) float64 { return float64(lat[j][int(p*float64(len(lat[j])-1))].Microseconds()) }
				b.ReportMetric(n/spent[j].Seconds(), t.name+"-req/s")
				b.ReportMetric(q(0.50), t.name+"-p50-µs")
				b.ReportMetric(q(0.99), t.name+"-p99-µs")
			}
			b.ReportMetric(spent[0].Seconds()/spent[2].Seconds(), "trivial/bare")
			b.ReportMetric(spent[0].Seconds()/spent[3].Seconds(), "dbread/bare")
		})
	}
}

// loadBurst sends n GETs to url from 32 goroutines and returns the time it
// took and each request's latency.
func loadBurst(b *testing.B, client *http.Client, url string, n int) (time.Duration, []time.Duration) {
	const concurrency = 32
	var next atomic.Int64
	var mu sync.Mutex
	all := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < concurrency; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/concurrency+1)
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: status %d", url, resp.StatusCode)
					return
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return time.Since(start), all
}

// BenchmarkCustomFirstRequestAfterSave is the latency of the first request
// to a handler right after its code was saved:
//
//   - same-instance: the save went through this process, which keeps the
//     compiled program, so the request runs at once;
//   - other-instance: a second Botdeck on the same database, which has never
//     seen the bot, answers it: it reads the bot, the version and the source,
//     compiles, then runs (the cold path, e.g. behind a load balancer).
//
// Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench CustomFirstRequest -benchtime 30x ./handlers/
func BenchmarkCustomFirstRequestAfterSave(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.Start(b, d)
			other := apptest.Start(b, d, apptest.Config(func(c *config.Config) { c.DatabaseURL = env.App.Config.DatabaseURL }))
			owner := env.SignUp(b, "bench@example.com")
			client := env.Client()
			var same, cold []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bot := env.ConnectBot(b, owner, fmt.Sprintf("first_%d_bot", i))
				src := fmt.Sprintf("%s\n// version %d\n", benchCode, i)
				owner.Put(b, "/api/bots/"+bot.ID+"/code", map[string]any{"source": src}).Expect(b, http.StatusOK)
				b.StartTimer()
				t0 := time.Now()
				client.Get(b, "/custom/"+bot.ID+"/ping?n=1").Expect(b, http.StatusOK)
				same = append(same, time.Since(t0))
				t0 = time.Now()
				res, err := http.Get(other.URL("/custom/" + bot.ID + "/ping?n=1"))
				if err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("other instance: %v %v", res, err)
				}
				res.Body.Close()
				cold = append(cold, time.Since(t0))
			}
			b.StopTimer()
			for _, m := range []struct {
				name string
				d    []time.Duration
			}{{"same-instance", same}, {"other-instance", cold}} {
				slices.Sort(m.d)
				b.ReportMetric(float64(m.d[len(m.d)/2].Microseconds()), m.name+"-p50-µs")
				b.ReportMetric(float64(m.d[len(m.d)-1].Microseconds()), m.name+"-max-µs")
			}
		})
	}
}

// BenchmarkCustomWebhookInProcess is the CPU cost of one request through
// the whole middleware chain without the network: /healthz against the
// trivial handler. Run:
//
//	go test -run '^$' -bench CustomWebhookInProcess -cpu 1 ./handlers/
func BenchmarkCustomWebhookInProcess(b *testing.B) {
	env := apptest.Start(b, "sqlite")
	owner := env.SignUp(b, "bench@example.com")
	bot := env.ConnectBot(b, owner, "cpu_bot")
	owner.Put(b, "/api/bots/"+bot.ID+"/code", map[string]any{"source": benchCode}).Expect(b, http.StatusOK)
	h := env.App.Handler()
	for _, c := range []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"js-trivial", "/custom/" + bot.ID + "/ping?n=1"},
		{"js-no-handler", "/custom/" + bot.ID + "/nope"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
					if rec.Code >= 500 {
						b.Errorf("%s: %d", c.path, rec.Code)
					}
				}
			})
		})
	}
}
