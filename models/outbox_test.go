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

// TestOutboxBatchClaimAndRecord: candidates in claiming order, a claim of
// several ids at once (only those still queued and due, only with the
// lease), and sent outcomes recorded together, each in its own epoch.
func TestOutboxBatchClaimAndRecord(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		row := func(chat int64, prio int, due time.Time) *models.OutboxMessage {
			return &models.OutboxMessage{BotID: bot, ChatID: chat, Method: "sendMessage", Params: `{"text":"x"}`, Priority: prio,
				Origin: "reply", Status: models.OutboxQueued, NotBefore: due, CreatedAt: now, UpdatedAt: now}
		}
		if _, err := models.InsertOutbox(ctx, db, row(1, 2, now), row(2, 0, now), row(3, 0, now), row(4, 0, now.Add(time.Hour)),
			row(5, 1, now)); err != nil {
			t.Fatal(err)
		}
		due, err := models.DueOutbox(ctx, db, bot, now, []int64{3}, 10)
		if err != nil || len(due) != 3 || due[0].ChatID != 2 || due[1].ChatID != 5 || due[2].ChatID != 1 {
			t.Fatalf("due: %+v %v", due, err)
		}
		ids := []int64{due[2].ID, due[0].ID, due[1].ID}
		if got, err := models.ClaimOutboxIDs(ctx, db, bot, "me", 1, now, ids); err != nil || len(got) != 0 {
			t.Fatalf("claim without the lease: %+v %v", got, err)
		}
		epoch, ok, err := models.AcquireOutboxLease(ctx, db, bot, "me", now.Add(time.Minute), now)
		if err != nil || !ok {
			t.Fatalf("lease: %v %v", ok, err)
		}
		all, _ := models.OutboxOfBot(ctx, db, bot)
		later := all[3].ID // due in an hour: not claimed even when named
		got, err := models.ClaimOutboxIDs(ctx, db, bot, "me", epoch, now, append(ids, later))
		if err != nil || len(got) != 3 || got[0].ChatID != 2 || got[1].ChatID != 5 || got[2].ChatID != 1 {
			t.Fatalf("claim: %+v %v", got, err)
		}
		if again, err := models.ClaimOutboxIDs(ctx, db, bot, "me", epoch, now, ids); err != nil || len(again) != 0 {
			t.Fatalf("claimed twice: %+v %v", again, err)
		}
		at := now.Add(-time.Second)
		recorded, err := models.FinishOutboxSent(ctx, db, []models.OutboxSentRow{
			{ID: got[0].ID, Epoch: epoch, MessageID: 70, At: at},
			{ID: got[1].ID, Epoch: epoch + 1, MessageID: 71, At: at}, // not this sender's claim
			{ID: got[2].ID, Epoch: epoch, MessageID: 72, At: now},
		}, now)
		if err != nil || len(recorded) != 2 {
			t.Fatalf("record: %v %v", recorded, err)
		}
		rows, _ := models.OutboxOfBot(ctx, db, bot)
		for _, r := range rows {
			switch r.ChatID {
			case 2:
				if r.Status != models.OutboxSent || r.MessageID != 70 || r.SentAt == nil || !r.SentAt.Equal(at) {
					t.Fatalf("chat 2: %+v", r)
				}
			case 5:
				if r.Status != models.OutboxSending || r.MessageID != 0 {
					t.Fatalf("chat 5 was another epoch's: %+v", r)
				}
			case 1:
				if r.Status != models.OutboxSent || r.MessageID != 72 {
					t.Fatalf("chat 1: %+v", r)
				}
			}
		}
	})
}
