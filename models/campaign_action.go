package models

import (
	"context"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// Campaign action kinds and statuses.
const (
	ActionGreet   = "greet"   // send the greeting to a joiner (or requester)
	ActionApprove = "approve" // approve a join request

	ActionPending = "pending"
	ActionDone    = "done"
	ActionFailed  = "failed"
)

// CampaignAction is a Telegram call decided while processing an update and
// made by a job afterwards, outside the processing transaction (an outbox).
type CampaignAction struct {
	bun.BaseModel `bun:"table:campaign_actions"`

	ID         int64      `bun:"id,pk,autoincrement"`
	CampaignID string     `bun:"campaign_id"`
	BotID      string     `bun:"bot_id"`
	UserID     int64      `bun:"user_id"`
	ChatID     int64      `bun:"chat_id"` // where to send (greet) or which chat (approve)
	Kind       string     `bun:"kind"`
	Text       string     `bun:"text"`
	Status     string     `bun:"status"`
	Attempts   int        `bun:"attempts"`
	NotBefore  time.Time  `bun:"not_before"`
	Deadline   *time.Time `bun:"deadline"` // after this the action is pointless (the 5-minute join-request window)
	LastError  string     `bun:"last_error"`
	LeaseOwner string     `bun:"lease_owner"`
	LeaseUntil *time.Time `bun:"lease_until"`
	CreatedAt  time.Time  `bun:"created_at"`
	DoneAt     *time.Time `bun:"done_at"`
}

// InsertActions queues actions.
func InsertActions(ctx context.Context, db bun.IDB, as ...*CampaignAction) error {
	if len(as) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&as).Exec(ctx)
	return wrap("insert actions", err)
}

// ClaimDueActions leases up to limit pending actions that are due and not
// leased by someone else, oldest first. The lease makes two instances never
// make the same call at once; an expired lease (a crashed instance) frees
// the action again.
func ClaimDueActions(ctx context.Context, db bun.IDB, owner string, now time.Time, lease time.Duration, limit int) ([]CampaignAction, error) {
	due := db.NewSelect().Model((*CampaignAction)(nil)).Column("id").Where("status = ?", ActionPending).
		Where("not_before <= ?", now).Where("(lease_until IS NULL OR lease_until < ?)", now).
		Order("id").Limit(int64(limit))
	if sqldialect.IsPostgres(db) {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var out []CampaignAction
	_, err := db.NewUpdate().Model((*CampaignAction)(nil)).Set("lease_owner = ?", owner).Set("lease_until = ?", now.Add(lease)).
		Where("id IN (?)", due).Returning("*").Exec(ctx, &out)
	// RETURNING has no order: actions must run in the order they were
	// queued (a greeting before the approval of the same request).
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, wrap("claim due actions", err)
}

// FinishAction records the outcome of an action this owner leased.
func FinishAction(ctx context.Context, db bun.IDB, a *CampaignAction) error {
	_, err := db.NewUpdate().Model(a).Column("status", "attempts", "not_before", "last_error", "done_at", "lease_owner", "lease_until").
		WherePK().Exec(ctx)
	return wrap("finish action", err)
}
