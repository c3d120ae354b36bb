package models

import (
	"context"

	"github.com/uptrace/bun"
)

// ListLogsRequest filters and pages a bot's log (GET /bots/{id}/logs and
// GET /api/bots/{id}/logs). The source list in the tag is LogSources.
type ListLogsRequest struct {
	Level  string `json:"level" form:"level" validate:"omitempty,oneof=info error"`
	Source string `json:"source" form:"source" validate:"omitempty,oneof=telegram ingest handler campaign broadcast botdeck"`
	Page   `form:",inline"`
}

// Filtered reports whether a level or source filter is set.
func (r ListLogsRequest) Filtered() bool { return r.Level != "" || r.Source != "" }

// ListLogs returns one page of a bot's log, newest first, and the number of
// entries matching. Entries are ordered by id, which increases with every
// insert, so the order is stable however many share a timestamp; the
// (bot_id, id) and (bot_id, level, id) indexes serve it.
func ListLogs(ctx context.Context, db bun.IDB, botID string, f ListLogsRequest) ([]BotLog, int, error) {
	q := db.NewSelect().Model((*BotLog)(nil)).Where("bot_id = ?", botID)
	if f.Level != "" {
		q = q.Where("level = ?", f.Level)
	}
	if f.Source != "" {
		q = q.Where("source = ?", f.Source)
	}
	logs := []BotLog{}
	total, err := q.Order("id DESC").Limit(int64(f.Size())).Offset(int64(f.Offset())).ScanAndCount(ctx, &logs)
	return logs, int(total), err
}

// ClearLogs deletes every entry of a bot's log and reports how many.
func ClearLogs(ctx context.Context, db bun.IDB, botID string) (int64, error) {
	res, err := db.NewDelete().Model((*BotLog)(nil)).Where("bot_id = ?", botID).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
