package contract

import (
	"github.com/botdeck/botdeck/models"
)

// Stats windows: the days parameter of the stats routes.
const (
	DefaultStatsDays = 30
	MaxStatsDays     = 365
)

// StatsRequest is the query of GET /api/bots/{id}/stats and GET /api/stats
// (and their pages). Days is a pointer so that days=0 is a 422, not the
// default.
type StatsRequest struct {
	DaysParam *int `json:"days" form:"days" validate:"omitempty,min=1,max=365"`
}

// Days is the length of the daily series, DefaultStatsDays when not given.
func (r StatsRequest) Days() int {
	if r.DaysParam == nil {
		return DefaultStatsDays
	}
	return *r.DaysParam
}

// Stats is the API shape of a bot's numbers, or the sum over several bots.
type Stats struct {
	TotalUsers           int64 `json:"totalUsers"`
	NewUsersLast7Days    int64 `json:"newUsersLast7Days"`
	ActiveUsersLast7Days int64 `json:"activeUsersLast7Days"`
	BlockedUsers         int64 `json:"blockedUsers"` // users who blocked the bot in Telegram
	TotalErrors          int64 `json:"totalErrors"`  // error entries in the log
	TotalLogs            int64 `json:"totalLogs"`    // all entries in the log
	// ActiveUsers counts each person seen within the period (the days of
	// Daily) once: never a sum of the daily counts. ActiveUsersPrevious is
	// the same for the period of the same length just before, null when
	// Botdeck was not yet keeping the activity that would tell.
	ActiveUsers         int64      `json:"activeUsers"`
	ActiveUsersPrevious *int64     `json:"activeUsersPrevious"`
	Daily               []DayStats `json:"daily"`
}

// AccountStats is GET /api/stats: Stats summed over the owner's bots that
// are not deleted, plus how many bots the owner has in each status.
type AccountStats struct {
	Stats
	Bots map[string]int `json:"bots"`
}

// DayStats is one UTC day of a daily series.
type DayStats struct {
	Date        string `json:"date"` // YYYY-MM-DD
	NewUsers    int64  `json:"newUsers"`
	ActiveUsers int64  `json:"activeUsers"`
	Updates     int64  `json:"updates"`
	Errors      int64  `json:"errors"`
	Partial     bool   `json:"partial"` // today: the day is not over yet
}

// DailyOf is the API shape of a daily series; the day today (UTC) is
// marked partial.
func DailyOf(days []models.DayTotals, today string) []DayStats {
	if days == nil {
		return nil
	}
	out := make([]DayStats, len(days))
	for i, d := range days {
		out[i] = DayStats{Date: d.Date, NewUsers: d.NewUsers, ActiveUsers: d.ActiveUsers, Updates: d.Updates, Errors: d.Errors,
			Partial: d.Date == today}
	}
	return out
}
