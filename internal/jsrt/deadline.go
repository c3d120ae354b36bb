package jsrt

import (
	"fmt"
	"time"
)

// The run's deadline: one timer per slot, re-armed for every run, instead of a new timer (and
// its closure) per run.
//
// A timer that fired just as its run ended may call deadlineReached after the next run has
// re-armed it. The call reads what is armed now, so it must not stop the new run early: it
// does nothing until the armed deadline has passed (the new run's own firing is scheduled by
// Reset), and abort ignores a run that is no longer current.

// armedTimer is what the slot's timer is armed for.
type armedTimer struct {
	id     uint64
	at     time.Time // the deadline
	d      time.Duration
	format string // the timeout message, with %v for d
}

// armTimer arms the slot's timer to interrupt run id after d.
func (s *slot) armTimer(id uint64, d time.Duration, format string) {
	s.mu.Lock()
	s.armed = armedTimer{id: id, at: time.Now().Add(d), d: d, format: format}
	s.mu.Unlock()
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.deadlineReached)
		s.disarm = func() { s.timer.Stop() }
		return
	}
	s.timer.Reset(d)
}

// deadlineReached runs on the timer's goroutine.
func (s *slot) deadlineReached() {
	s.mu.Lock()
	a := s.armed
	s.mu.Unlock()
	if time.Now().Before(a.at) {
		return // a late firing armed for an earlier run
	}
	s.abort(a.id, &stopReason{kind: KindTimeout, msg: fmt.Sprintf(a.format, a.d.Round(time.Millisecond))})
}
