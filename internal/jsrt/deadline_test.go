package jsrt

import (
	"testing"
	"time"
)

// TestLateDeadlineFiringSparesTheNextRun: the slot's one timer may fire for a run that has
// just ended after the next run re-armed it (deadline.go). Called directly, without waiting:
// a firing before the armed deadline leaves the current run alone, one after it stops the run,
// and one for a run that has ended stops nothing.
func TestLateDeadlineFiringSparesTheNextRun(t *testing.T) {
	cfg := Config{}.withDefaults()
	s, err := newSlot(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	prog := &Program{}
	now := time.Now()

	id := s.begin(&runState{start: now, deadline: now.Add(time.Hour)}, prog)
	s.armTimer(id, time.Hour, "the handler did not finish within %v")
	s.deadlineReached() // as if the previous run's firing arrived now
	if r := s.stop.Load(); r != nil {
		t.Fatalf("a firing before the deadline stopped the run: %s", r.msg)
	}
	s.timer.Stop()
	s.end()

	id = s.begin(&runState{start: now, deadline: now}, prog)
	s.armTimer(id, 0, "the handler did not finish within %v")
	s.timer.Stop() // fire by hand
	s.deadlineReached()
	r := s.stop.Load()
	if r == nil || r.kind != KindTimeout || r.msg != "the handler did not finish within 0s" {
		t.Fatalf("past its deadline the run was not stopped: %+v", r)
	}
	s.end()

	s.deadlineReached() // the run has ended: nothing to stop
	if r := s.stop.Load(); r != nil {
		t.Fatalf("a firing after the run ended stopped the slot: %s", r.msg)
	}
}
