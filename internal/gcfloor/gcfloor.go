// Package gcfloor lets the heap grow to a floor before the garbage collector
// runs, while the live heap is small.
//
// With the default GOGC (100) the collector runs whenever the heap doubles
// its live size. Botdeck's live heap is small (tens of MB), while a busy
// instance allocates hundreds of MB a second — a /custom request through a
// JavaScript handler allocates about 16 kB — so it collected dozens of
// times a second: background marking alone was a tenth of a trivial
// handler's CPU, and GOGC=400 cut its CPU per request by about a fifth
// (docs/BENCHMARKS.md, /custom, third pass). Start raises GOGC
// after each collection so that the next one comes at Floor bytes of heap
// (at most GOGC 400) while the live heap is under half of it, and leaves
// GOGC at 100 above that: the heap never exceeds max(2 × live, Floor), so
// memory grows by at most Floor for a small live heap and not at all for a
// large one, and the jsrt heap watchdog's limit (1 GiB by default, far
// above Floor) keeps its meaning.
//
// An operator's GOGC wins: with GOGC set in the environment (the memory
// pass of scripts/bench/sse.sh sets GOGC=5) Start does nothing.
package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// DefaultFloor is the heap size the collector waits for while the live heap
// is small.
const DefaultFloor = 128 << 20

// maxPercent bounds GOGC, so a nearly empty heap does not wait for many
// times its live size (400 measured: background marking's share of a
// trivial /custom request fell from 11 % to under 3 %).
const maxPercent = 400

// Start begins tuning GOGC after every collection, for the life of the
// process. It reports false, and does nothing, when GOGC is set.
func Start(floor int64) bool {
	if os.Getenv("GOGC") != "" || floor <= 0 {
		return false
	}
	t := &tuner{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.adjust()
	t.arm()
	return true
}

type tuner struct {
	floor   int64
	percent int
	sample  []metrics.Sample
}

// sentinel becomes garbage at once; its finalizer runs after the next
// collection and re-arms with a new one. (It holds a pointer, so it is
// never a tiny allocation, whose finalizer could wait for its neighbours.)
type sentinel struct{ t *tuner }

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t}, func(s *sentinel) {
		s.t.adjust()
		s.t.arm()
	})
}

// adjust sets GOGC for the live heap the last collection left.
func (t *tuner) adjust() {
	metrics.Read(t.sample)
	var live int64
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(t.sample[0].Value.Uint64())
	}
	if p := PercentFor(live, t.floor); p != t.percent {
		debug.SetGCPercent(p)
		t.percent = p
	}
}

// PercentFor is the GOGC that puts the next collection at floor bytes of
// heap after one that left live bytes, between 100 and maxPercent.
func PercentFor(live, floor int64) int {
	if live <= 0 {
		return maxPercent
	}
	p := floor*100/live - 100
	return int(min(max(p, 100), maxPercent))
}
