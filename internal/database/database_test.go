package database_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
)

func TestMigrateUpDownUp(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		pending, err := database.Pending(ctx, db)
		if err != nil || pending != 0 {
			t.Fatalf("after migrate: pending=%d err=%v", pending, err)
		}
		// Roll every group back, then forward again: down migrations must
		// really undo their up migrations.
		for {
			undone, err := database.Rollback(ctx, db)
			if err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if len(undone) == 0 {
				break
			}
		}
		st, err := database.Status(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s.Applied {
				t.Fatalf("%s still applied after rollback", s.Name)
			}
		}
		applied, err := database.Migrate(ctx, db)
		if err != nil || len(applied) != len(st) {
			t.Fatalf("re-migrate: applied %d of %d, err=%v", len(applied), len(st), err)
		}
		again, err := database.Migrate(ctx, db)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate should be a no-op: %v %v", again, err)
		}
	})
}

func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		if d != "postgres" {
			continue // SQLite is single-instance by design
		}
		t.Run(string(d), func(t *testing.T) {
			url := dbtest.URL(t, d)
			ctx := context.Background()
			errs := make(chan error, 3)
			for range 3 {
				go func() {
					db, err := database.Open(ctx, url)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					_, err = database.Migrate(ctx, db)
					errs <- err
				}()
			}
			for range 3 {
				if err := <-errs; err != nil {
					t.Fatalf("concurrent migrate: %v", err)
				}
			}
		})
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	if _, err := database.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("expected an error for an unsupported URL")
	}
}
