package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// PollState is the long-polling checkpoint and lease of one bot.
type PollState struct {
	bun.BaseModel `bun:"table:poll_state"`

	BotID      string     `bun:"bot_id,pk"`
	NextOffset int64      `bun:"next_offset"`
	LeaseOwner string     `bun:"lease_owner"`
	LeaseUntil *time.Time `bun:"lease_until"`
	Failures   int        `bun:"failures"`
	LastError  string     `bun:"last_error"`
	UpdatedAt  time.Time  `bun:"updated_at"`
}

// PollableBotIDs lists bots that should be long-polled: polling mode and
// running (active, or active with a warning).
func PollableBotIDs(ctx context.Context, db bun.IDB) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*Bot)(nil)).Column("id").Where("update_mode = ?", ModePolling).
		Where("status IN (?)", bun.In([]string{BotActive, BotWarning})).Scan(ctx, &ids)
	return ids, wrap("pollable bot ids", err)
}

// AcquirePollLease takes (or renews) the right to poll a bot until until.
// It succeeds when nobody holds the lease, it expired, or owner holds it.
// One statement, so two instances racing cannot both win.
func AcquirePollLease(ctx context.Context, db bun.IDB, botID, owner string, until, now time.Time) (bool, error) {
	st := &PollState{BotID: botID, LeaseOwner: owner, LeaseUntil: &until, UpdatedAt: now}
	res, err := db.NewInsert().Model(st).On("CONFLICT (bot_id) DO UPDATE").
		Set("lease_owner = EXCLUDED.lease_owner").Set("lease_until = EXCLUDED.lease_until").Set("updated_at = EXCLUDED.updated_at").
		Where("?TableAlias.lease_owner = EXCLUDED.lease_owner OR ?TableAlias.lease_owner = '' OR ?TableAlias.lease_until IS NULL OR ?TableAlias.lease_until < ?", now).
		Exec(ctx)
	if err != nil {
		return false, wrap("acquire poll lease", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("acquire poll lease", err)
}

// PollStateOf reads a bot's polling state.
func PollStateOf(ctx context.Context, db bun.IDB, botID string) (*PollState, error) {
	st := new(PollState)
	err := db.NewSelect().Model(st).Where("bot_id = ?", botID).Scan(ctx)
	return st, wrap("poll state of", notFoundAs(err, "poll state"))
}

// SavePollProgress stores the next offset and extends the lease, only while
// owner still holds it; false means the lease was lost (stop polling).
func SavePollProgress(ctx context.Context, db bun.IDB, botID, owner string, nextOffset int64, until, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*PollState)(nil)).
		Set("next_offset = ?", nextOffset).Set("lease_until = ?", until).Set("failures = 0").Set("last_error = ''").
		Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Exec(ctx)
	if err != nil {
		return false, wrap("save poll progress", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("save poll progress", err)
}

// RecordPollFailure counts a failed poll and returns the streak length.
func RecordPollFailure(ctx context.Context, db bun.IDB, botID, owner, reason string, now time.Time) (int, error) {
	_, err := db.NewUpdate().Model((*PollState)(nil)).Set("failures = failures + 1").Set("last_error = ?", clip(reason, 500)).
		Set("updated_at = ?", now).Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Exec(ctx)
	if err != nil {
		return 0, wrap("record poll failure", err)
	}
	st, err := PollStateOf(ctx, db, botID)
	if err != nil {
		return 0, wrap("record poll failure", err)
	}
	return st.Failures, nil
}

// ReleasePollLease gives the lease up so another instance may poll at once.
func ReleasePollLease(ctx context.Context, db bun.IDB, botID, owner string) error {
	_, err := db.NewUpdate().Model((*PollState)(nil)).Set("lease_owner = ''").Set("lease_until = NULL").
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Exec(ctx)
	return wrap("release poll lease", err)
}
