package models

import (
	"context"

	"github.com/uptrace/bun"
)

// BotDay holds one bot's counters for one UTC day.
type BotDay struct {
	bun.BaseModel `bun:"table:bot_daily"`

	BotID       string `bun:"bot_id,pk"`
	Day         string `bun:"day,pk"` // YYYY-MM-DD
	Updates     int64  `bun:"updates"`
	NewUsers    int64  `bun:"new_users"`
	ActiveUsers int64  `bun:"active_users"`
	Errors      int64  `bun:"errors"`
}

// AddToDay adds d's counters to the stored day (creating it).
func AddToDay(ctx context.Context, db bun.IDB, d *BotDay) error {
	_, err := db.NewInsert().Model(d).On("CONFLICT (bot_id, day) DO UPDATE").
		Set("updates = ?TableAlias.updates + EXCLUDED.updates").
		Set("new_users = ?TableAlias.new_users + EXCLUDED.new_users").
		Set("active_users = ?TableAlias.active_users + EXCLUDED.active_users").
		Set("errors = ?TableAlias.errors + EXCLUDED.errors").
		Exec(ctx)
	return wrap("add to day", err)
}

// UpdateKindCount counts every update ever received per type.
type UpdateKindCount struct {
	bun.BaseModel `bun:"table:bot_update_kinds"`

	BotID string `bun:"bot_id,pk"`
	Kind  string `bun:"kind,pk"`
	Total int64  `bun:"total"`
}

// AddUpdateKinds adds counts per kind.
func AddUpdateKinds(ctx context.Context, db bun.IDB, botID string, counts map[string]int64) error {
	for kind, n := range counts {
		_, err := db.NewInsert().Model(&UpdateKindCount{BotID: botID, Kind: kind, Total: n}).
			On("CONFLICT (bot_id, kind) DO UPDATE").Set("total = ?TableAlias.total + EXCLUDED.total").Exec(ctx)
		if err != nil {
			return wrap("add update kinds", err)
		}
	}
	return nil
}

// AddBotUsersAndSeen bumps a bot's user counter and its last-update time.
func AddBotUsersAndSeen(ctx context.Context, db bun.IDB, botID string, newUsers int64, lastUpdate any) error {
	_, err := db.NewUpdate().Model((*Bot)(nil)).
		Set("total_users = total_users + ?", newUsers).
		Set("last_update_at = CASE WHEN last_update_at IS NULL OR last_update_at < ? THEN ? ELSE last_update_at END", lastUpdate, lastUpdate).
		Where("id = ?", botID).Exec(ctx)
	return wrap("add bot users and seen", err)
}

// UpdateKindCounted reports whether the bot has received an update of kind
// before (bot_update_kinds has it).
func UpdateKindCounted(ctx context.Context, db bun.IDB, botID, kind string) (bool, error) {
	ok, err := db.NewSelect().Model((*UpdateKindCount)(nil)).Where("bot_id = ?", botID).Where("kind = ?", kind).Exists(ctx)
	return ok, wrap("update kind counted", err)
}
