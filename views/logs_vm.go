package views

import (
	"net/url"
	"strconv"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// LogsVM is the view model of a bot's log.
type LogsVM struct {
	Bot           *models.Bot
	Level, Source string
	Logs          []models.BotLog
	Pagination    contract.Pagination
}

// NewLogsVM builds the log view model.
func NewLogsVM(b *models.Bot, in contract.ListLogsRequest, logs []models.BotLog, p contract.Pagination) LogsVM {
	return LogsVM{Bot: b, Level: in.Level, Source: in.Source, Logs: logs, Pagination: p}
}

// Base is the page's URL without a query.
func (vm LogsVM) Base() string { return "/bots/" + vm.Bot.ID + "/logs" }

// URL is the log URL with the given filters and page.
func (vm LogsVM) URL(level, source string, page int) string {
	v := url.Values{}
	if level != "" {
		v.Set("level", level)
	}
	if source != "" {
		v.Set("source", source)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if vm.Pagination.Limit != 0 && vm.Pagination.Limit != contract.DefaultLimit {
		v.Set("limit", strconv.Itoa(vm.Pagination.Limit))
	}
	if len(v) == 0 {
		return vm.Base()
	}
	return vm.Base() + "?" + v.Encode()
}

// PageURL links to another page with the same filters.
func (vm LogsVM) PageURL(page int) string { return vm.URL(vm.Level, vm.Source, page) }

// Filtered reports whether a filter is set.
func (vm LogsVM) Filtered() bool { return vm.Level != "" || vm.Source != "" }

// LevelOptions are the choices of the level select.
func (vm LogsVM) LevelOptions() [][2]string {
	return [][2]string{{"", "All levels"}, {models.LogError, "Errors"}, {models.LogInfo, "Info"}}
}

// SourceOptions are the choices of the source select.
func (vm LogsVM) SourceOptions() [][2]string {
	opts := [][2]string{{"", "All sources"}}
	for _, s := range models.LogSources {
		opts = append(opts, [2]string{s, LogSourceLabel(s)})
	}
	return opts
}

// EmptyMessage explains a filtered log with no entries.
func (vm LogsVM) EmptyMessage() string {
	what := "entries"
	if vm.Level == models.LogError {
		what = "errors"
	} else if vm.Level == models.LogInfo {
		what = "info entries"
	}
	if vm.Source != "" {
		return "No " + what + " from " + LogSourceLabel(vm.Source) + " in the log."
	}
	return "No " + what + " in the log."
}

// LogSourceLabel names a log source for people.
func LogSourceLabel(s string) string {
	switch s {
	case models.SourceTelegram:
		return "Telegram"
	case models.SourceIngest:
		return "Update processing"
	case models.SourceHandler:
		return "Handlers"
	case models.SourceCampaign:
		return "Campaigns"
	case models.SourceBroadcast:
		return "Broadcasts"
	case models.SourceBotdeck:
		return "Botdeck"
	}
	return s
}

// logLevelClass colours a level badge (the label carries the meaning).
func logLevelClass(level string) string {
	if level == models.LogError {
		return "bg-red-50 text-red-800 ring-red-600/30"
	}
	return "bg-sky-50 text-sky-800 ring-sky-600/30"
}

// LogLevelLabel names a level.
func LogLevelLabel(level string) string {
	if level == models.LogError {
		return "Error"
	}
	return "Info"
}

// Live reports whether the entries refresh themselves: on the first page
// only, where new entries appear (a later page stays put while read).
func (vm LogsVM) Live() bool { return vm.Pagination.Page <= 1 }
