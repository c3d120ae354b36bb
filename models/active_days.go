package models

import (
	"context"

	"github.com/uptrace/bun"
)

// BotUserDay records that a user was active on a UTC day (bot_user_days):
// what unique active users over a period are counted from.
type BotUserDay struct {
	bun.BaseModel `bun:"table:bot_user_days"`

	BotID  string `bun:"bot_id,pk"`
	Day    string `bun:"day,pk"` // YYYY-MM-DD
	UserID int64  `bun:"user_id,pk"`
}

// RecordActiveDay notes the users among ids as active on day (once).
func RecordActiveDay(ctx context.Context, db bun.IDB, botID, day string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	rows := make([]BotUserDay, len(ids))
	for i, id := range ids {
		rows[i] = BotUserDay{BotID: botID, Day: day, UserID: id}
	}
	_, err := db.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
	return wrap("record active day", err)
}

// CountActiveBetween counts the scope's distinct users active on any day
// from first to last (YYYY-MM-DD, inclusive). known is false when the days
// reach back before activity was tracked (stats_tracking): the count would
// then be too low, and callers show it as unknown.
func CountActiveBetween(ctx context.Context, db bun.IDB, s StatsScope, first, last string) (n int64, known bool, err error) {
	var since string
	if err := db.NewSelect().Table("stats_tracking").Column("since_day").Where("name = 'active_days'").Scan(ctx, &since); err != nil {
		return 0, false, wrap("count active between", err)
	}
	if first <= since {
		return 0, false, nil
	}
	inner := s.where(db, db.NewSelect().Model((*BotUserDay)(nil)).ColumnExpr("DISTINCT bot_id, user_id"), "bot_id").
		Where("day >= ?", first).Where("day <= ?", last)
	err = db.NewSelect().TableExpr("(?) AS active", inner).ColumnExpr("count(*)").Scan(ctx, &n)
	return n, true, wrap("count active between", err)
}

// ActiveDaysKept is how long active days are kept: two of the longest
// stats periods, so the longest period can be compared with the one before.
const ActiveDaysKept = 2 * 365

// PruneActiveDays deletes at most limit active-day rows from before the
// day before (YYYY-MM-DD), oldest first, and returns how many it deleted.
func PruneActiveDays(ctx context.Context, db bun.IDB, before string, limit int) (int64, error) {
	old := db.NewSelect().Model((*BotUserDay)(nil)).Column("bot_id", "day", "user_id").
		Where("day < ?", before).Order("day").Limit(int64(limit))
	res, err := db.NewDelete().Model((*BotUserDay)(nil)).Where("(bot_id, day, user_id) IN (?)", old).Exec(ctx)
	if err != nil {
		return 0, wrap("prune active days", err)
	}
	return res.RowsAffected()
}

// SetActivityTrackedSince moves the day activity tracking began (tests
// that seed history use it).
func SetActivityTrackedSince(ctx context.Context, db bun.IDB, day string) error {
	_, err := db.NewUpdate().Table("stats_tracking").Set("since_day = ?", day).Where("name = 'active_days'").Exec(ctx)
	return wrap("set activity tracked since", err)
}
