// Command sseload measures server-sent event streams; scripts/bench/sse.sh
// runs it against Botdeck (GET /api/events) and against a bare Go fan-out
// server it also provides, as the same-run baseline.
//
// It opens -clients streams (one TCP connection each), waits until all are
// connected, records the server's memory, then raises -rounds events, one
// at a time, by POSTing the -trigger URLs in turn, and records when each
// client reads each event. Delivery time runs from just before the
// trigger request is sent to the moment a client has read the event's
// data line, so it includes the request that raises the event; and from
// the event's own "at" (set by the server when it published the event, on
// the same machine's clock) to the same moment: publish → read.
//
//	sseload -stream URL -trigger URL[,URL…] [-key KEY] [-pid PID] [-metrics URL] [-clients 1000] [-rounds 20]
//	sseload -bare ADDR   # the baseline server: GET /events streams, POST /publish sends one event to all
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bare := flag.String("bare", "", "serve the baseline fan-out server on this address")
	stream := flag.String("stream", "", "the stream URL")
	trigger := flag.String("trigger", "", "comma-separated URLs POSTed in turn to raise one event each")
	key := flag.String("key", "", "API key sent as Authorization: Bearer")
	pid := flag.Int("pid", 0, "the server's process id, for its resident memory")
	metrics := flag.String("metrics", "", "the server's Prometheus /metrics URL, for heap and goroutines")
	clients := flag.Int("clients", 1000, "concurrent streams")
	rounds := flag.Int("rounds", 20, "events raised (0: only measure memory)")
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
		return
	}
	run(*stream, strings.Split(*trigger, ","), *key, *pid, *metrics, *clients, *rounds)
}

type client struct {
	got []time.Time // when each round's event was read
	at  []time.Time // when the server published it
}

func run(streamURL string, triggers []string, key string, pid int, metricsURL string, n, rounds int) {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	hc := &http.Client{Transport: tr}
	before := sample(pid, metricsURL)

	var connected sync.WaitGroup
	var round atomic.Int64 // the round whose event clients wait for
	var received atomic.Int64
	roundDone := make(chan struct{}, 1)
	clients := make([]*client, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range clients {
		c := &client{got: make([]time.Time, rounds), at: make([]time.Time, rounds)}
		clients[i] = c
		connected.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			res, err := hc.Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				log.Fatalf("stream: %v %v", err, res)
			}
			defer res.Body.Close()
			r := bufio.NewReader(res.Body)
			first := true
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					if ctx.Err() == nil {
						log.Fatalf("stream ended: %v", err)
					}
					return
				}
				switch {
				case first && strings.HasPrefix(line, "id:"):
					first = false
					connected.Done()
				case strings.HasPrefix(line, "data:"):
					at := time.Now()
					k := round.Load()
					if k < int64(rounds) && c.got[k].IsZero() {
						var e struct{ At time.Time }
						json.Unmarshal([]byte(strings.TrimPrefix(line, "data:")), &e) //nolint:errcheck
						c.got[k], c.at[k] = at, e.At
						if received.Add(1) == int64(n) {
							roundDone <- struct{}{}
						}
					}
				}
			}
		}()
	}
	connected.Wait()
	fmt.Printf("streams: %d open\n", n)
	if pid != 0 || metricsURL != "" {
		time.Sleep(2 * time.Second) // let the server settle before measuring it
	}
	after := sample(pid, metricsURL)
	if pid != 0 {
		fmt.Printf("  resident memory: %.1f MB before, %.1f MB after: %.1f KB per stream\n",
			float64(before.rss)/1e6, float64(after.rss)/1e6, float64(after.rss-before.rss)/float64(n)/1e3)
	}
	if metricsURL != "" {
		fmt.Printf("  Go heap in use: +%.1f KB per stream; goroutines: %d → %d (%.1f per stream)\n",
			float64(after.heap-before.heap)/float64(n)/1e3, before.goroutines, after.goroutines,
			float64(after.goroutines-before.goroutines)/float64(n))
	}

	if rounds == 0 {
		return
	}
	starts := make([]time.Time, rounds)
	post := &http.Client{Timeout: 30 * time.Second}
	for k := range rounds {
		round.Store(int64(k))
		received.Store(0)
		time.Sleep(200 * time.Millisecond)
		req, _ := http.NewRequest(http.MethodPost, triggers[k%len(triggers)], nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		starts[k] = time.Now()
		res, err := post.Do(req)
		if err != nil || res.StatusCode >= 300 {
			log.Fatalf("trigger: %v %v", err, res)
		}
		res.Body.Close()
		select {
		case <-roundDone:
		case <-time.After(30 * time.Second):
			log.Fatalf("round %d: %d of %d clients got the event", k, received.Load(), n)
		}
	}
	report := func(what string, from func(k int, c *client) time.Time) {
		var all, worst []float64
		for k := range rounds {
			var roundMax float64
			for _, c := range clients {
				ms := float64(c.got[k].Sub(from(k, c)).Microseconds()) / 1e3
				all = append(all, ms)
				roundMax = max(roundMax, ms)
			}
			worst = append(worst, roundMax)
		}
		slices.Sort(all)
		slices.Sort(worst)
		fmt.Printf("  %s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; last stream of a round: median %.1f ms\n",
			what, pct(all, 50), pct(all, 90), pct(all, 99), all[len(all)-1], pct(worst, 50))
	}
	fmt.Printf("delivery of %d events, one at a time, to %d streams (%d deliveries):\n", rounds, n, rounds*n)
	report("trigger sent → read", func(k int, _ *client) time.Time { return starts[k] })
	report("published → read   ", func(k int, c *client) time.Time { return c.at[k] })
}

func pct(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

type serverSample struct {
	rss, heap  int64
	goroutines int64
}

// sample reads the server's memory: the least of five readings half a
// second apart, the closest to what is live after a collection (the
// servers run with a low GOGC for the same reason).
func sample(pid int, metricsURL string) serverSample {
	if pid == 0 && metricsURL == "" {
		return serverSample{}
	}
	best := readSample(pid, metricsURL)
	for range 4 {
		time.Sleep(500 * time.Millisecond)
		s := readSample(pid, metricsURL)
		best.rss, best.heap = min(best.rss, s.rss), min(best.heap, s.heap)
		best.goroutines = s.goroutines
	}
	return best
}

// readSample reads the server's resident memory from /proc and its heap
// and goroutines from /metrics (Prometheus text) or /mem (the bare server).
func readSample(pid int, metricsURL string) serverSample {
	var s serverSample
	if pid != 0 {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			log.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				s.rss = kb * 1024
			}
		}
	}
	if metricsURL == "" {
		return s
	}
	res, err := http.Get(metricsURL)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	if strings.HasSuffix(metricsURL, "/mem") {
		var m struct{ Heap, Goroutines int64 }
		json.NewDecoder(res.Body).Decode(&m) //nolint:errcheck
		s.heap, s.goroutines = m.Heap, m.Goroutines
		return s
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		v, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "go_memstats_heap_inuse_bytes":
			s.heap = int64(v)
		case "go_goroutines":
			s.goroutines = int64(v)
		}
	}
	return s
}

// serveBare is the baseline: the least a Go server does to fan one event
// out to its streams — a channel per stream, a frame written and flushed.
func serveBare(addr string) {
	var mu sync.Mutex
	streams := map[chan []byte]struct{}{}
	seq := 0
	http.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		ch := make(chan []byte, 16)
		mu.Lock()
		streams[ch] = struct{}{}
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(streams, ch)
			mu.Unlock()
		}()
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		w.Write([]byte("id: 0\n\n"))
		rc.Flush()
		keepAlive := time.NewTicker(20 * time.Second)
		defer keepAlive.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case frame := <-ch:
				w.Write(frame)
				rc.Flush()
			case <-keepAlive.C:
				w.Write([]byte(": keep-alive\n\n"))
				rc.Flush()
			}
		}
	})
	http.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seq++
		at, _ := time.Now().UTC().MarshalJSON()
		frame := []byte(fmt.Sprintf("event: bot\ndata: {\"id\":%d,\"kind\":\"bot\",\"data\":{\"status\":\"active\"},\"at\":%s}\nid: %d\n\n", seq, at, seq))
		for ch := range streams {
			select {
			case ch <- frame:
			default:
			}
		}
		mu.Unlock()
	})
	http.HandleFunc("GET /mem", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		json.NewEncoder(w).Encode(map[string]int64{"Heap": int64(ms.HeapInuse), "Goroutines": int64(runtime.NumGoroutine())}) //nolint:errcheck
	})
	log.Fatal(http.ListenAndServe(addr, nil))
}
