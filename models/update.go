package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// StoredUpdate is a raw Telegram update as received.
type StoredUpdate struct {
	bun.BaseModel `bun:"table:updates"`

	BotID       string     `bun:"bot_id,pk"`
	UpdateID    int64      `bun:"update_id,pk"`
	Kind        string     `bun:"kind"`
	Payload     string     `bun:"payload"`
	ReceivedAt  time.Time  `bun:"received_at"`
	ProcessedAt *time.Time `bun:"processed_at"`
}

// UpdateKey names one stored update.
type UpdateKey struct {
	BotID    string
	UpdateID int64
}

// UnprocessedUpdates lists updates received before olderThan and still
// unprocessed, oldest first: work left behind by a crash or a full queue.
func UnprocessedUpdates(ctx context.Context, db bun.IDB, olderThan time.Time, limit int) ([]StoredUpdate, error) {
	var out []StoredUpdate
	err := db.NewSelect().Model(&out).Where("processed_at IS NULL").Where("received_at < ?", olderThan).
		Order("received_at", "bot_id", "update_id").Limit(int64(limit)).Scan(ctx)
	return out, wrap("unprocessed updates", err)
}

// PruneUpdates deletes processed raw updates received before cutoff, at
// most limit rows per call so a large backlog is pruned in slices; updates
// an enabled relay has not delivered yet are kept.
func PruneUpdates(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*StoredUpdate)(nil)).Column("bot_id", "update_id").
		Where("received_at < ?", cutoff).Where("processed_at IS NOT NULL").
		// An enabled relay still has to deliver what lies after its cursor.
		Where("NOT EXISTS (SELECT 1 FROM bot_relays AS r WHERE r.bot_id = ?TableAlias.bot_id AND r.enabled = ? "+
			"AND ?TableAlias.update_id > r.delivered_through)", true).
		Limit(int64(limit))
	res, err := db.NewDelete().Model((*StoredUpdate)(nil)).Where("(bot_id, update_id) IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, wrap("prune updates", err)
	}
	v0, err := res.RowsAffected()
	return v0, wrap("prune updates", err)
}

// LockBotProcessing makes the calling transaction the only one processing
// botID's updates until it ends: on PostgreSQL, where several instances may
// process the same bot, a transaction-scoped advisory lock on the bot (the
// second waits for the first to commit, then sees what it wrote). SQLite
// transactions are serialized already (BEGIN IMMEDIATE), so there it does
// nothing.
func LockBotProcessing(ctx context.Context, tx bun.Tx, botID string) error {
	if !sqldialect.IsPostgres(tx) {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "botdeck.ingest:"+botID)
	return wrap("lock bot processing", err)
}

// ClaimUpdates marks the given updates of a bot processed, inside the
// processing transaction, and returns the ids it claimed: an id missing
// from the result was processed (or is being processed) by someone else.
// On PostgreSQL rows locked by another processor are skipped rather than
// waited for (SKIP LOCKED); SQLite has a single writer, so there is no one
// to wait for.
func ClaimUpdates(ctx context.Context, db bun.IDB, botID string, ids []int64, at time.Time) ([]int64, error) {
	var claimed []int64
	q := db.NewUpdate().Model((*StoredUpdate)(nil)).Set("processed_at = ?", at).Where("bot_id = ?", botID)
	if sqldialect.IsPostgres(db) {
		sub := db.NewSelect().Model((*StoredUpdate)(nil)).Column("update_id").Where("bot_id = ?", botID).
			Where("update_id IN (?)", bun.In(ids)).Where("processed_at IS NULL").For("UPDATE SKIP LOCKED")
		q = q.Where("update_id IN (?)", sub)
	} else {
		q = q.Where("update_id IN (?)", bun.In(ids)).Where("processed_at IS NULL")
	}
	_, err := q.Returning("update_id").Exec(ctx, &claimed)
	return claimed, wrap("claim updates", err)
}

// StoreUpdates saves raw updates in one statement, skipping those stored
// before, and returns the keys it inserted.
func StoreUpdates(ctx context.Context, db bun.IDB, us []*StoredUpdate) ([]UpdateKey, error) {
	var rows []struct {
		BotID    string `bun:"bot_id"`
		UpdateID int64  `bun:"update_id"`
	}
	_, err := db.NewInsert().Model(&us).On("CONFLICT (bot_id, update_id) DO NOTHING").
		Returning("bot_id, update_id").Exec(ctx, &rows)
	keys := make([]UpdateKey, len(rows))
	for i, r := range rows {
		keys[i] = UpdateKey{BotID: r.BotID, UpdateID: r.UpdateID}
	}
	return keys, wrap("store updates", err)
}
