package events_test

import (
	"sync"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/events"
)

func TestThrottleFoldsTouchesAndAlwaysReportsTheLast(t *testing.T) {
	const every = 100 * time.Millisecond
	var mu sync.Mutex
	calls := map[string][]time.Time{}
	touchedLast := map[string]time.Time{}
	th := events.NewThrottle(every, func(key string) {
		mu.Lock()
		calls[key] = append(calls[key], time.Now())
		mu.Unlock()
	})
	defer th.Close()

	start := time.Now()
	for range 200 {
		for _, k := range []string{"bc_1", "bc_2"} {
			mu.Lock()
			touchedLast[k] = time.Now()
			mu.Unlock()
			th.Touch(k)
		}
	}
	// The last touch of each key is followed by a call (the trailing one).
	waitFor(t, "a call after the last touch", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for k, at := range touchedLast {
			c := calls[k]
			if len(c) == 0 || c[len(c)-1].Before(at) {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	for k, c := range calls {
		// At most one call per interval (plus the first): however long the
		// loop took on a loaded machine.
		if limit := 2 + int(elapsed/every); len(c) > limit {
			t.Errorf("%s: %d calls in %s, at most %d expected", k, len(c), elapsed, limit)
		}
		for i := 1; i < len(c); i++ {
			if gap := c[i].Sub(c[i-1]); gap < every {
				t.Errorf("%s: calls %s apart, interval %s", k, gap, every)
			}
		}
	}
}

func TestThrottleCallsAQuietKeyAtOnce(t *testing.T) {
	got := make(chan string, 4)
	th := events.NewThrottle(time.Hour, func(key string) { got <- key })
	defer th.Close()
	th.Touch("bc_1")
	th.Touch("bc_2")
	for range 2 {
		select {
		case <-got:
		case <-time.After(20 * time.Second):
			t.Fatal("the first touch of a key must call at once")
		}
	}
}
