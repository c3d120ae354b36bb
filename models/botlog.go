package models

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Log levels and the sources that write to a bot's log.
const (
	LogInfo  = "info"
	LogError = "error"

	SourceTelegram  = "telegram"  // a Bot API call failed
	SourceIngest    = "ingest"    // an update could not be processed
	SourceHandler   = "handler"   // the bot's JavaScript (console.*, exceptions)
	SourceCampaign  = "campaign"  // greetings, invite links
	SourceBroadcast = "broadcast" // broadcast sends
	SourceBotdeck   = "botdeck"   // lifecycle events (stopped, webhook re-registered…)
)

// LogSources lists the sources in filter order.
var LogSources = []string{SourceTelegram, SourceIngest, SourceHandler, SourceCampaign, SourceBroadcast, SourceBotdeck}

// maxLogText bounds what one log entry keeps, so a noisy handler cannot
// fill the database.
const maxLogText = 8 << 10

// BotLog is one entry of a bot's log.
type BotLog struct {
	bun.BaseModel `bun:"table:bot_logs"`

	ID        int64     `bun:"id,pk,autoincrement"`
	BotID     string    `bun:"bot_id"`
	Level     string    `bun:"level"`
	Source    string    `bun:"source"`
	Message   string    `bun:"message"`
	Detail    string    `bun:"detail"`
	CreatedAt time.Time `bun:"created_at"`
}

// InsertLogs writes log entries (truncating oversized text, and cleaning
// what text cannot hold: see CleanText).
func InsertLogs(ctx context.Context, db bun.IDB, logs ...*BotLog) error {
	if len(logs) == 0 {
		return nil
	}
	for _, l := range logs {
		l.Message, l.Detail = clip(l.Message, maxLogText), clip(l.Detail, maxLogText)
		if l.CreatedAt.IsZero() {
			l.CreatedAt = Now()
		}
	}
	_, err := db.NewInsert().Model(&logs).Exec(ctx)
	return wrap("insert logs", err)
}

// clip keeps at most n bytes of s, cut at a character boundary, cleaned
// for storage (CleanText).
func clip(s string, n int) string {
	s = CleanText(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
