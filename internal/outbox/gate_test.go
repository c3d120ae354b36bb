package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/outbox"
)

// passes makes n calls at priority p through a fresh gate of rate calls
// per second, one after another, and returns when each passed.
func passes(t *testing.T, rate float64, p, n int) []time.Time {
	t.Helper()
	g := outbox.NewGates(rate).Of("bot")
	out := make([]time.Time, 0, n)
	for range n {
		if err := g.Wait(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		out = append(out, time.Now())
	}
	return out
}

// TestGateNeverExceedsItsRate: whatever the priority, no second ever sees
// more calls than the rate, and broadcasts are spaced evenly.
func TestGateNeverExceedsItsRate(t *testing.T) {
	for _, p := range []int{outbox.PriorityPerson, outbox.PriorityBroadcast} {
		at := passes(t, 10, p, 25)
		for i := 10; i < len(at); i++ {
			if d := at[i].Sub(at[i-10]); d < time.Second {
				t.Fatalf("priority %d: 11 calls within %s", p, d)
			}
		}
		if p == outbox.PriorityBroadcast {
			for i := 1; i < len(at); i++ {
				if d := at[i].Sub(at[i-1]); d < 100*time.Millisecond {
					t.Fatalf("broadcast calls %s apart at 10/s", d)
				}
			}
		}
	}
}

// TestGateLetsAnswersGoTogether: a bot under its rate answers a few people
// at once instead of one per interval.
func TestGateLetsAnswersGoTogether(t *testing.T) {
	at := passes(t, 8, outbox.PriorityPerson, 4) // even spacing would take 375 ms
	if d := at[3].Sub(at[0]); d >= 375*time.Millisecond {
		t.Fatalf("4 answers at 8/s took %s: they were spaced", d)
	}
}

// TestGateTakeNowKeepsTheRate: a batch's extra calls taken at once join
// the first only within a burst, and no second sees more than the rate.
func TestGateTakeNowKeepsTheRate(t *testing.T) {
	g := outbox.NewGates(10).Of("bot")
	var at []time.Time
	for len(at) < 25 {
		if err := g.Wait(context.Background(), outbox.PriorityPerson); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		at = append(at, now)
		extra := g.TakeNow(outbox.PriorityPerson, 10)
		if extra > 3 {
			t.Fatalf("%d calls passed together; a burst is 4 at most", extra+1)
		}
		for range extra {
			at = append(at, now)
		}
	}
	for i := 10; i < len(at); i++ {
		if d := at[i].Sub(at[i-10]); d < time.Second {
			t.Fatalf("11 calls within %s", d)
		}
	}
	if n := g.TakeNow(outbox.PriorityBroadcast, 5); n > 1 {
		t.Fatalf("broadcasts are spaced evenly: %d taken at once", n)
	}
}
