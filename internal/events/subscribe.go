package events

import (
	"context"
	"errors"

	"github.com/botdeck/botdeck/models"
)

// Delivery is what a subscriber receives: events in log order and the
// cursor to resume from after them.
type Delivery struct {
	Events []Event
	Cursor Cursor
}

// Subscription receives the events of one scope on this instance.
type Subscription struct {
	bus    *Bus
	scope  string
	filter Filter
	ch     chan Delivery
	err    error // why ch was closed; written before the close

	// Replay holds what a reconnecting client missed, oldest first, and
	// Start the cursor after it: live deliveries begin there.
	Replay []Event
	Start  Cursor
	// Reset is set when the client's cursor could not be honoured (older
	// than the log keeps, or more than Config.ReplayLimit events behind):
	// it must reload what it shows.
	Reset bool
}

// C delivers events until the subscription ends; then it is closed and
// Err says why.
func (s *Subscription) C() <-chan Delivery { return s.ch }

// Err is why C was closed: ErrClosed (shutdown), ErrLagging (the
// subscriber fell too far behind), or nil after Close.
func (s *Subscription) Err() error { return s.err }

// Close ends the subscription.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s.scope][s]; ok {
		b.dropLocked(s, nil)
	}
}

// Subscribe starts receiving scope's events that match f. With from (a
// cursor the client sent back as Last-Event-ID) it also collects, in
// Replay, the events of the scope the client missed since from.
func (b *Bus) Subscribe(ctx context.Context, scope string, from *Cursor, f Filter) (*Subscription, error) {
	if scope == "" {
		return nil, errors.New("events: subscribe needs a scope")
	}
	if b.isClosed() {
		return nil, ErrClosed
	}
	if err := b.start(); err != nil {
		if b.isClosed() {
			return nil, ErrClosed
		}
		return nil, err
	}
	s := &Subscription{bus: b, scope: scope, filter: f, ch: make(chan Delivery, b.cfg.Buffer)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	set := b.subs[scope]
	if set == nil {
		set = map[*Subscription]struct{}{}
		b.subs[scope] = set
	}
	set[s] = struct{}{}
	// Everything up to here was delivered before s existed; everything
	// after reaches s live. Replay fills the difference from the table.
	last, pending := b.pos.last, b.gapIDsLocked()
	s.Start = b.pos.cursor()
	b.mu.Unlock()

	if from == nil {
		return s, nil
	}
	if err := b.replay(ctx, s, *from, last, pending); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// replay collects the events of s's scope after from and up to the
// reader's position when s was registered (last, except the ids it still
// waits for, which will arrive live).
func (b *Bus) replay(ctx context.Context, s *Subscription, from Cursor, last int64, pending []int64) error {
	if from.Last == last && len(from.Gaps) == 0 {
		return nil
	}
	oldest, _, err := models.EventIDRange(ctx, b.db)
	if err != nil {
		return err
	}
	switch {
	case from.Last > last:
		// Not a position of this log (another database, or restored).
		s.Reset = true
		return nil
	case oldest == 0 && from.Last < last, oldest > from.Last+1:
		// Events after from were pruned: what the client missed is gone.
		s.Reset = true
		return nil
	}
	kinds := make([]string, len(s.filter.Kinds))
	for i, k := range s.filter.Kinds {
		kinds[i] = string(k)
	}
	rows, err := models.ReplayEvents(ctx, b.db, models.EventReplay{
		Scope: s.scope, After: from.Last, Also: from.Gaps, UpTo: last, Except: pending,
		BotID: s.filter.BotID, Kinds: kinds, Subject: s.filter.Subject,
		Member: s.filter.Member, Notifications: s.filter.Notifications, Limit: b.cfg.ReplayLimit + 1,
	})
	if err != nil {
		return err
	}
	if len(rows) > b.cfg.ReplayLimit {
		s.Reset = true
		return nil
	}
	s.Replay = make([]Event, len(rows))
	for i, r := range rows {
		s.Replay[i] = toEvent(r)
	}
	return nil
}

func (b *Bus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Subscribers counts this instance's subscriptions.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, set := range b.subs {
		n += len(set)
	}
	return n
}

// deliverLocked hands events (in log order) to the matching subscribers
// without ever waiting: one whose buffer is full is dropped.
func (b *Bus) deliverLocked(fresh []Event, c Cursor) {
	if len(fresh) == 1 {
		e := &fresh[0]
		for s := range b.subs[e.Scope] {
			if s.filter.match(e) {
				b.sendLocked(s, Delivery{Events: fresh, Cursor: c})
			}
		}
		return
	}
	per := map[*Subscription][]Event{}
	var order []*Subscription
	for i := range fresh {
		e := &fresh[i]
		for s := range b.subs[e.Scope] {
			if !s.filter.match(e) {
				continue
			}
			if _, seen := per[s]; !seen {
				order = append(order, s)
			}
			per[s] = append(per[s], *e)
		}
	}
	for _, s := range order {
		b.sendLocked(s, Delivery{Events: per[s], Cursor: c})
	}
}

func (b *Bus) sendLocked(s *Subscription, d Delivery) {
	select {
	case s.ch <- d:
	default:
		b.dropLocked(s, ErrLagging)
	}
}

func (b *Bus) dropLocked(s *Subscription, err error) {
	set := b.subs[s.scope]
	if _, ok := set[s]; !ok {
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(b.subs, s.scope)
	}
	s.err = err
	close(s.ch)
}
