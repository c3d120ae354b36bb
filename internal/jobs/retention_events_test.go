package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/models"
)

func TestRetentionPrunesLiveEventsPastTheirHour(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		for _, at := range []time.Time{models.Now().Add(-events.Retention - time.Minute), models.Now()} {
			if err := models.InsertEvent(ctx, db, &models.EventRecord{Scope: "usr_a", Kind: "bot", Data: "{}", CreatedAt: at}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := jobs.NewRetention(db, quietLog(), 30*24*time.Hour).Prune(ctx); err != nil {
			t.Fatal(err)
		}
		var left []models.EventRecord
		db.NewSelect().Model(&left).Scan(ctx) //nolint:errcheck
		if len(left) != 1 || left[0].CreatedAt.Before(models.Now().Add(-time.Minute)) {
			t.Fatalf("left %+v, want only the recent event", left)
		}
	})
}
