package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// StatsScope selects the bots whose numbers are added up: one bot, or every
// bot of an owner that is not deleted (nor a connecting claim).
type StatsScope struct {
	BotID   string
	OwnerID string
}

// BotScope is the scope of one bot.
func BotScope(botID string) StatsScope { return StatsScope{BotID: botID} }

// OwnerScope is the scope of all of an owner's live bots.
func OwnerScope(ownerID string) StatsScope { return StatsScope{OwnerID: ownerID} }

// where restricts q to the scope's bots through column (bot_id, or id on
// the bots table). The owner's bots are a subquery, so an account with
// thousands of bots never sends a long IN list.
func (s StatsScope) where(db bun.IDB, q *bun.SelectQuery, column string) *bun.SelectQuery {
	if s.BotID != "" {
		return q.Where("? = ?", bun.Ident(column), s.BotID)
	}
	live := db.NewSelect().Model((*Bot)(nil)).Column("id").Where("owner_id = ?", s.OwnerID).
		Where("status NOT IN (?)", bun.In([]string{BotDeleted, BotConnecting}))
	return q.Where("? IN (?)", bun.Ident(column), live)
}

// UserCounts are the audience numbers of Stats.
type UserCounts struct {
	Total, New, Active, BotBlocked int64
}

// CountUsers counts the scope's audience: the maintained total, users who
// started at or after since, users last seen at or after since, and users
// who blocked the bot. Each count is its own query so each can use its own
// index ((bot_id, started_at), (bot_id, last_seen_at), the partial index on
// bot_blocked).
func CountUsers(ctx context.Context, db bun.IDB, s StatsScope, since time.Time) (UserCounts, error) {
	var c UserCounts
	err := s.where(db, db.NewSelect().Model((*Bot)(nil)).ColumnExpr("CAST(COALESCE(SUM(total_users), 0) AS BIGINT)"), "id").Scan(ctx, &c.Total)
	if err != nil {
		return c, wrap("count users", err)
	}
	count := func(dst *int64, cond string, args ...any) error {
		n, err := s.where(db, db.NewSelect().Model((*BotUser)(nil)), "bot_id").Where(cond, args...).Count(ctx)
		*dst = int64(n)
		return err
	}
	// An imported user (imported_at set) joined no bot today: not new.
	if err := count(&c.New, "started_at >= ? AND imported_at IS NULL", since); err != nil {
		return c, wrap("count users", err)
	}
	if err := count(&c.Active, "last_seen_at >= ?", since); err != nil {
		return c, wrap("count users", err)
	}
	// "bot_blocked" alone (not "= TRUE") matches the partial index's
	// predicate on both dialects.
	return c, wrap("count users", count(&c.BotBlocked, "bot_blocked"))
}

// CountSeenSince counts the scope's users last seen at or after since:
// each person once, however many days they were active.
func CountSeenSince(ctx context.Context, db bun.IDB, s StatsScope, since time.Time) (int64, error) {
	n, err := s.where(db, db.NewSelect().Model((*BotUser)(nil)), "bot_id").Where("last_seen_at >= ?", since).Count(ctx)
	return int64(n), wrap("count seen since", err)
}

// CountLogs counts the scope's log entries: all of them and the errors.
func CountLogs(ctx context.Context, db bun.IDB, s StatsScope) (total, errors int64, err error) {
	n, err := s.where(db, db.NewSelect().Model((*BotLog)(nil)), "bot_id").Count(ctx)
	if err != nil {
		return 0, 0, wrap("count logs", err)
	}
	e, err := s.where(db, db.NewSelect().Model((*BotLog)(nil)), "bot_id").Where("level = ?", LogError).Count(ctx)
	return int64(n), int64(e), wrap("count logs", err)
}

// DayTotals is one UTC day of a scope's daily series, summed over its bots.
type DayTotals struct {
	Date        string `bun:"date"` // YYYY-MM-DD
	NewUsers    int64  `bun:"new_users"`
	ActiveUsers int64  `bun:"active_users"`
	Updates     int64  `bun:"updates"`
	Errors      int64  `bun:"errors"`
}

// DailySeries returns one entry per UTC day from the day of from to the day
// of to (inclusive), oldest first, summed over the scope; days without a
// row are zeros. (SUM over BIGINT is NUMERIC on PostgreSQL: every sum in
// this file is cast back to BIGINT so it scans into int64 on both dialects.)
func DailySeries(ctx context.Context, db bun.IDB, s StatsScope, from, to time.Time) ([]DayTotals, error) {
	first, last := Day(from), Day(to)
	var rows []DayTotals
	err := s.where(db, db.NewSelect().Model((*BotDay)(nil)), "bot_id").
		ColumnExpr("day AS date").
		ColumnExpr("CAST(SUM(new_users) AS BIGINT) AS new_users").ColumnExpr("CAST(SUM(active_users) AS BIGINT) AS active_users").
		ColumnExpr("CAST(SUM(updates) AS BIGINT) AS updates").ColumnExpr("CAST(SUM(errors) AS BIGINT) AS errors").
		Where("day >= ?", first).Where("day <= ?", last).
		Group("day").Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("daily series", err)
	}
	byDay := make(map[string]DayTotals, len(rows))
	for _, r := range rows {
		byDay[r.Date] = r
	}
	start, _ := time.Parse(time.DateOnly, first)
	var out []DayTotals
	for d := start; Day(d) <= last; d = d.AddDate(0, 0, 1) {
		key := Day(d)
		row, ok := byDay[key]
		if !ok {
			row = DayTotals{Date: key}
		}
		out = append(out, row)
	}
	return out, nil
}

// UpdateKindTotal is how many updates of one type the scope received ever.
type UpdateKindTotal struct {
	Kind  string `bun:"kind"`
	Total int64  `bun:"total"`
}

// UpdateKindTotals sums bot_update_kinds over the scope, most frequent first.
func UpdateKindTotals(ctx context.Context, db bun.IDB, s StatsScope) ([]UpdateKindTotal, error) {
	var out []UpdateKindTotal
	err := s.where(db, db.NewSelect().Model((*UpdateKindCount)(nil)), "bot_id").
		Column("kind").ColumnExpr("CAST(SUM(total) AS BIGINT) AS total").Group("kind").
		OrderExpr("total DESC, kind ASC").Scan(ctx, &out)
	return out, wrap("update kind totals", err)
}
