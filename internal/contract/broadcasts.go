package contract

import (
	"time"

	"github.com/botdeck/botdeck/models"
)

// BroadcastJSON is the API shape of a broadcast (schema Broadcast in handlers/openapi/broadcasts.yaml),
// with the message, the outcome counters and, while it runs, the rate and
// the estimated time left.
type BroadcastJSON struct {
	ID             string     `json:"id"`
	BotID          string     `json:"botId"`
	Status         string     `json:"status"`
	StatusReason   string     `json:"statusReason"`
	Text           string     `json:"text"`
	ParseMode      *string    `json:"parseMode"`
	DisablePreview bool       `json:"disablePreview"`
	Audience       string     `json:"audience"`
	Total          int64      `json:"total"`
	Sent           int64      `json:"sent"`
	Failed         int64      `json:"failed"`
	Blocked        int64      `json:"blocked"`
	Skipped        int64      `json:"skipped"`
	Unconfirmed    int64      `json:"unconfirmed"`
	Pending        int64      `json:"pending"`
	Rate           float64    `json:"rate"`        // the bot's configured messages per second
	CurrentRate    *float64   `json:"currentRate"` // measured over the last seconds, while running
	ETA            *int64     `json:"eta"`         // seconds left, while queued or running
	CreatedAt      time.Time  `json:"createdAt"`
	StartedAt      *time.Time `json:"startedAt"`
	FinishedAt     *time.Time `json:"finishedAt"`
}

// BroadcastOf is the API shape of b; the rates and eta are computed by the
// caller.
func BroadcastOf(b *models.Broadcast, rate float64, current *float64, eta *int64) BroadcastJSON {
	var mode *string
	if b.ParseMode != "" {
		m := b.ParseMode
		mode = &m
	}
	return BroadcastJSON{ID: b.ID, BotID: b.BotID, Status: b.Status, StatusReason: b.StatusReason, Text: b.Text,
		ParseMode: mode, DisablePreview: b.DisablePreview, Audience: b.Audience, Total: b.Total, Sent: b.Sent,
		Failed: b.Failed, Blocked: b.Blocked, Skipped: b.Skipped, Unconfirmed: b.Unconfirmed, Pending: b.Pending(),
		Rate: rate, CurrentRate: current, ETA: eta, CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt}
}

// CreateBroadcastRequest is the body of POST /api/bots/{id}/broadcasts and
// of the compose form. The markup and the length after entities parsing
// are checked by core (internal/telegram.ValidateText).
type CreateBroadcastRequest struct {
	Text           string  `json:"text" form:"text" validate:"required,max=32768"`
	ParseMode      *string `json:"parseMode" form:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2"`
	DisablePreview bool    `json:"disablePreview" form:"disablePreview"`
	Audience       string  `json:"audience" form:"audience" validate:"required,oneof=all activeLast7Days activeLast30Days"`
}

// Normalize makes an empty parse mode mean plain text and defaults the
// audience to everyone. The text is kept as typed: spaces and line breaks
// are part of the message.
func (r *CreateBroadcastRequest) Normalize() {
	if r.ParseMode != nil && *r.ParseMode == "" {
		r.ParseMode = nil
	}
	if r.Audience == "" {
		r.Audience = models.AudienceAll
	}
}

// Mode is the parse mode, "" for plain text.
func (r *CreateBroadcastRequest) Mode() string {
	if r.ParseMode == nil {
		return ""
	}
	return *r.ParseMode
}

// PreviewBroadcastRequest is what the compose form's live preview sends.
type PreviewBroadcastRequest struct {
	Text      string  `json:"text" form:"text" validate:"max=32768"`
	ParseMode *string `json:"parseMode" form:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2"`
}

// Normalize makes an empty parse mode mean plain text.
func (r *PreviewBroadcastRequest) Normalize() {
	if r.ParseMode != nil && *r.ParseMode == "" {
		r.ParseMode = nil
	}
}

// ListBroadcastsRequest pages a bot's broadcasts, newest first.
type ListBroadcastsRequest struct {
	Page `form:",inline"`
}

// AudienceRequest asks how many users an audience holds (the compose
// form's live count).
type AudienceRequest struct {
	Audience string `json:"audience" form:"audience" validate:"omitempty,oneof=all activeLast7Days activeLast30Days"`
}

// ShowBroadcastRequest carries the status the broadcast page last showed,
// so its progress poll redraws the controls only when the status changed.
type ShowBroadcastRequest struct {
	Seen string `json:"-" form:"seen" validate:"omitempty,max=16"`
}
