package core

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// Insights answers the read side of a bot's activity: stats and daily
// series, the log, and the admin-chats picker.
type Insights struct {
	db   *bun.DB
	bots *Bots
	log  *slog.Logger
	now  func() time.Time // the clock of the 7-day windows and daily series
}

// NewInsights returns the insights use cases.
func NewInsights(db *bun.DB, bots *Bots, log *slog.Logger) *Insights {
	return &Insights{db: db, bots: bots, log: log, now: models.Now}
}

// LogPage is one page of a bot's log.
type LogPage struct {
	Bot   *models.Bot
	Logs  []models.BotLog
	Total int
}

// Logs returns one page of the owner's bot's log, newest first.
func (s *Insights) Logs(ctx context.Context, ownerID, botID string, req contract.ListLogsRequest) (*LogPage, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	logs, total, err := models.ListLogs(ctx, s.db, b.ID, req.Filter(), req.Window())
	if err != nil {
		return nil, err
	}
	return &LogPage{Bot: b, Logs: logs, Total: total}, nil
}

// ClearLogs empties the owner's bot's log and reports how many entries
// went. Stats keep their daily error counts (bot_daily); only totalErrors
// and totalLogs, which count log entries, drop to zero.
func (s *Insights) ClearLogs(ctx context.Context, ownerID, botID string) (*models.Bot, int64, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, 0, err
	}
	n, err := models.ClearLogs(ctx, s.db, b.ID)
	return b, n, err
}

// AdminChats lists the groups, supergroups and channels the owner's bot
// administers: the chats a campaign can track.
func (s *Insights) AdminChats(ctx context.Context, ownerID, botID string) (*models.Bot, []models.BotChat, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	chats, err := models.AdminChats(ctx, s.db, b.ID)
	return b, chats, err
}
