package jsrt

// Benchmarks. Run them with:
//
//	go test -run '^$' -bench . -benchtime 3s -cpu 2 ./internal/jsrt
//
// BenchmarkHTTP serves the same request three ways through a real HTTP server and client
// (keep-alive, 32 concurrent clients with -cpu 2): a bare Go JSON handler, a trivial JavaScript
// handler, and a JavaScript handler doing one db read through the binding. Each reports
// requests/s and p50/p99 latency. BenchmarkRun measures Engine.Run alone, with pooled
// (locked-down, reused) runtimes and with a fresh runtime per run: the comparison that decided
// the design in pool.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	benchTrivial = `logic['ping'] = async (query, body, db, response, params) => ({ pong: query.n });`
	benchDBRead  = `logic['item'] = async (query, body, db, response, params) => {
		const item = await db.operation.findOne('items', { _id: query.id });
		return item;
	};`
)

// readStore is a read-only DocStore with an index on _id, so that the benchmarks measure the
// engine and not the test fake's locking and linear scans.
type readStore struct {
	memStore
	byID map[string]Doc
}

func (r *readStore) FindOne(ctx context.Context, coll string, f Filter) (Doc, error) {
	if id, ok := f["_id"].(string); ok && len(f) == 1 && coll == "items" {
		if d, ok := r.byID[id]; ok {
			return copyDoc(d), nil
		}
		return nil, nil
	}
	return r.memStore.FindOne(ctx, coll, f)
}

func benchStore() *readStore {
	st := &readStore{memStore: *newMemStore(), byID: map[string]Doc{}}
	for i := 0; i < 100; i++ {
		d := Doc{"_id": fmt.Sprintf("i%d", i), "name": fmt.Sprintf("item %d", i), "price": float64(i)}
		st.seed("items", d)
		st.byID[d["_id"].(string)] = d
	}
	return st
}

// latencies collects per-request durations from parallel goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	p := func(q float64) float64 { return float64(l.all[int(q*float64(len(l.all)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.99), "p99-µs")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
}

func BenchmarkRun(b *testing.B) {
	for _, script := range []struct{ name, src, path string }{
		{"trivial", benchTrivial, "ping"},
		{"dbread", benchDBRead, "item"},
	} {
		for _, fresh := range []bool{false, true} {
			mode := "pooled"
			if fresh {
				mode = "fresh"
			}
			b.Run(script.name+"/"+mode, func(b *testing.B) {
				cfg := Config{}
				cfg.freshRuntimes = fresh
				e := New(cfg)
				prog, err := e.Compile(script.src)
				if err != nil {
					b.Fatal(err)
				}
				st := benchStore()
				var lat latencies
				b.SetParallelism(16)
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						t0 := time.Now()
						_, err := e.Run(context.Background(), prog, Invocation{
							Path:  script.path,
							Query: map[string]string{"n": "1", "id": "i42"},
							DB:    st,
						})
						mine = append(mine, time.Since(t0))
						if err != nil {
							b.Error(err)
							return
						}
					}
					lat.add(mine)
				})
				lat.report(b, time.Since(start))
			})
		}
	}
}

// BenchmarkRunLatency runs one request at a time: the latency of a handler on an idle engine.
func BenchmarkRunLatency(b *testing.B) {
	for _, script := range []struct{ name, src, path string }{
		{"trivial", benchTrivial, "ping"},
		{"dbread", benchDBRead, "item"},
	} {
		b.Run(script.name, func(b *testing.B) {
			e := New(Config{})
			prog, err := e.Compile(script.src)
			if err != nil {
				b.Fatal(err)
			}
			st := benchStore()
			var lat latencies
			mine := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := e.Run(context.Background(), prog, Invocation{Path: script.path, Query: map[string]string{"n": "1", "id": "i42"}, DB: st}); err != nil {
					b.Fatal(err)
				}
				mine = append(mine, time.Since(t0))
			}
			lat.add(mine)
			lat.report(b, time.Since(start))
		})
	}
}

// envelope is the custom-webhook response body.
type envelope struct {
	OK      bool    `json:"ok"`
	Message *string `json:"message,omitempty"`
	Data    any     `json:"data,omitempty"`
}

func writeEnvelope(w http.ResponseWriter, status int, headers map[string]string, env envelope) {
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(env)
}

func jsHandler(e *Engine, prog *Program, st DocStore, path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		res, err := e.Run(r.Context(), prog, Invocation{Path: path, Method: r.Method, Query: q, DB: st})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		env := envelope{OK: res.Status < 400, Message: res.Message}
		if res.HasData() {
			env.Data = res.Data
		}
		writeEnvelope(w, res.Status, res.Headers, env)
	}
}

func BenchmarkHTTP(b *testing.B) {
	st := benchStore()
	e := New(Config{})
	trivial, err := e.Compile(benchTrivial)
	if err != nil {
		b.Fatal(err)
	}
	dbread, err := e.Compile(benchDBRead)
	if err != nil {
		b.Fatal(err)
	}
	bare := func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, 200, nil, envelope{OK: true, Data: map[string]any{"pong": r.URL.Query().Get("n")}})
	}
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		url     string
	}{
		{"bare-go", bare, "/?n=1"},
		{"js-trivial", jsHandler(e, trivial, st, "ping"), "/?n=1"},
		{"js-dbread", jsHandler(e, dbread, st, "item"), "/?id=i42"},
	} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			url := srv.URL + c.url
			var lat latencies
			b.SetParallelism(16)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(t0))
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				lat.add(mine)
			})
			lat.report(b, time.Since(start))
		})
	}
}

// BenchmarkHTTPRatio answers "what fraction of a bare Go JSON handler's throughput do JavaScript
// handlers reach at concurrency 32" on a noisy machine: the three servers are loaded in turns of
// 2000 requests, so that background load affects them alike, and the ratios are reported.
// JSRT_BENCH_CONCURRENT sets the engine's MaxConcurrent (default 4×GOMAXPROCS).
func BenchmarkHTTPRatio(b *testing.B) {
	st := benchStore()
	cfg := Config{}
	if n, _ := strconv.Atoi(os.Getenv("JSRT_BENCH_CONCURRENT")); n > 0 {
		cfg.MaxConcurrent = n
	}
	e := New(cfg)
	trivial, _ := e.Compile(benchTrivial)
	dbread, _ := e.Compile(benchDBRead)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, 200, nil, envelope{OK: true, Data: map[string]any{"pong": r.URL.Query().Get("n")}})
	}))
	defer bare.Close()
	js := httptest.NewServer(jsHandler(e, trivial, st, "ping"))
	defer js.Close()
	jsdb := httptest.NewServer(jsHandler(e, dbread, st, "item"))
	defer jsdb.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()

	const burst, concurrency = 2000, 32
	load := func(url string) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for g := 0; g < concurrency; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= burst {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	load(bare.URL + "/?n=1") // warm the connections and the pool
	load(js.URL + "/?n=1")
	load(jsdb.URL + "/?id=i42")
	var tBare, tJS, tDB time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tBare += load(bare.URL + "/?n=1")
		tJS += load(js.URL + "/?n=1")
		tDB += load(jsdb.URL + "/?id=i42")
	}
	n := float64(b.N * burst)
	b.ReportMetric(n/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(n/tJS.Seconds(), "js-req/s")
	b.ReportMetric(n/tDB.Seconds(), "jsdb-req/s")
	b.ReportMetric(tBare.Seconds()/tJS.Seconds(), "js/bare")
	b.ReportMetric(tBare.Seconds()/tDB.Seconds(), "jsdb/bare")
}

// BenchmarkFirstRunAfterSave measures a save (Compile) followed by the first request with the
// new Program, on an engine whose pool is warm: the latency a bot owner sees after saving.
func BenchmarkFirstRunAfterSave(b *testing.B) {
	e := New(Config{})
	warm, _ := e.Compile(benchTrivial)
	_, _ = e.Run(context.Background(), warm, Invocation{Path: "ping"})
	b.ResetTimer()
	var firstRun time.Duration
	for i := 0; i < b.N; i++ {
		src := fmt.Sprintf("%s\n// version %d", benchDBRead, i)
		prog, err := e.Compile(src)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := e.Run(context.Background(), prog, Invocation{Path: "item", Query: map[string]string{"id": "x"}, DB: newMemStore()}); err != nil {
			b.Fatal(err)
		}
		firstRun += time.Since(t0)
	}
	b.ReportMetric(float64(firstRun.Microseconds())/float64(b.N), "first-run-µs")
}

// BenchmarkNewSandbox is the cost of building and locking down one runtime.
func BenchmarkNewSandbox(b *testing.B) {
	cfg := DefaultConfig()
	for i := 0; i < b.N; i++ {
		if _, err := newSlot(&cfg); err != nil {
			b.Fatal(err)
		}
	}
}
