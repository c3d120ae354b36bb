package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// SetUserSource records source as the deep-link source of a bot user at at,
// unless the user already has one (the first /start with a source wins,
// and a campaign's source is kept). It reports whether it recorded it.
func SetUserSource(ctx context.Context, db bun.IDB, botID string, userID int64, source string, at time.Time) (bool, error) {
	if source == "" {
		return false, nil
	}
	res, err := db.NewUpdate().Model((*BotUser)(nil)).Set("source = ?", source).Set("source_at = ?", at).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).Where("source = ''").Exec(ctx)
	if err != nil {
		return false, wrap("set user source", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// UserSource returns a bot user's source ("" when none).
func UserSource(ctx context.Context, db bun.IDB, botID string, userID int64) (string, error) {
	var s string
	err := db.NewSelect().Model((*BotUser)(nil)).Column("source").Where("bot_id = ?", botID).
		Where("user_id = ?", userID).Scan(ctx, &s)
	return s, wrap("user source", notFoundAs(err, "user"))
}

// SourceCount is how many of a bot's users came from one deep-link source,
// and when the last of them was recorded.
type SourceCount struct {
	Source string    `bun:"source"`
	Users  int64     `bun:"users"`
	LastAt time.Time `bun:"last_at"`
}

// ListSources counts a bot's users by source among those recorded since
// since, most users first.
func ListSources(ctx context.Context, db bun.IDB, botID string, since time.Time) ([]SourceCount, error) {
	out := []SourceCount{}
	err := db.NewSelect().Model((*BotUser)(nil)).Column("source").ColumnExpr("COUNT(*) AS users").
		ColumnExpr("MAX(source_at) AS last_at").Where("bot_id = ?", botID).Where("source <> ''").
		Where("source_at >= ?", since).Group("source").OrderExpr("users DESC, source").Scan(ctx, &out)
	return out, wrap("list sources", err)
}
