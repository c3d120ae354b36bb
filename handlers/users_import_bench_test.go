package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// csvGen writes a CSV file of n users as it is read: the benchmark's
// file is never held in memory, as a client streaming a file from disk.
type csvGen struct {
	n, i int
	buf  bytes.Buffer
}

func newCSVGen(n int) *csvGen {
	g := &csvGen{n: n}
	g.buf.WriteString("user_id,username,first_name,last_name,language,tags,plan,score\n")
	return g
}

var benchPlans = []string{"free", "basic", "pro", "gold"}

func (g *csvGen) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.n {
		g.i++
		fmt.Fprintf(&g.buf, "%d,user%d,Name%d,Surname%d,en,lead;cohort%d,%s,%d\n",
			5_000_000_000+g.i, g.i, g.i, g.i%1000, g.i%10, benchPlans[g.i%4], g.i%100)
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// peakHeap samples the heap until stop is called and returns the largest
// heap in use (live objects and garbage not yet collected) and the largest
// live heap (what the last GC kept), in MB.
func peakHeap() (stop func() (inuse, live float64)) {
	var peak, peakLive atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peakLive.Load() {
				peakLive.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		wg.Wait()
		return float64(peak.Load()) / (1 << 20), float64(peakLive.Load()) / (1 << 20)
	}
}

// BenchmarkImportUsers measures POST /api/bots/{id}/users/import through
// the whole middleware chain, in-process, with a CSV body streamed from a
// generator: 1,000,000 rows on PostgreSQL (100,000 on SQLite), first as
// new users, then again (every row an update of an existing user). It
// reports rows/s and the peak heap in use; the same-run baselines are
// encoding/csv alone reading the same file, and an import of a tenth of
// the rows (the peak heap should not grow with the file). Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench ImportUsers -benchtime 1x -timeout 60m ./handlers/
func BenchmarkImportUsers(b *testing.B) {
	n := envInt("BOTDECK_BENCH_IMPORT_ROWS", 1_000_000)
	b.Run(fmt.Sprintf("baseline/csv-parse-only-%dk", n/1000), func(b *testing.B) {
		for b.Loop() {
			runtime.GC()
			stop := peakHeap()
			start := time.Now()
			r := csv.NewReader(newCSVGen(n))
			r.ReuseRecord = true
			rows := 0
			for {
				_, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
			b.ReportMetric(float64(rows-1)/time.Since(start).Seconds(), "rows/s")
			inuse, live := stop()
			b.ReportMetric(inuse, "peak-heap-MB")
			b.ReportMetric(live, "peak-live-MB")
		}
	})
	for _, d := range dbtest.Dialects() {
		rows := n
		if d == "sqlite" {
			rows = envInt("BOTDECK_BENCH_IMPORT_SQLITE", 100_000)
		}
		if rows < 10_000 {
			b.Fatalf("import benchmark: %d rows, want at least 10,000", rows)
		}
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "import-bench@example.com")
		bot := env.ConnectBot(b, owner, "import_bench_bot")
		key := owner.NewAPIKey(b, "bench")
		h := env.App.Handler()
		importOnce := func(b *testing.B, rows int, want string) {
			runtime.GC()
			stop := peakHeap()
			start := time.Now()
			req := httptest.NewRequest(http.MethodPost, "/api/bots/"+bot.ID+"/users/import", newCSVGen(rows))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+key)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			elapsed := time.Since(start)
			inuse, live := stop()
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
				b.Fatalf("import: %d %s", rec.Code, rec.Body.String())
			}
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(inuse, "peak-heap-MB")
			b.ReportMetric(live, "peak-live-MB")
			b.ReportMetric(elapsed.Seconds(), "s/import")
		}
		// A tenth of the file into another bot first: the memory baseline.
		small := env.ConnectBot(b, owner, "import_bench_small_bot")
		b.Run(fmt.Sprintf("%s/new-%dk", d, rows/10000), func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				stop := peakHeap()
				start := time.Now()
				req := httptest.NewRequest(http.MethodPost, "/api/bots/"+small.ID+"/users/import", newCSVGen(rows/10))
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set("Authorization", "Bearer "+key)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				elapsed := time.Since(start)
				inuse, live := stop()
				if rec.Code != http.StatusOK {
					b.Fatalf("import: %d %s", rec.Code, rec.Body.String())
				}
				b.ReportMetric(float64(rows/10)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(inuse, "peak-heap-MB")
				b.ReportMetric(live, "peak-live-MB")
			}
		})
		b.Run(fmt.Sprintf("%s/new-%dk", d, rows/1000), func(b *testing.B) {
			for b.Loop() {
				importOnce(b, rows, fmt.Sprintf(`"imported":%d`, rows))
			}
		})
		b.Run(fmt.Sprintf("%s/again-%dk", d, rows/1000), func(b *testing.B) {
			for b.Loop() {
				importOnce(b, rows, fmt.Sprintf(`"imported":0,"updated":%d`, rows))
			}
		})
		// Last (so its buffers do not weigh on the imports' heap): the floor: the same users written by plain multi-row INSERTs of
		// 1,000 (no read, no upsert, no properties or tags), into another bot.
		plain := env.ConnectBot(b, owner, "import_bench_plain_bot")
		b.Run(fmt.Sprintf("%s/baseline-plain-insert-%dk", d, rows/1000), func(b *testing.B) {
			for b.Loop() {
				ctx := context.Background()
				now := models.Now()
				start := time.Now()
				users := make([]models.BotUser, 0, 1000)
				for i := 1; i <= rows; i++ {
					users = append(users, models.BotUser{BotID: plain.ID, UserID: int64(5_000_000_000 + i), Username: fmt.Sprint("user", i),
						FirstName: fmt.Sprint("Name", i), LastName: fmt.Sprint("Surname", i%1000), LanguageCode: "en", StartedAt: now, LastSeenAt: now})
					if len(users) == 1000 || i == rows {
						if _, err := env.App.DB.NewInsert().Model(&users).Returning("NULL").Exec(ctx); err != nil {
							b.Fatal(err)
						}
						users = users[:0]
					}
				}
				b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}
