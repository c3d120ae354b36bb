package contract

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"

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
	Tags         []string  `json:"tags"`   // sorted; [] when none
	Source       string    `json:"source"` // deep-link source of the first /start, "" when none
	// Props holds the properties asked for with cols (null when unset).
	Props map[string]any `json:"props,omitempty"`
}

// ColumnProps is the props of a user for the columns cols: every column,
// null when the user lacks it.
func ColumnProps(props map[string]any, cols []string) map[string]any {
	out := make(map[string]any, len(cols))
	for _, c := range cols {
		out[c] = props[c]
	}
	return out
}

// BotUserOf is the API shape of u with its tags; photoURL is the proxy
// route or nil.
func BotUserOf(u *models.BotUser, photoURL *string, tags []string) BotUserJSON {
	if tags == nil {
		tags = []string{}
	}
	return BotUserJSON{UserID: u.UserID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Name: u.Name,
		LanguageCode: u.LanguageCode, IsPremium: u.IsPremium, StartedAt: u.StartedAt, LastSeenAt: u.LastSeenAt,
		Blocked: u.Blocked, BotBlocked: u.BotBlocked, PhotoURL: photoURL, Tags: tags, Source: u.Source}
}

// ListBotUsersRequest filters, sorts and pages a bot's users; the CSV
// export takes the same parameters.
type ListBotUsersRequest struct {
	Q      string `json:"q" form:"q" validate:"max=100"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=active blocked botBlocked"`
	Sort   string `json:"sort" form:"sort" validate:"omitempty,oneof=started -started lastSeen -lastSeen name"`
	Page   `form:",inline"`

	// Audience filters: users with every tag of Tag and none of NotTag,
	// from Source, speaking Language, with properties equal to Prop
	// (prop.NAME=value in a URL; the users page's form sends one as
	// propName and propValue).
	Tag       []string          `json:"tag" form:"tag" validate:"max=10"`
	NotTag    []string          `json:"notTag" form:"notTag" validate:"max=10"`
	Source    string            `json:"source" form:"source" validate:"max=64"`
	Language  string            `json:"language" form:"language" validate:"max=35"`
	Prop      map[string]string `json:"prop" form:"prop" validate:"max=10"`
	PropName  string            `json:"-" form:"propName" validate:"max=32"`
	PropValue string            `json:"-" form:"propValue" validate:"max=512"`

	// Time filters: users who started on or after StartedFrom and up to
	// StartedTo, and were last seen on or after LastSeenFrom. Each is a
	// date (YYYY-MM-DD: the whole day in Zone, the member's time zone) or
	// an RFC 3339 time (StartedTo then an exclusive bound).
	StartedFrom  string `json:"startedFrom" form:"startedFrom" validate:"max=40"`
	StartedTo    string `json:"startedTo" form:"startedTo" validate:"max=40"`
	LastSeenFrom string `json:"lastSeenFrom" form:"lastSeenFrom" validate:"max=40"`
	// Zone is the time zone dates are read in (nil: UTC); the handler
	// sets it from the member's account.
	Zone *time.Location `json:"-" form:"-"`

	// Cols are property columns shown in the table and the CSV (and, on
	// the API, each user's props).
	Cols []string `json:"cols" form:"cols" validate:"max=10"`

	// Segment narrows the list to a saved segment of the bot as well;
	// core reads its filter into SegmentAudience.
	Segment         string                 `json:"segment" form:"segment" validate:"max=64"`
	SegmentAudience *models.AudienceFilter `json:"-" form:"-"`
}

// parseBound reads a time filter: a date (its start in zone, and the start
// of the next day as end) or an RFC 3339 time (both the same instant).
func parseBound(s string, zone *time.Location) (start, end time.Time, ok bool) {
	if s == "" {
		return time.Time{}, time.Time{}, true
	}
	if zone == nil {
		zone = time.UTC
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		return d.UTC(), d.AddDate(0, 0, 1).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), t.UTC(), true
	}
	return time.Time{}, time.Time{}, false
}

// Problems checks the audience filters' tag and property names.
func (r ListBotUsersRequest) Problems() error {
	fields := apperr.FieldErrors{}
	for i, t := range r.Tag {
		if !replies.ValidTag(t) {
			fields["tag["+strconv.Itoa(i)+"]"] = "must be a tag name"
		}
	}
	for i, t := range r.NotTag {
		if !replies.ValidTag(t) {
			fields["notTag["+strconv.Itoa(i)+"]"] = "must be a tag name"
		}
	}
	for name, v := range map[string]string{"startedFrom": r.StartedFrom, "startedTo": r.StartedTo, "lastSeenFrom": r.LastSeenFrom} {
		if _, _, ok := parseBound(v, r.Zone); !ok {
			fields[name] = "must be a date (YYYY-MM-DD) or an RFC 3339 time"
		}
	}
	colsProblems(r.Cols, fields)
	for name, v := range r.Prop {
		if !replies.ValidProperty(name) {
			fields["prop."+name] = "must be a property name: a-z first, then a-z, 0-9 or _ (up to 32)"
		} else if utf8.RuneCountInString(v) > replies.MaxValueLength {
			fields["prop."+name] = "must be at most " + strconv.Itoa(replies.MaxValueLength) + " characters"
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("", fields)
	}
	return nil
}

// Normalize trims the search and drops the "@" people type before a
// username.
func (r *ListBotUsersRequest) Normalize() {
	r.Q = strings.TrimSpace(r.Q)
	if rest, ok := strings.CutPrefix(r.Q, "@"); ok {
		r.Q = strings.TrimSpace(rest)
	}
	r.Tag, r.NotTag = normalizeTags(r.Tag), normalizeTags(r.NotTag)
	r.Source, r.Language = strings.TrimSpace(r.Source), strings.ToLower(strings.TrimSpace(r.Language))
	if name := replies.NormalizeProperty(r.PropName); name != "" {
		if r.Prop == nil {
			r.Prop = map[string]string{}
		}
		r.Prop[name] = strings.TrimSpace(r.PropValue)
	}
	r.PropName, r.PropValue = "", ""
	r.StartedFrom, r.StartedTo, r.LastSeenFrom = strings.TrimSpace(r.StartedFrom), strings.TrimSpace(r.StartedTo), strings.TrimSpace(r.LastSeenFrom)
	r.Cols = normalizeCols(r.Cols)
}

// normalizeCols reads cols=a,b and cols=a&cols=b alike, dropping empty and
// repeated names.
func normalizeCols(in []string) []string {
	var cols []string
	for _, c := range in {
		for _, c := range strings.Split(c, ",") {
			if c = replies.NormalizeProperty(c); c != "" && !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	return cols
}

// colsProblems names the columns that are not property names.
func colsProblems(cols []string, fields map[string]string) {
	for i, c := range cols {
		if !replies.ValidProperty(c) {
			fields["cols["+strconv.Itoa(i)+"]"] = "must be a property name"
		}
	}
}

// UserColumnsRequest is a member's choice of property columns for a bot's
// users table (the page's column picker posts it; an empty choice shows none).
type UserColumnsRequest struct {
	Cols []string `json:"cols" form:"cols" validate:"max=10"`
}

// Normalize drops empty and repeated names.
func (r *UserColumnsRequest) Normalize() { r.Cols = normalizeCols(r.Cols) }

// Problems names columns that are not property names.
func (r *UserColumnsRequest) Problems() error {
	fields := map[string]string{}
	if colsProblems(r.Cols, fields); len(fields) > 0 {
		return apperr.Invalid("", fields)
	}
	return nil
}

// normalizeTags lower-cases tags and drops empty and repeated ones.
func normalizeTags(in []string) []string {
	var out []string
	for _, t := range in {
		if t = replies.NormalizeTag(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Filtered reports whether q or status narrows the list.
func (r ListBotUsersRequest) Filtered() bool {
	return r.Q != "" || r.Status != "" || r.Segment != "" || !r.Filter().AudienceFilter.Empty()
}

// Filter is what the store narrows the list by.
func (r ListBotUsersRequest) Filter() models.BotUserFilter {
	startedFrom, _, _ := parseBound(r.StartedFrom, r.Zone)
	_, startedBefore, _ := parseBound(r.StartedTo, r.Zone)
	lastSeenFrom, _, _ := parseBound(r.LastSeenFrom, r.Zone)
	return models.BotUserFilter{Q: r.Q, Status: r.Status, Sort: r.Sort, AudienceFilter: models.AudienceFilter{
		Tags: r.Tag, NotTags: r.NotTag, Source: r.Source, Language: r.Language, Props: r.Prop,
		StartedFrom: startedFrom, StartedBefore: startedBefore, LastSeenFrom: lastSeenFrom}, Segment: r.SegmentAudience}
}

// UserActionRequest is the body of POST …/users/{userId}/block and
// /unblock. The dashboard's forms send back the list they were on, so a
// browser without JavaScript returns to it.
type UserActionRequest struct {
	Back string `json:"-" form:"back" validate:"max=2000"`
}
