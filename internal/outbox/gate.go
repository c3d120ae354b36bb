package outbox

import (
	"context"
	"math"
	"sync"
	"time"
)

// Priorities: lower goes first. A person waiting for an answer (a reply,
// the bot's code, a message typed in the dashboard, a proxied call, a
// notification) goes before campaign greetings, which go before
// broadcasts.
const (
	PriorityPerson    = 0
	PriorityGreeting  = 1
	PriorityBroadcast = 2
	priorities        = 3
)

// Gates holds one Gate per bot: the rate limiter every sender of a bot on
// this instance draws from (the outbox and the broadcaster alike).
type Gates struct {
	interval time.Duration
	mu       sync.Mutex
	m        map[string]*Gate
}

// NewGates returns gates letting perSecond calls through per bot.
func NewGates(perSecond float64) *Gates {
	if perSecond <= 0 {
		perSecond = DefaultRate
	}
	return &Gates{interval: time.Duration(float64(time.Second) / perSecond), m: map[string]*Gate{}}
}

// Of returns the bot's gate.
func (gs *Gates) Of(botID string) *Gate {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.m[botID]
	if g == nil {
		perSecond := max(1, int(math.Round(float64(time.Second)/float64(gs.interval))))
		g = &Gate{interval: gs.interval, perSecond: perSecond, changed: make(chan struct{})}
		gs.m[botID] = g
	}
	return g
}

// Gate keeps a bot's calls within its rate: never more than the rate's
// calls in any one second (Telegram counts per second). Broadcasts and
// greetings are also spaced evenly (no bursts, so a person's message finds
// a slot within one interval even during a broadcast at full rate), while
// people waiting for an answer may go up to personBurst back to back while
// the last second leaves room for a whole burst: the answers of one
// processing batch leave together instead of one per interval, so a bot
// under its rate answers at once. Each free slot goes
// to the waiter of the lowest priority number; waiters of one priority go
// in no particular order. Hold stops everyone until a time (a 429's
// retry_after).
type Gate struct {
	interval  time.Duration
	perSecond int // calls allowed in any window of perSecond intervals (one second)

	mu      sync.Mutex
	next    time.Time   // the earliest time of the next evenly spaced slot
	recent  []time.Time // when the last perSecond calls passed, oldest first
	hold    time.Time   // nothing passes before this
	waiting [priorities]int
	changed chan struct{} // closed and replaced whenever waiters or slots change
}

// personBurst is how many calls to people may pass back to back, within
// the rate: at 30 per second, 4 within 133 ms.
const personBurst = 4

// slotLocked is the earliest time a call at priority p may pass.
func (g *Gate) slotLocked(p int, now time.Time) time.Time {
	at := g.hold
	later := func(t time.Time) {
		if t.After(at) {
			at = t
		}
	}
	n := len(g.recent)
	if n >= g.perSecond {
		later(g.recent[n-g.perSecond].Add(max(time.Second, time.Duration(g.perSecond)*g.interval)))
	}
	if p == PriorityPerson && g.lastSecondLocked(now) <= g.perSecond-personBurst {
		// Room for a whole burst in this second: no even spacing.
		if n >= personBurst {
			later(g.recent[n-personBurst].Add(personBurst * g.interval))
		}
	} else {
		// Near the rate, everyone is spaced evenly: a call that leaves a
		// little late (its claim took longer) then never lands in the
		// same second as a burst.
		later(g.next)
	}
	return at
}

// lastSecondLocked counts the calls that passed in the second before now.
func (g *Gate) lastSecondLocked(now time.Time) int {
	n := 0
	for i := len(g.recent) - 1; i >= 0 && now.Sub(g.recent[i]) < time.Second; i-- {
		n++
	}
	return n
}

// passLocked records a call passing at now.
func (g *Gate) passLocked(now time.Time) {
	g.next = now.Add(g.interval)
	g.recent = append(g.recent, now)
	if keep := max(g.perSecond, personBurst); len(g.recent) > keep {
		g.recent = append(g.recent[:0], g.recent[len(g.recent)-keep:]...)
	}
}

// Wait blocks until the caller may make one call at priority p.
func (g *Gate) Wait(ctx context.Context, p int) error {
	p = min(max(p, 0), priorities-1)
	g.mu.Lock()
	g.waiting[p]++
	for {
		now := time.Now()
		ahead := false
		for q := range p {
			if g.waiting[q] > 0 {
				ahead = true
				break
			}
		}
		at := g.slotLocked(p, now)
		if !ahead && !now.Before(at) {
			g.passLocked(now)
			g.waiting[p]--
			g.changedLocked()
			g.mu.Unlock()
			return nil
		}
		ch := g.changed
		g.mu.Unlock()
		var timer *time.Timer
		var tick <-chan time.Time
		if !ahead {
			timer = time.NewTimer(at.Sub(now))
			tick = timer.C
		}
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-ch:
		case <-tick:
		}
		if timer != nil {
			timer.Stop()
		}
		g.mu.Lock()
		if err != nil {
			g.waiting[p]--
			g.changedLocked()
			g.mu.Unlock()
			return err
		}
	}
}

// TakeNow lets up to n more calls at priority p pass at once, without
// waiting, and returns how many it let through: the rest of a batch of
// answers whose first call passed Wait. No call passes while a more urgent
// caller waits or the slot is not free yet.
func (g *Gate) TakeNow(p, n int) int {
	p = min(max(p, 0), priorities-1)
	g.mu.Lock()
	defer g.mu.Unlock()
	for q := range p {
		if g.waiting[q] > 0 {
			return 0
		}
	}
	taken := 0
	for ; taken < n; taken++ {
		now := time.Now()
		if now.Before(g.slotLocked(p, now)) {
			break
		}
		g.passLocked(now)
	}
	if taken > 0 {
		g.changedLocked()
	}
	return taken
}

// Hold keeps every caller waiting until until.
func (g *Gate) Hold(until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.hold) {
		g.hold = until
		g.changedLocked()
	}
}

// Waiting reports how many callers wait at priorities before p (the
// broadcaster's view: is someone more urgent queued here).
func (g *Gate) Waiting(p int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for q := range min(max(p, 0), priorities) {
		n += g.waiting[q]
	}
	return n
}

func (g *Gate) changedLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}
