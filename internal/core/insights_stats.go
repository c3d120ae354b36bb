package core

import (
	"context"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// topBotsOnHome is how many bots the dashboard home lists.
const topBotsOnHome = 5

// RecentWindow is the "last 7 days" of newUsersLast7Days and
// activeUsersLast7Days: 7×24 hours back from now, not calendar days.
const RecentWindow = 7 * 24 * time.Hour

// BotStats is one bot with its numbers and its update types.
type BotStats struct {
	Bot   *models.Bot
	Stats contract.Stats
	Kinds []models.UpdateKindTotal
}

// BotStats returns the numbers of one of the owner's bots with a daily
// series of the given number of days ending today (UTC).
func (s *Insights) BotStats(ctx context.Context, ownerID, botID string, days int) (*BotStats, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	scope := models.BotScope(b.ID)
	st, err := s.stats(ctx, scope, days)
	if err != nil {
		return nil, err
	}
	kinds, err := models.UpdateKindTotals(ctx, s.db, scope)
	if err != nil {
		return nil, err
	}
	return &BotStats{Bot: b, Stats: *st, Kinds: kinds}, nil
}

// AccountOverview is the dashboard home: the owner's numbers summed over
// every bot that is not deleted, and the bots with the most users.
type AccountOverview struct {
	Stats    contract.AccountStats
	TopBots  []models.Bot // most users first
	LiveBots int          // bots that are not deleted
}

// AccountStats sums the numbers of the owner's bots that are not deleted.
func (s *Insights) AccountStats(ctx context.Context, ownerID string, days int) (*AccountOverview, error) {
	limit := topBotsOnHome
	list, err := s.bots.List(ctx, ownerID, contract.ListBotsRequest{Sort: "users", Page: contract.Page{LimitParam: &limit}})
	if err != nil {
		return nil, err
	}
	st, err := s.stats(ctx, models.OwnerScope(ownerID), days)
	if err != nil {
		return nil, err
	}
	return &AccountOverview{Stats: contract.AccountStats{Stats: *st, Bots: list.Counts}, TopBots: list.Bots, LiveBots: list.Total}, nil
}

// stats computes Stats for a scope. The 7-day windows are 7×24 hours back
// from now; the daily series covers the UTC days from days-1 days ago to
// today. Both are computed here, so the queries stay portable.
func (s *Insights) stats(ctx context.Context, scope models.StatsScope, days int) (*contract.Stats, error) {
	if days < 1 || days > contract.MaxStatsDays {
		return nil, apperr.Invalid("", apperr.FieldErrors{"days": "must be between 1 and 365"})
	}
	now := s.now()
	users, err := models.CountUsers(ctx, s.db, scope, now.Add(-RecentWindow))
	if err != nil {
		return nil, err
	}
	logs, errs, err := models.CountLogs(ctx, s.db, scope)
	if err != nil {
		return nil, err
	}
	from := now.AddDate(0, 0, -(days - 1))
	daily, err := models.DailySeries(ctx, s.db, scope, from, now)
	if err != nil {
		return nil, err
	}
	// Unique people in the period: last_seen_at only moves forward, so
	// whoever was seen since the period's first day is counted once. The
	// period before comes from the recorded active days.
	start, _ := time.Parse(time.DateOnly, models.Day(from))
	active, err := models.CountSeenSince(ctx, s.db, scope, start)
	if err != nil {
		return nil, err
	}
	var previous *int64
	prev, known, err := models.CountActiveBetween(ctx, s.db, scope, models.Day(start.AddDate(0, 0, -days)), models.Day(start.AddDate(0, 0, -1)))
	if err != nil {
		return nil, err
	}
	if known {
		previous = &prev
	}
	return &contract.Stats{
		TotalUsers: users.Total, NewUsersLast7Days: users.New, ActiveUsersLast7Days: users.Active,
		BlockedUsers: users.BotBlocked, TotalErrors: errs, TotalLogs: logs,
		ActiveUsers: active, ActiveUsersPrevious: previous, Daily: contract.DailyOf(daily, models.Day(now)),
	}, nil
}

// BotSources counts the bot's users by deep-link source ("/start SRC" on
// their first start) among those who came in the last days days, for the
// stats page's Sources card. b must be the caller's (from BotStats).
func (s *Insights) BotSources(ctx context.Context, b *models.Bot, days int) ([]models.SourceCount, error) {
	return models.ListSources(ctx, s.db, b.ID, models.Now().AddDate(0, 0, -days))
}
