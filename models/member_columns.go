package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// MemberUserColumns is the property columns a member last chose for a
// bot's users table.
type MemberUserColumns struct {
	bun.BaseModel `bun:"table:member_user_columns"`

	UserID    string    `bun:"user_id,pk"`
	BotID     string    `bun:"bot_id,pk"`
	Cols      string    `bun:"cols,notnull"` // property names, comma-separated
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// UserColumns is the columns the member userID last chose for the users
// table of bot botID (nil when none).
func UserColumns(ctx context.Context, db bun.IDB, userID, botID string) ([]string, error) {
	var cols string
	err := db.NewSelect().Model((*MemberUserColumns)(nil)).Column("cols").
		Where("user_id = ?", userID).Where("bot_id = ?", botID).Scan(ctx, &cols)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read user columns: %w", err)
	}
	if cols == "" {
		return nil, nil
	}
	return strings.Split(cols, ","), nil
}

// SetUserColumns remembers cols as the member's choice for the bot's
// users table (none forgets it). An unchanged choice writes nothing, so
// paging through the table with its columns costs no write.
func SetUserColumns(ctx context.Context, db bun.IDB, userID, botID string, cols []string, now time.Time) error {
	if len(cols) == 0 {
		_, err := db.NewDelete().Model((*MemberUserColumns)(nil)).Where("user_id = ?", userID).Where("bot_id = ?", botID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: forget user columns: %w", err)
		}
		return nil
	}
	row := &MemberUserColumns{UserID: userID, BotID: botID, Cols: strings.Join(cols, ","), UpdatedAt: now}
	_, err := db.NewInsert().Model(row).On("CONFLICT (user_id, bot_id) DO UPDATE").
		Set("cols = EXCLUDED.cols, updated_at = EXCLUDED.updated_at").
		Where("member_user_columns.cols <> EXCLUDED.cols").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: remember user columns: %w", err)
	}
	return nil
}
