package core

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/jsrt"
)

func TestProgramCacheKeepsCurrentVersionsWithinBounds(t *testing.T) {
	prog, err := jsrt.Compile(`logic['a'] = () => 1;`)
	if err != nil {
		t.Fatal(err)
	}
	c := newProgramCache()
	c.max, c.limit = 3, 1000
	for i := 0; i < 3; i++ {
		c.put(fmt.Sprintf("bot%d", i), newCompiled(1, prog, 100))
		time.Sleep(time.Millisecond)
	}
	if c.get("bot0", 1) == nil || c.get("bot0", 2) != nil {
		t.Fatal("an entry answers for its version only")
	}
	time.Sleep(time.Millisecond)
	c.put("bot3", newCompiled(1, prog, 100)) // evicts the least recently used: bot1
	if c.get("bot1", 1) != nil || c.get("bot0", 1) == nil || c.get("bot3", 1) == nil || len(c.m) != 3 {
		t.Fatalf("eviction kept %v", c.m)
	}
	// A newer version replaces the entry; an older one never does.
	c.put("bot0", newCompiled(5, prog, 100))
	c.put("bot0", newCompiled(4, prog, 100))
	if c.get("bot0", 5) == nil {
		t.Fatal("the newest version stays")
	}
	// The byte bound holds too.
	c.put("big", newCompiled(1, prog, 900))
	if c.bytes > c.limit {
		t.Fatalf("%d bytes kept, limit %d", c.bytes, c.limit)
	}
	if !c.get("big", 1).handlers["a"] {
		t.Fatal("handlers are indexed")
	}
}

func TestBotGateLeavesRoomForOtherBots(t *testing.T) {
	g := newBotGate(2)
	ctx := context.Background()
	r1, _ := g.acquire(ctx, "a", time.Second)
	r2, _ := g.acquire(ctx, "a", time.Second)
	start := time.Now()
	if _, err := g.acquire(ctx, "a", 20*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("a third run of bot a must wait, then give up: %v", err)
	}
	rb, err := g.acquire(ctx, "b", time.Millisecond)
	if err != nil {
		t.Fatalf("bot b must not wait for bot a: %v", err)
	}
	rb()
	r1()
	if _, err := g.acquire(ctx, "a", time.Millisecond); err != nil {
		t.Fatalf("a released slot is free again: %v", err)
	}
	r2()
}

func TestLogBudget(t *testing.T) {
	l := newLogBudget()
	allowed, dropped, _ := l.take("a", logBurst, 0)
	if allowed != logBurst || dropped != 0 {
		t.Fatalf("the burst is allowed: %d %d", allowed, dropped)
	}
	// Over budget: counted, not written.
	if allowed, _, _ := l.take("a", 10, 1); allowed != 0 {
		t.Fatalf("over budget: %d allowed", allowed)
	}
	// Other bots have their own budget.
	if allowed, _, _ := l.take("b", 5, 0); allowed != 5 {
		t.Fatal("bot b is not limited by bot a")
	}
	// Later, the next batch reports what was dropped.
	l.m["a"].at = l.m["a"].at.Add(-time.Second)
	allowed, dropped, droppedErrors := l.take("a", 1, 0)
	if allowed != 1 || dropped != 10 || droppedErrors != 1 {
		t.Fatalf("after a second: allowed %d, dropped %d, errors %d", allowed, dropped, droppedErrors)
	}
}
