package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func TestOutboxStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		key := "k1"
		row := func(chat int64, prio int, key *string) *models.OutboxMessage {
			return &models.OutboxMessage{BotID: bot, ChatID: chat, Method: "sendMessage", Params: `{"text":"x"}`, Priority: prio,
				Origin: "reply", IdemKey: key, Status: models.OutboxQueued, NotBefore: now, CreatedAt: now, UpdatedAt: now}
		}
		n, err := models.InsertOutbox(ctx, db, row(1, 2, nil), row(2, 0, &key), row(3, 0, nil))
		if err != nil || n != 3 {
			t.Fatalf("insert: %d %v", n, err)
		}
		if n, err := models.InsertOutbox(ctx, db, row(4, 0, &key)); err != nil || n != 0 {
			t.Fatalf("a used key queues nothing: %d %v", n, err)
		}

		// Claims need the lease; they go by priority, then age, skipping chats.
		if m, err := models.ClaimOutbox(ctx, db, bot, "me", 1, now, nil); err != nil || m != nil {
			t.Fatalf("claim without the lease: %v %v", m, err)
		}
		epoch, ok, err := models.AcquireOutboxLease(ctx, db, bot, "me", now.Add(time.Minute), now)
		if err != nil || !ok {
			t.Fatalf("lease: %v %v", ok, err)
		}
		if _, ok, _ := models.AcquireOutboxLease(ctx, db, bot, "other", now.Add(time.Minute), now); ok {
			t.Fatal("a held lease cannot be taken")
		}
		m, err := models.ClaimOutbox(ctx, db, bot, "me", epoch, now, []int64{2})
		if err != nil || m == nil || m.ChatID != 3 || m.Status != models.OutboxSending || m.Attempts != 1 || m.Epoch != epoch {
			t.Fatalf("claim: %+v %v", m, err)
		}
		if ok, err := models.FinishOutbox(ctx, db, m.ID, epoch+1, models.OutboxOutcome{Status: models.OutboxSent}, now); err != nil || ok {
			t.Fatalf("another epoch cannot record: %v %v", ok, err)
		}
		if ok, err := models.FinishOutbox(ctx, db, m.ID, epoch, models.OutboxOutcome{Status: models.OutboxSent, MessageID: 9}, now); err != nil || !ok {
			t.Fatalf("record: %v %v", ok, err)
		}
		// Left "sending" by this epoch, then found by the next holder.
		m, _ = models.ClaimOutbox(ctx, db, bot, "me", epoch, now, nil)
		if m == nil || m.ChatID != 2 {
			t.Fatalf("next claim: %+v", m)
		}
		if err := models.ReleaseOutboxLease(ctx, db, bot, "me", epoch); err != nil {
			t.Fatal(err)
		}
		epoch2, ok, err := models.AcquireOutboxLease(ctx, db, bot, "other", now.Add(time.Minute), now)
		if err != nil || !ok || epoch2 != epoch+1 {
			t.Fatalf("lease taken over: %d %v %v", epoch2, ok, err)
		}
		if n, err := models.MarkOutboxInDoubt(ctx, db, bot, epoch2, now); err != nil || n != 1 {
			t.Fatalf("in doubt: %d %v", n, err)
		}
		if pending, _ := models.OutboxPending(ctx, db, bot, "reply", ""); !pending {
			t.Fatal("chat 1 is still queued")
		}
		failed, err := models.FailQueuedOutbox(ctx, db, bot, "stopped", now)
		if err != nil || len(failed) != 1 || failed[0].ChatID != 1 {
			t.Fatalf("fail queued: %+v %v", failed, err)
		}
		if n, err := models.PruneOutbox(ctx, db, now.Add(time.Second), 2); err != nil || n != 2 {
			t.Fatalf("prune slice: %d %v", n, err)
		}
		if n, err := models.PruneOutbox(ctx, db, now.Add(time.Second), 2); err != nil || n != 1 {
			t.Fatalf("prune the rest: %d %v", n, err)
		}
	})
}
