package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/models"
)

// TestLockBotProcessingSerializesOneBot: two instances processing the same
// bot take turns (the second starts once the first committed); another
// bot's processing is not held up.
func TestLockBotProcessingSerializesOneBot(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		if !sqldialect.IsPostgres(db) {
			t.Skip("SQLite serializes every writing transaction already (BEGIN IMMEDIATE)")
		}
		ctx := context.Background()
		first, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.LockBotProcessing(ctx, first, "bot_a"); err != nil {
			t.Fatal(err)
		}

		// Another bot: no waiting.
		other, _ := db.BeginTx(ctx, nil)
		quick, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := models.LockBotProcessing(quick, other, "bot_b"); err != nil {
			t.Fatalf("another bot's processing must not wait: %v", err)
		}
		other.Rollback()

		// The same bot: waits until the first transaction ends.
		acquired := make(chan error, 1)
		go func() {
			second, err := db.BeginTx(ctx, nil)
			if err != nil {
				acquired <- err
				return
			}
			defer second.Rollback()
			acquired <- models.LockBotProcessing(ctx, second, "bot_a")
		}()
		select {
		case err := <-acquired:
			t.Fatalf("the second processor of bot_a did not wait for the first (err %v)", err)
		case <-time.After(300 * time.Millisecond):
		}
		if err := first.Commit(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-acquired:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the second processor never got the lock after the first committed")
		}
	})
}
