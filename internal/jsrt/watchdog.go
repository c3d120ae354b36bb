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
//
// A limit alone lets one operation overshoot it by the size of that operation: the audit's doubling
// loop went from a 512 MB string straight to a 1 GB one, reaching 2.2 GB against a 1 GiB limit, and
// the copy and the collection after it took the run 4.5 s past its deadline. goja's `+` is a VM
// instruction that no guard sees, but a large string is one allocation, and the heap counts it as
// soon as it is allocated, before its bytes are copied. So the watchdog also stops every active run
// when the heap grows by more than MaxHeapBytes/16 between two samples (64 MiB in 5 ms with the
// defaults — 13 GB/s, far beyond what handlers allocate, whose values are capped at a few MiB): a
// string built by doubling is stopped at the copy that allocates past that step, and no single
// operation it can reach allocates more than about twice it. Growth that is gradual (many small
// objects) is left to the limit itself, which it can overshoot by one sample's worth.
//
// At each sample the watchdog also stops the runs whose context was canceled (the client went
// away), within 5 ms. A context.AfterFunc per run did this at once, but it cost a trivial
// /custom handler about 2 % of its CPU (a registration in the request context, a closure and
// its unregistration); without a watchdog (MaxHeapBytes < 0) Engine.arm still uses one.

import (
	"context"
	"errors"
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
	active  map[*slot]watchedRun
	running bool
}

// watchedRun is an active run: its id on its slot and the context that may cancel it.
type watchedRun struct {
	id  uint64
	ctx context.Context
}

func newWatchdog(limit int64) *watchdog {
	return &watchdog{limit: limit, active: make(map[*slot]watchedRun)}
}

// watchesCancel reports whether the watchdog runs, and so stops canceled runs.
func (w *watchdog) watchesCancel() bool { return w.limit > 0 }

func (w *watchdog) add(s *slot, id uint64, ctx context.Context) {
	if w.limit <= 0 {
		return
	}
	w.mu.Lock()
	w.active[s] = watchedRun{id: id, ctx: ctx}
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

// over reports whether the heap's objects take more than the limit, or grew by more than a
// step since the previous sample (last, updated); why says which.
func (w *watchdog) over(sample []metrics.Sample, last *int64) (bool, string) {
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return false, ""
	}
	h := int64(sample[0].Value.Uint64())
	prev := *last
	*last = h
	switch {
	case h > w.limit:
		return true, fmt.Sprintf("memory limit: the sandbox's heap grew past %d MiB", w.limit>>20)
	case prev > 0 && h-prev > w.step():
		return true, fmt.Sprintf("memory limit: the sandbox's heap grew by %d MiB at once (more than %d MiB in one step)", (h-prev)>>20, w.step()>>20)
	}
	return false, ""
}

// step is the growth between two samples that stops the runs.
func (w *watchdog) step() int64 { return w.limit / 16 }

func (w *watchdog) loop() {
	sample := []metrics.Sample{{Name: heapMetric}}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	type run struct {
		s  *slot
		id uint64
	}
	var runs []run
	var last int64
	for range t.C {
		w.mu.Lock()
		if len(w.active) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		runs = runs[:0]
		for s, r := range w.active {
			if r.ctx.Done() != nil && errors.Is(r.ctx.Err(), context.Canceled) {
				runs = append(runs, run{s, r.id})
			}
		}
		w.mu.Unlock()
		for _, r := range runs {
			r.s.abort(r.id, &stopReason{kind: KindTimeout, msg: "the request was canceled", canceled: true})
		}
		clear(runs)
		stop, why := w.over(sample, &last)
		if !stop {
			continue
		}

		w.mu.Lock()
		runs = runs[:0]
		for s, r := range w.active {
			runs = append(runs, run{s, r.id})
		}
		w.mu.Unlock()
		reason := &stopReason{kind: KindLimit, msg: why}
		for _, r := range runs {
			r.s.abort(r.id, reason)
		}
		// Let go of the slots: kept in runs' backing array, a stopped run's
		// runtime (and all it allocated) would stay reachable.
		clear(runs)
		runtime.GC()
		last = 0 // the collection is not growth
	}
}
