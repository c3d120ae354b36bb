package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// BotUserJSON is the API shape of a bot user (schema BotUser in handlers/openapi/users.yaml).
type BotUserJSON struct {
	UserID       int64     `json:"userId"`
	Username     string    `json:"username"`
	FirstName    string    `json:"firstName"`
	LastName     string    `json:"lastName"`
	Name         string    `json:"name"`
	LanguageCode string    `json:"languageCode"`
	IsPremium    bool      `json:"isPremium"`
	StartedAt    time.Time `json:"startedAt"`
	LastSeenAt   time.Time `json:"lastSeenAt"`
	Blocked      bool      `json:"blocked"`
	BotBlocked   bool      `json:"botBlocked"`
	PhotoURL     *string   `json:"photoUrl"`
}

// BotUserOf is the API shape of u; photoURL is the proxy route or nil.
func BotUserOf(u *models.BotUser, photoURL *string) BotUserJSON {
	return BotUserJSON{UserID: u.UserID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Name: u.Name,
		LanguageCode: u.LanguageCode, IsPremium: u.IsPremium, StartedAt: u.StartedAt, LastSeenAt: u.LastSeenAt,
		Blocked: u.Blocked, BotBlocked: u.BotBlocked, PhotoURL: photoURL}
}

// ListBotUsersRequest filters, sorts and pages a bot's users; the CSV
// export takes the same parameters.
type ListBotUsersRequest struct {
	Q      string `json:"q" form:"q" validate:"max=100"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=active blocked botBlocked"`
	Sort   string `json:"sort" form:"sort" validate:"omitempty,oneof=started -started lastSeen -lastSeen name"`
	Page   `form:",inline"`
}

// Normalize trims the search and drops the "@" people type before a
// username.
func (r *ListBotUsersRequest) Normalize() {
	r.Q = strings.TrimSpace(r.Q)
	if rest, ok := strings.CutPrefix(r.Q, "@"); ok {
		r.Q = strings.TrimSpace(rest)
	}
}

// Filtered reports whether q or status narrows the list.
func (r ListBotUsersRequest) Filtered() bool { return r.Q != "" || r.Status != "" }

// Filter is what the store narrows the list by.
func (r ListBotUsersRequest) Filter() models.BotUserFilter {
	return models.BotUserFilter{Q: r.Q, Status: r.Status, Sort: r.Sort}
}

// UserActionRequest is the body of POST …/users/{userId}/block and
// /unblock. The dashboard's forms send back the list they were on, so a
// browser without JavaScript returns to it.
type UserActionRequest struct {
	Back string `json:"-" form:"back" validate:"max=2000"`
}
