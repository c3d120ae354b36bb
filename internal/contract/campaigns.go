package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// CampaignJSON is the API shape of a campaign (schema Campaign in handlers/openapi/campaigns.yaml).
type CampaignJSON struct {
	ID          string     `json:"id"`
	BotID       string     `json:"botId"`
	ChatID      int64      `json:"chatId"`
	ChatTitle   string     `json:"chatTitle"`
	Name        string     `json:"name"`
	InviteLink  string     `json:"inviteLink"`
	JoinRequest bool       `json:"joinRequest"`
	Greeting    string     `json:"greeting"`
	Status      string     `json:"status"`
	Joins       int64      `json:"joins"`
	Leaves      int64      `json:"leaves"`
	Members     int64      `json:"members"`
	Requests    int64      `json:"requests"`
	Warning     string     `json:"warning"`
	CreatedAt   time.Time  `json:"createdAt"`
	ArchivedAt  *time.Time `json:"archivedAt"`
}

// CampaignOf is the API shape of c.
func CampaignOf(c *models.Campaign) CampaignJSON {
	return CampaignJSON{ID: c.ID, BotID: c.BotID, ChatID: c.ChatID, ChatTitle: c.ChatTitle, Name: c.Name, InviteLink: c.InviteLink,
		JoinRequest: c.JoinRequest, Greeting: c.Greeting, Status: c.Status, Joins: c.Joins, Leaves: c.Leaves, Members: c.Members,
		Requests: c.Requests, Warning: c.Warning, CreatedAt: c.CreatedAt, ArchivedAt: c.ArchivedAt}
}

// CreateCampaignRequest is the body of POST /api/campaigns and the form.
type CreateCampaignRequest struct {
	BotID       string `json:"botId" form:"botId" validate:"required,max=64"`
	ChatID      int64  `json:"chatId" form:"chatId" validate:"required"`
	Name        string `json:"name" form:"name" validate:"required,max=100"`
	Greeting    string `json:"greeting" form:"greeting" validate:"max=4000"`
	JoinRequest bool   `json:"joinRequest" form:"joinRequest"`
}

// Normalize trims the text fields.
func (r *CreateCampaignRequest) Normalize() {
	r.Name, r.Greeting = strings.TrimSpace(r.Name), strings.TrimSpace(r.Greeting)
}

// UpdateCampaignRequest is the body of PATCH /api/campaigns/{id}.
type UpdateCampaignRequest struct {
	Name     *string `json:"name" form:"name" validate:"omitempty,min=1,max=100"`
	Greeting *string `json:"greeting" form:"greeting" validate:"omitempty,max=4000"`
}

// Normalize trims the text fields.
func (r *UpdateCampaignRequest) Normalize() {
	if r.Name != nil {
		*r.Name = strings.TrimSpace(*r.Name)
	}
	if r.Greeting != nil {
		*r.Greeting = strings.TrimSpace(*r.Greeting)
	}
}

// ListCampaignsRequest filters the campaign list.
type ListCampaignsRequest struct {
	BotID  string `json:"botId" form:"botId" validate:"max=64"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=active archived"`
	Q      string `json:"q" form:"q" validate:"max=100"`
	Page   `form:",inline"`
}

// Normalize trims the search.
func (r *ListCampaignsRequest) Normalize() { r.Q = strings.TrimSpace(r.Q) }

// Filter is what the store narrows the list by.
func (r ListCampaignsRequest) Filter() models.CampaignFilter {
	return models.CampaignFilter{BotID: r.BotID, Status: r.Status, Q: r.Q}
}

// LeadJSON is the API shape of a lead.
type LeadJSON struct {
	UserID        int64      `json:"userId"`
	Username      string     `json:"username"`
	Name          string     `json:"name"`
	Status        string     `json:"status"`
	JoinedAt      *time.Time `json:"joinedAt"`
	LeftAt        *time.Time `json:"leftAt"`
	RequestedAt   *time.Time `json:"requestedAt"`
	Via           string     `json:"via"`
	GreetedAt     *time.Time `json:"greetedAt"`
	GreetingError string     `json:"greetingError"`
}

// LeadOf is the API shape of l.
func LeadOf(l *models.CampaignLead) LeadJSON {
	return LeadJSON{UserID: l.UserID, Username: l.Username, Name: l.Name, Status: l.Status, JoinedAt: l.JoinedAt, LeftAt: l.LeftAt,
		RequestedAt: l.RequestedAt, Via: l.Via, GreetedAt: l.GreetedAt, GreetingError: l.GreetingError}
}

// ListLeadsRequest filters a campaign's leads.
type ListLeadsRequest struct {
	Status string `json:"status" form:"status" validate:"omitempty,oneof=joined left pending"`
	Page   `form:",inline"`
}

// CampaignDayJSON is one UTC day of a campaign's daily series.
type CampaignDayJSON struct {
	Date   string `json:"date"` // YYYY-MM-DD
	Joins  int64  `json:"joins"`
	Leaves int64  `json:"leaves"`
}

// CampaignDaysOf is the API shape of a campaign's daily series.
func CampaignDaysOf(days []models.CampaignDay) []CampaignDayJSON {
	if days == nil {
		return nil
	}
	out := make([]CampaignDayJSON, len(days))
	for i, d := range days {
		out[i] = CampaignDayJSON{Date: d.Day, Joins: d.Joins, Leaves: d.Leaves}
	}
	return out
}

// CampaignReportJSON is GET /api/campaigns/{id}: the campaign with its
// daily series and conversion.
type CampaignReportJSON struct {
	CampaignJSON
	Daily       []CampaignDayJSON `json:"daily"`
	OtherJoins  int64             `json:"otherJoins"`
	Pending     int64             `json:"pending"`
	RequestRate *float64          `json:"requestConversion"` // joined after asking ÷ asked; null without requests
}
