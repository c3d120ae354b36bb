package contract

import (
	"time"

	"github.com/botdeck/botdeck/models"
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

// Filter is what the store narrows the log by.
func (r ListLogsRequest) Filter() models.LogFilter {
	return models.LogFilter{Level: r.Level, Source: r.Source}
}

// LogJSON is one entry of a bot's log.
type LogJSON struct {
	ID        int64     `json:"id"`
	Level     string    `json:"level"`
	Source    string    `json:"source"`
	Message   string    `json:"message"`
	Detail    string    `json:"detail"`
	CreatedAt time.Time `json:"createdAt"`
}

// LogOf is the API shape of l.
func LogOf(l *models.BotLog) LogJSON {
	return LogJSON{ID: l.ID, Level: l.Level, Source: l.Source, Message: l.Message, Detail: l.Detail, CreatedAt: l.CreatedAt}
}
