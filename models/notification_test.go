package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// A mark moves once per change, however many transactions try at once; a
// quiet period lets an unchanged value move again only after it.
func TestMoveNotificationMark(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		move := func(value string, at time.Time, quiet time.Duration) (string, int64, bool) {
			t.Helper()
			var old string
			var seq int64
			var moved bool
			err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var err error
				old, seq, moved, err = models.MoveNotificationMark(ctx, tx, "t:1", value, at, quiet)
				return err
			})
			if err != nil {
				t.Error(err)
			}
			return old, seq, moved
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		movedCount := 0
		for range 8 {
			wg.Go(func() {
				if _, _, moved := move("warning", now, 0); moved {
					mu.Lock()
					movedCount++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if movedCount != 1 {
			t.Fatalf("8 concurrent moves to one value moved %d times", movedCount)
		}
		if old, seq, moved := move("active", now, 0); !moved || old != "warning" || seq != 2 {
			t.Fatalf("back: %q %d %v", old, seq, moved)
		}
		// Quiet: the same value moves again only after the period.
		if _, _, moved := move("active", now.Add(time.Minute), 10*time.Minute); moved {
			t.Fatal("moved within the quiet period")
		}
		if _, seq, moved := move("active", now.Add(11*time.Minute), 10*time.Minute); !moved || seq != 3 {
			t.Fatalf("after the quiet period: %d %v", seq, moved)
		}
	})
}

// Notifications with the same (member, dedupe key) are stored once; the
// list, unread count and marking read stay within the member; pruning
// drops old ones; the sender's lease has one holder.
func TestNotificationStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ann, bob := insertUser(t, db, "ann-n@example.com"), insertUser(t, db, "bob-n@example.com")
		row := func(user, key string) *models.Notification {
			return &models.Notification{OwnerID: ann, UserID: user, Kind: models.NotifyBroadcastDone, Title: "t", DedupeKey: key, InApp: true}
		}
		got, err := models.InsertNotifications(ctx, db, []*models.Notification{row(ann, "k1"), row(bob, "k1")})
		if err != nil || len(got) != 2 {
			t.Fatalf("insert: %d %v", len(got), err)
		}
		got, err = models.InsertNotifications(ctx, db, []*models.Notification{row(ann, "k1"), row(ann, "k2")})
		if err != nil || len(got) != 1 || got[0].DedupeKey != "k2" {
			t.Fatalf("insert again: %v %v", got, err)
		}
		if n, err := models.CountUnreadNotifications(ctx, db, ann); err != nil || n != 2 {
			t.Fatalf("unread: %d %v", n, err)
		}
		if n, err := models.MarkNotificationsRead(ctx, db, bob, []string{got[0].ID}, false, models.Now()); err != nil || n != 0 {
			t.Fatalf("bob marked ann's: %d %v", n, err)
		}
		if n, err := models.MarkNotificationsRead(ctx, db, ann, nil, true, models.Now()); err != nil || n != 2 {
			t.Fatalf("mark all: %d %v", n, err)
		}
		list, total, err := models.ListNotifications(ctx, db, ann, true, models.Window{Limit: 10})
		if err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("unread after marking: %v %d %v", list, total, err)
		}
		if n, err := models.PruneNotifications(ctx, db, models.Now().Add(time.Hour), 1); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}

		now := models.Now()
		if ok, err := models.TakeNotificationLease(ctx, db, "telegram", "a", now, time.Minute); err != nil || !ok {
			t.Fatalf("a takes: %v %v", ok, err)
		}
		if ok, err := models.TakeNotificationLease(ctx, db, "telegram", "b", now, time.Minute); err != nil || ok {
			t.Fatalf("b takes a held lease: %v %v", ok, err)
		}
		if ok, err := models.HoldsNotificationLease(ctx, db, "telegram", "a", now); err != nil || !ok {
			t.Fatalf("a holds: %v %v", ok, err)
		}
		if ok, err := models.TakeNotificationLease(ctx, db, "telegram", "b", now.Add(2*time.Minute), time.Minute); err != nil || !ok {
			t.Fatalf("b takes an expired lease: %v %v", ok, err)
		}
		if ok, err := models.HoldsNotificationLease(ctx, db, "telegram", "a", now.Add(2*time.Minute)); err != nil || ok {
			t.Fatalf("a still holds: %v %v", ok, err)
		}
	})
}
