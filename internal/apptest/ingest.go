package apptest

import (
	"context"
	"testing"
	"time"
)

// Process runs the update pipeline over everything stored so far, as the
// workers would, and returns when it is done.
func (e *Env) Process(t testing.TB) {
	t.Helper()
	if _, err := e.App.Ingest.ProcessStored(context.Background(), 0); err != nil {
		t.Fatalf("process updates: %v", err)
	}
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
