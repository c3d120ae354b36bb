package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// MaxBotSettings is how many settings one bot may have.
const MaxBotSettings = 100

// BotSetting is one of a bot's settings, read by its code as env.NAME. A
// secret keeps its value only in Ciphertext (sealed by the caller); Value
// is then empty.
type BotSetting struct {
	bun.BaseModel `bun:"table:bot_settings"`

	BotID      string    `bun:"bot_id,pk"`
	Name       string    `bun:"name,pk"`
	Value      string    `bun:"value"`
	Ciphertext []byte    `bun:"ciphertext"`
	Secret     bool      `bun:"secret"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// ListBotSettings returns a bot's settings by name.
func ListBotSettings(ctx context.Context, db bun.IDB, botID string) ([]BotSetting, error) {
	out := []BotSetting{}
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Order("name").Scan(ctx)
	return out, wrap("list bot settings", err)
}

// PutBotSetting inserts or replaces s. It refuses (ok false) a new name when
// the bot already has MaxBotSettings settings. Run it in a transaction.
func PutBotSetting(ctx context.Context, db bun.IDB, s *BotSetting) (ok bool, err error) {
	n, err := db.NewSelect().Model((*BotSetting)(nil)).Where("bot_id = ?", s.BotID).Where("name <> ?", s.Name).Count(ctx)
	if err != nil {
		return false, wrap("put bot setting", err)
	}
	if n >= MaxBotSettings {
		return false, nil
	}
	_, err = db.NewInsert().Model(s).
		On("CONFLICT (bot_id, name) DO UPDATE").
		Set("value = EXCLUDED.value").Set("ciphertext = EXCLUDED.ciphertext").
		Set("secret = EXCLUDED.secret").Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return err == nil, wrap("put bot setting", err)
}

// DeleteBotSetting deletes one setting; it reports whether it existed.
func DeleteBotSetting(ctx context.Context, db bun.IDB, botID, name string) (bool, error) {
	res, err := db.NewDelete().Model((*BotSetting)(nil)).Where("bot_id = ?", botID).Where("name = ?", name).Exec(ctx)
	if err != nil {
		return false, wrap("delete bot setting", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
