package core

import (
	"context"
	"testing"
	"time"
)

// TestAccountsShareRuntimesFairly: several bots of one account together
// hold at most half of the engine's runtimes, so another account always
// has the other half. (The audit had three hostile bots of one account, each
// allowed half, take every runtime.)
func TestAccountsShareRuntimesFairly(t *testing.T) {
	const runtimes = 8
	c := &Code{gate: newBotGate(runtimes / 2), owners: newBotGate(runtimes / 2)}
	ctx := context.Background()
	var held []func()
	for i := 0; i < 3*runtimes; i++ {
		b := webhookBot{ID: []string{"bot_a1", "bot_a2", "bot_a3"}[i%3], OwnerID: "usr_a"}
		release, err := c.acquire(ctx, b, time.Millisecond)
		if err != nil {
			continue
		}
		held = append(held, release)
	}
	if len(held) != runtimes/2 {
		t.Fatalf("account a holds %d runs at once, want %d", len(held), runtimes/2)
	}
	// Another account gets the other half at once.
	for i := 0; i < runtimes/2; i++ {
		release, err := c.acquire(ctx, webhookBot{ID: "bot_b", OwnerID: "usr_b"}, 0)
		if err != nil {
			t.Fatalf("account b's run %d waited: %v", i, err)
		}
		defer release()
	}
	// A bot that cannot get its own slot gives the account's slot back.
	for _, r := range held {
		r()
	}
	hog := webhookBot{ID: "bot_a1", OwnerID: "usr_a"}
	for i := 0; i < runtimes/2; i++ {
		r, err := c.acquire(ctx, hog, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r()
	}
	if _, err := c.acquire(ctx, hog, time.Millisecond); err == nil {
		t.Fatal("a bot got more than its share")
	}
	if n := len(c.owners.m["usr_a"]); n != runtimes/2 {
		t.Fatalf("account slots held: %d", n)
	}
}
