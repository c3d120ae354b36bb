package jsrt

// The heap watchdog: the emergency brake for what no built-in guard sees.
//
// `let s = 'x'; for (;;) s += s;` doubles a string with the `+` operator, one VM instruction per
// doubling: measured before the watchdog, it held 2 GB after 30 iterations and overran a 2 s
// deadline by 5.6 s inside a single concatenation. A loop pushing objects allocates about 1 GB/s.
// goja has no per-runtime accounting and Go none per goroutine, so while runs are active a
// goroutine samples the process heap every 5 ms; above MaxHeapBytes it stops every active run
// with a limit error (their runtimes are dropped and collected, as after every stopped run: see
// Engine.execute) and forces a GC. Innocent runs caught in
// the same few milliseconds fail too: this is a brake, not a quota.

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

const heapMetric = "/memory/classes/heap/objects:bytes"

type watchdog struct {
	limit   int64
	mu      sync.Mutex
	active  map[*slot]uint64
	running bool
}

func newWatchdog(limit int64) *watchdog {
	return &watchdog{limit: limit, active: make(map[*slot]uint64)}
}

func (w *watchdog) add(s *slot, id uint64) {
	if w.limit <= 0 {
		return
	}
	w.mu.Lock()
	w.active[s] = id
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()
}

func (w *watchdog) remove(s *slot) {
	if w.limit <= 0 {
		return
	}
	w.mu.Lock()
	delete(w.active, s)
	w.mu.Unlock()
}

// over reports whether the heap's objects take more than the limit.
func (w *watchdog) over(sample []metrics.Sample) bool {
	metrics.Read(sample)
	return sample[0].Value.Kind() == metrics.KindUint64 && int64(sample[0].Value.Uint64()) > w.limit
}

func (w *watchdog) loop() {
	sample := []metrics.Sample{{Name: heapMetric}}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	type run struct {
		s  *slot
		id uint64
	}
	var runs []run
	for range t.C {
		w.mu.Lock()
		if len(w.active) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		if !w.over(sample) {
			continue
		}

		w.mu.Lock()
		runs = runs[:0]
		for s, id := range w.active {
			runs = append(runs, run{s, id})
		}
		w.mu.Unlock()
		reason := &stopReason{kind: KindLimit, msg: fmt.Sprintf("memory limit: the sandbox's heap grew past %d MiB", w.limit>>20)}
		for _, r := range runs {
			r.s.abort(r.id, reason)
		}
		// Let go of the slots: kept in runs' backing array, a stopped run's
		// runtime (and all it allocated) would stay reachable.
		clear(runs)
		runtime.GC()
	}
}
