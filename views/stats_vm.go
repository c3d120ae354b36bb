package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// StatsVM is the view model of a bot's stats page.
type StatsVM struct {
	Bot   *models.Bot
	Stats contract.Stats
	Kinds []models.UpdateKindTotal
	Days  int
	// Sources are the users by deep-link source in the period.
	Sources []models.SourceCount
}

// DeepLink is the t.me link that records source for a new user.
func (vm StatsVM) DeepLink(source string) string { return replies.DeepLink(vm.Bot.Username, source) }

// SourceLink is what the Sources table shows in its Link column: the deep
// link, or which campaign's invite link brought the users.
func (vm StatsVM) SourceLink(source string) string {
	if name, ok := strings.CutPrefix(source, models.CampaignSourcePrefix); ok {
		return "the invite link of campaign “" + name + "”"
	}
	return vm.DeepLink(source)
}

// Base is the page's URL without a query.
func (vm StatsVM) Base() string { return "/bots/" + vm.Bot.ID + "/stats" }

// Cards are the headline numbers; the error and log cards link to the log.
func (vm StatsVM) Cards() []StatCard {
	logs := "/bots/" + vm.Bot.ID + "/logs"
	return statCards(vm.Stats, vm.Days, logs+"?level=error", logs)
}

// Charts are the daily series.
func (vm StatsVM) Charts() []components.ChartVM { return DailyCharts("bot-chart", vm.Stats) }

// Periods are the choices of the period switch.
func (vm StatsVM) Periods() []Period { return periods(vm.Base(), vm.Days) }

// StatCard is one headline number.
type StatCard struct {
	Label, Hint string
	Value       int64
	Href        string // optional: where the number is explained in detail
	Change      string // optional: against the period before ("Up 12% on the 30 days before")
}

func statCards(s contract.Stats, days int, errorsHref, logsHref string) []StatCard {
	return []StatCard{
		{Label: "Users", Value: s.TotalUsers, Hint: "everyone who ever started the bot"},
		{Label: "New users", Value: s.NewUsersLast7Days, Hint: "started in the last 7 days"},
		{Label: "Active users", Value: s.ActiveUsers, Hint: "different people seen in the " + dayCount(days) + " (UTC, today so far)",
			Change: activeChange(s.ActiveUsers, s.ActiveUsersPrevious, days)},
		{Label: "Blocked the bot", Value: s.BlockedUsers, Hint: "users who blocked it in Telegram"},
		{Label: "Errors", Value: s.TotalErrors, Hint: "error entries in the log", Href: errorsHref},
		{Label: "Log entries", Value: s.TotalLogs, Hint: "everything in the log", Href: logsHref},
	}
}

// activeChange compares the period's active users with the period before.
func activeChange(now int64, before *int64, days int) string {
	period := Number(days) + " days"
	if days == 1 {
		period = "day"
	}
	than := " on the " + period + " before"
	switch {
	case before == nil:
		return "No figure yet for the " + period + " before"
	case *before == 0 && now == 0, *before == now:
		return "Same as" + than[3:]
	case *before == 0:
		return "Up from none" + than
	case now > *before:
		return "Up " + percent(now-*before, *before) + than
	default:
		return "Down " + percent(*before-now, *before) + than
	}
}

func percent(diff, base int64) string {
	p := (diff*100 + base/2) / base
	if p == 0 {
		return "less than 1%"
	}
	return strconv.FormatInt(p, 10) + "%"
}

// Period is one choice of the 7/30/90-day switch.
type Period struct {
	Label, Href string
	Current     bool
}

// PeriodChoices are the lengths the switch offers; the API takes any
// number of days from 1 to 365.
var PeriodChoices = []int{7, 30, 90}

func periods(base string, current int) []Period {
	out := make([]Period, 0, len(PeriodChoices))
	for _, d := range PeriodChoices {
		href := base
		if d != contract.DefaultStatsDays {
			href += "?days=" + strconv.Itoa(d)
		}
		out = append(out, Period{Label: strconv.Itoa(d) + " days", Href: href, Current: d == current})
	}
	return out
}

// DailyCharts turns a daily series into one chart per measure.
func DailyCharts(idPrefix string, s contract.Stats) []components.ChartVM {
	daily := s.Daily
	type measure struct {
		id, title, noun, kind, tone string
		value                       func(contract.DayStats) int64
	}
	measures := []measure{
		{"new-users", "New users", "new users", components.ChartBar, "indigo", func(d contract.DayStats) int64 { return d.NewUsers }},
		{"active-users", "Active users", "active users", components.ChartLine, "emerald", func(d contract.DayStats) int64 { return d.ActiveUsers }},
		{"updates", "Updates", "updates", components.ChartLine, "sky", func(d contract.DayStats) int64 { return d.Updates }},
		{"errors", "Errors", "errors", components.ChartBar, "rose", func(d contract.DayStats) int64 { return d.Errors }},
	}
	charts := make([]components.ChartVM, 0, len(measures))
	for _, m := range measures {
		points := make([]components.ChartPoint, len(daily))
		for i, d := range daily {
			points[i] = dayPoint(d, m.value(d))
		}
		c := components.ChartVM{ID: idPrefix + "-" + m.id, Title: m.title, Noun: m.noun, Kind: m.kind, Tone: m.tone, Points: points}
		if m.id == "active-users" {
			unique := s.ActiveUsers // each person once, not the sum of the days
			c.Unique = &unique
		}
		charts = append(charts, c)
	}
	return charts
}

func dayPoint(d contract.DayStats, v int64) components.ChartPoint {
	p := components.ChartPoint{Key: d.Date, Label: d.Date, Long: d.Date, Value: v}
	if t, err := time.Parse(time.DateOnly, d.Date); err == nil {
		p.Label, p.Long = t.Format("2 Jan"), t.Format("2 Jan 2006")
	}
	if d.Partial {
		p.Long += " (today, so far)"
	}
	return p
}

// UpdateKindLabel names an update type for people.
func UpdateKindLabel(kind string) string {
	switch kind {
	case "message":
		return "Messages"
	case "edited_message":
		return "Edited messages"
	case "channel_post":
		return "Channel posts"
	case "edited_channel_post":
		return "Edited channel posts"
	case "callback_query":
		return "Button presses"
	case "my_chat_member":
		return "Bot added, removed or blocked"
	case "chat_member":
		return "Members joining or leaving"
	case "chat_join_request":
		return "Join requests"
	}
	return kind
}
