package models

import (
	"context"

	"github.com/uptrace/bun"
)

// LogFilter narrows a bot's log to one level and one source ("" for any).
type LogFilter struct {
	Level, Source string
}

// ListLogs returns the window w of a bot's log matching f, newest first,
// and the number of entries matching. Entries are ordered by id, which increases with every
// insert, so the order is stable however many share a timestamp; the
// (bot_id, id) and (bot_id, level, id) indexes serve it.
func ListLogs(ctx context.Context, db bun.IDB, botID string, f LogFilter, w Window) ([]BotLog, int, error) {
	q := db.NewSelect().Model((*BotLog)(nil)).Where("bot_id = ?", botID)
	if f.Level != "" {
		q = q.Where("level = ?", f.Level)
	}
	if f.Source != "" {
		q = q.Where("source = ?", f.Source)
	}
	logs := []BotLog{}
	total, err := q.Order("id DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx, &logs)
	return logs, int(total), wrap("list logs", err)
}

// ClearLogs deletes every entry of a bot's log and reports how many.
func ClearLogs(ctx context.Context, db bun.IDB, botID string) (int64, error) {
	res, err := db.NewDelete().Model((*BotLog)(nil)).Where("bot_id = ?", botID).Exec(ctx)
	if err != nil {
		return 0, wrap("clear logs", err)
	}
	v0, err := res.RowsAffected()
	return v0, wrap("clear logs", err)
}
