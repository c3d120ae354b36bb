package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// BotSummary is a bot in lists (schema BotSummary in handlers/openapi/bots.yaml).
type BotSummary struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Username     string     `json:"username"`
	Status       string     `json:"status"`
	TotalUsers   int64      `json:"totalUsers"`
	WebhookSet   bool       `json:"webhookSet"`
	UpdateMode   string     `json:"updateMode"`
	CreatedAt    time.Time  `json:"createdAt"`
	LastUpdateAt *time.Time `json:"lastUpdateAt"`
}

// BotDetail is one bot (schema Bot in handlers/openapi/bots.yaml): the summary plus details.
type BotDetail struct {
	BotSummary
	TelegramID    int64      `json:"telegramId"`
	TokenMasked   string     `json:"tokenMasked"`
	WebhookURL    string     `json:"webhookUrl"`
	WebhookError  string     `json:"webhookError"`
	StatusReason  string     `json:"statusReason"`
	Description   string     `json:"description"`
	Tags          []string   `json:"tags"`
	CodeVersion   int        `json:"codeVersion"`
	CodeUpdatedAt *time.Time `json:"codeUpdatedAt"`
}

// BotSummaryOf is the list shape of b.
func BotSummaryOf(b *models.Bot) BotSummary {
	return BotSummary{ID: b.ID, Name: b.Name, Username: b.Username, Status: b.Status, TotalUsers: b.TotalUsers,
		WebhookSet: b.WebhookSet, UpdateMode: b.UpdateMode, CreatedAt: b.CreatedAt, LastUpdateAt: b.LastUpdateAt}
}

// BotDetailOf is the full shape of b.
func BotDetailOf(b *models.Bot) BotDetail {
	tags := b.Tags
	if tags == nil {
		tags = []string{}
	}
	return BotDetail{BotSummary: BotSummaryOf(b), TelegramID: b.TelegramID, TokenMasked: b.TokenMasked, WebhookURL: b.WebhookURL,
		WebhookError: b.WebhookError, StatusReason: b.StatusReason, Description: b.Description, Tags: tags,
		CodeVersion: b.CodeVersion, CodeUpdatedAt: b.CodeUpdatedAt}
}

// ConnectBotRequest is the body of POST /bots and POST /api/bots.
type ConnectBotRequest struct {
	Token string `json:"token" form:"token" validate:"required"`
}

// Normalize trims the pasted token.
func (r *ConnectBotRequest) Normalize() { r.Token = strings.TrimSpace(r.Token) }

// UpdateBotRequest is the body of PATCH /api/bots/{id} and the edit form.
type UpdateBotRequest struct {
	Description *string  `json:"description" form:"description" validate:"omitempty,max=500"`
	Tags        []string `json:"tags" form:"tags" validate:"omitempty,max=10,dive,min=1,max=32"`
	TagsText    *string  `json:"-" form:"tagsText"` // the form's comma-separated tags field
}

// Normalize splits the form's tag text and tidies tags: trimmed, lower
// case, no duplicates, in the order given.
func (r *UpdateBotRequest) Normalize() {
	if r.TagsText != nil {
		r.Tags = strings.Split(*r.TagsText, ",")
		if strings.TrimSpace(*r.TagsText) == "" {
			r.Tags = []string{}
		}
	}
	if r.Tags == nil {
		return
	}
	seen := map[string]bool{}
	tags := make([]string, 0, len(r.Tags))
	for _, t := range r.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	r.Tags = tags
	if r.Description != nil {
		*r.Description = strings.TrimSpace(*r.Description)
	}
}

// BatchBotsRequest is the body of POST /api/bots/batch.
type BatchBotsRequest struct {
	IDs []string `json:"ids" validate:"required,min=1,max=100,dive,max=64"`
}

// ListBotsRequest filters, sorts and pages the bot list.
type ListBotsRequest struct {
	Q      string `json:"q" form:"q" validate:"max=100"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=active stopped warning error deleted"`
	Sort   string `json:"sort" form:"sort" validate:"omitempty,oneof=created -created name users"`
	Page   `form:",inline"`
}

// Normalize trims the search.
func (r *ListBotsRequest) Normalize() { r.Q = strings.TrimSpace(r.Q) }

// Filter is what the store narrows the list by.
func (r ListBotsRequest) Filter() models.BotFilter {
	return models.BotFilter{Q: r.Q, Status: r.Status, Sort: r.Sort}
}
