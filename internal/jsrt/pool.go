package jsrt

// ISOLATION AND POOLING — the decision and the numbers behind it.
//
// Decision: runs execute on pooled runtimes that were locked down once (sandbox.go), not on a
// fresh runtime per run.
//
// The question was measured first (bench_test.go; go test -run '^$' -bench . -cpu 2, on the
// 2-core build machine while other builds were running, so absolute numbers vary by ±2×):
//
//	                                            fresh runtime per run     pooled, reused runtime
//	Engine.Run, trivial handler, 32 goroutines  5.4–12.8 ms/run, ~80–190  10–25 µs/run, 40–100k
//	                                            runs/s, 2.2 MB/run        runs/s, 7.9 kB/run
//	Engine.Run, one at a time (p50 / p99)       —                         8 µs / 72 µs (trivial)
//	                                                                      11 µs / 125 µs (db read)
//
// goja.New itself costs 0.5 µs (goja builds its built-ins lazily), but a *sandboxed* runtime does
// not: replacing ~75 built-ins with guarded versions and freezing the ~520 objects and
// functions reachable from the global object materialises every built-in, 5 ms on an idle core
// (BenchmarkNewSandbox). Per run, that is 500 times the cost of the handler. A fresh, unguarded,
// unfrozen runtime (16 µs measured) would only trade the cost for the guards, which are not
// optional. So runtimes are reused, and the pool must prove that reuse leaks nothing:
//
//   - The realm is frozen: every object reachable from the global object, from the intrinsics
//     that syntax reaches and from the bindings is frozen, the global object included, and
//     goja's accessors that would keep a hidden value on assignment are rebuilt. The per-bot and
//     per-run parts live outside it: the script runs as the body of a function whose scope, with
//     logic and bot, is the bot's instance (instance.go: kept per runtime and bot, reachable only
//     from runs of that bot), query/body/response/params/ctx are new objects, the bindings act
//     on the current run only, Symbol.for has a per-run registry.
//   - goja's own per-call state is reset by goja: each call from Go drains (or, after an
//     interrupt, drops) the promise job queue and the value stack; the interrupt flag is cleared
//     after every run (ClearInterrupt), and a late deadline timer cannot reach a later run
//     (runs are numbered, abort checks the number under a lock; the slot's one re-armed timer
//     also ignores a firing before the deadline it is armed for, deadline.go).
//   - isolation_test.go fingerprints the whole reachable graph (every property, attribute,
//     prototype and identity) and checks it is unchanged after a script that tries to change
//     every reachable object, including runs cut short by an exception, a limit, a timeout and
//     the heap watchdog, on the same runtime; that fingerprint first caught goja's writable
//     Map/Set size accessors. hostile_test.go checks the same from a second bot's point of view,
//     also with hostile bots running concurrently.
//
// A runtime is dropped only after a failure of the sandbox itself (ErrInternal) and after
// MaxRunsPerRuntime runs. Interrupted runs keep their runtime: rebuilding one costs 5 ms of CPU
// that a bot could otherwise trigger at will with `'x'.repeat(2**40)`.
//
// Sizing: MaxConcurrent runtimes (default 4×GOMAXPROCS, each ~450 kB), created on demand; a
// request waits for one until its context ends. Through HTTP at concurrency 32
// (BenchmarkHTTPRatio, which alternates the servers so that background load affects them alike;
// the machine's load average was 3–7 from other builds), a trivial handler reached 0.67–0.77 of
// a bare Go JSON handler's requests/s and a handler doing one db read 0.46–0.59. The engine costs
// 8–9 µs (p50) of CPU per trivial run, 13–20 µs on average with GC; GOJA.md's PocketBase
// reference is 0.56 with 18–20 µs. The first request after a save costs about 35–45 µs on a warm
// engine, 7 ms on a cold one (it builds the first sandbox). MaxConcurrent 32 instead of 8 made
// no measurable difference.

import (
	"context"
	"runtime"
	"time"
)

// pool bounds the runs in progress (MaxConcurrent) and keeps idle sandboxes for reuse.
type pool struct {
	cfg  *Config
	sem  chan struct{}
	idle chan *slot
}

func newPool(cfg *Config) *pool {
	return &pool{
		cfg:  cfg,
		sem:  make(chan struct{}, cfg.MaxConcurrent),
		idle: make(chan *slot, cfg.MaxConcurrent),
	}
}

// get waits for a free place (or the end of ctx) and returns an idle sandbox or a new one.
func (p *pool) get(ctx context.Context, until time.Time) (*slot, error) {
	select {
	case p.sem <- struct{}{}:
	default:
		// Only a wait needs a timer: the free path allocates none.
		var expired <-chan time.Time
		if !until.IsZero() {
			t := time.NewTimer(time.Until(until))
			defer t.Stop()
			expired = t.C
		}
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, context.DeadlineExceeded
		}
	}
	if !p.cfg.freshRuntimes {
		select {
		case s := <-p.idle:
			return s, nil
		default:
		}
	}
	s, err := newSlot(p.cfg)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return s, nil
}

// put returns a sandbox after a run. Sandboxes that were interrupted or hit a limit, and those
// past MaxRunsPerRuntime, are dropped.
func (p *pool) put(s *slot) {
	// Read before the slot is handed back: its next run, on another goroutine, writes it.
	collect := s.collect
	if !s.broken && !p.cfg.freshRuntimes && s.runs < p.cfg.MaxRunsPerRuntime {
		select {
		case p.idle <- s:
		default:
		}
	}
	<-p.sem
	if collect {
		// The runtime of a stopped run is dropped: free what it held. In the background, because until the caller's frame (Run)
		// returns the slot is still reachable from it.
		go runtime.GC()
	}
}
