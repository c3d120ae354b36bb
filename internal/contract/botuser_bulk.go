package contract

import (
	"slices"
	"strconv"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// UsersFilter is a users list's filter as JSON (the filter of a bulk
// action): the list's query parameters, without sort and page.
type UsersFilter struct {
	Q            string            `json:"q" validate:"max=100"`
	Status       string            `json:"status" validate:"omitempty,oneof=active blocked botBlocked"`
	Tag          []string          `json:"tag" validate:"max=10"`
	NotTag       []string          `json:"notTag" validate:"max=10"`
	Source       string            `json:"source" validate:"max=64"`
	Language     string            `json:"language" validate:"max=35"`
	Prop         map[string]string `json:"prop" validate:"max=10"`
	StartedFrom  string            `json:"startedFrom" validate:"max=40"`
	StartedTo    string            `json:"startedTo" validate:"max=40"`
	LastSeenFrom string            `json:"lastSeenFrom" validate:"max=40"`
}

// List is f as the list request it filters like.
func (f UsersFilter) List() ListBotUsersRequest {
	return ListBotUsersRequest{Q: f.Q, Status: f.Status, Tag: f.Tag, NotTag: f.NotTag, Source: f.Source, Language: f.Language,
		Prop: f.Prop, StartedFrom: f.StartedFrom, StartedTo: f.StartedTo, LastSeenFrom: f.LastSeenFrom}
}

// MaxBulkUserIDs bounds a selection of rows sent by id.
const MaxBulkUserIDs = 1000

// TagUsersRequest is POST /api/bots/{id}/users/tags: add and remove tags
// of the users chosen by exactly one of UserIDs, Filter and Segment (the
// id of one of the bot's segments: its users, as the list's segment=
// shows them).
//
// The users page's form sends the chosen rows as userId fields, or all=1
// with the list's own filter fields (q, status, tag…, segment), which fill
// List.
type TagUsersRequest struct {
	UserIDs []int64      `json:"userIds" form:"userId" validate:"max=1000"`
	Filter  *UsersFilter `json:"filter" form:"-"`
	Segment string       `json:"segment" form:"-" validate:"max=64"`
	Add     []string     `json:"add" form:"add" validate:"max=10"`
	Remove  []string     `json:"remove" form:"remove" validate:"max=10"`

	All                 bool   `json:"-" form:"all"`
	BulkTag             string `json:"-" form:"bulkTag" validate:"max=64"`
	Op                  string `json:"-" form:"op" validate:"omitempty,oneof=add remove"`
	ListBotUsersRequest `json:"-" form:",inline"`
}

// Normalize tidies the tags and the filter.
func (r *TagUsersRequest) Normalize() {
	if r.BulkTag != "" { // the page's bulk bar: one tag, added or removed
		if r.Op == "remove" {
			r.Remove = append(r.Remove, r.BulkTag)
		} else {
			r.Add = append(r.Add, r.BulkTag)
		}
		r.BulkTag = ""
	}
	r.Add, r.Remove = normalizeTags(r.Add), normalizeTags(r.Remove)
	r.ListBotUsersRequest.Normalize()
	r.Segment = strings.TrimSpace(r.Segment)
	if r.Filter != nil {
		l := r.Filter.List()
		l.Normalize()
		r.Filter = &UsersFilter{Q: l.Q, Status: l.Status, Tag: l.Tag, NotTag: l.NotTag, Source: l.Source, Language: l.Language,
			Prop: l.Prop, StartedFrom: l.StartedFrom, StartedTo: l.StartedTo, LastSeenFrom: l.LastSeenFrom}
	}
	if r.All && r.Filter == nil {
		f := r.ListBotUsersRequest
		r.Filter = &UsersFilter{Q: f.Q, Status: f.Status, Tag: f.Tag, NotTag: f.NotTag, Source: f.Source, Language: f.Language,
			Prop: f.Prop, StartedFrom: f.StartedFrom, StartedTo: f.StartedTo, LastSeenFrom: f.LastSeenFrom}
	}
	if r.All {
		r.UserIDs = nil // "all matching" wins over the ticked rows of the page
	}
	slices.Sort(r.UserIDs)
	r.UserIDs = slices.Compact(r.UserIDs)
}

// Problems checks that exactly one selection is given, that there is a
// tag to add or remove, and the names.
func (r TagUsersRequest) Problems() error {
	fields := apperr.FieldErrors{}
	n := 0
	for _, given := range []bool{len(r.UserIDs) > 0, r.Filter != nil, r.Segment != ""} {
		if given {
			n++
		}
	}
	switch {
	case n == 0:
		fields["userIds"] = "choose users: userIds, filter or segment"
	case n > 1 && r.Segment != "":
		fields["segment"] = "give one of userIds, filter or segment"
	case n > 1:
		fields["filter"] = "give userIds or filter, not both"
	}
	for i, id := range r.UserIDs {
		if id <= 0 {
			fields["userIds["+strconv.Itoa(i)+"]"] = "must be a Telegram user id"
		}
	}
	if len(r.Add) == 0 && len(r.Remove) == 0 {
		fields["add"] = "give a tag to add or remove"
	}
	for i, t := range r.Add {
		if !replies.ValidTag(t) {
			fields["add["+strconv.Itoa(i)+"]"] = "must be a tag name"
		} else if slices.Contains(r.Remove, t) {
			fields["add["+strconv.Itoa(i)+"]"] = "cannot be added and removed at once"
		}
	}
	for i, t := range r.Remove {
		if !replies.ValidTag(t) {
			fields["remove["+strconv.Itoa(i)+"]"] = "must be a tag name"
		}
	}
	if r.Filter != nil {
		l := r.Filter.List()
		l.Zone = r.Zone
		if err := l.Problems(); err != nil {
			if e, ok := apperr.AsError(err); ok {
				for k, v := range e.Fields {
					fields["filter."+k] = v
				}
			}
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("", fields)
	}
	return nil
}

// Selection is the store filter of the chosen users; segment is the
// audience of the segment chosen (Segment, or the page's list segment with
// all=1), read by core, nil when none.
func (r TagUsersRequest) Selection(segment *models.AudienceFilter) models.BotUserFilter {
	switch {
	case r.Segment != "":
		return models.BotUserFilter{Segment: segment}
	case r.Filter == nil:
		return models.BotUserFilter{IDs: r.UserIDs}
	}
	l := r.Filter.List()
	l.Zone = r.Zone
	f := l.Filter()
	f.Segment = segment
	return f
}

// SegmentID is the segment whose users are chosen: Segment, or with all=1
// the segment the page's list is narrowed to; "" when none.
func (r TagUsersRequest) SegmentID() string {
	if r.Segment != "" {
		return r.Segment
	}
	if r.All {
		return r.ListBotUsersRequest.Segment
	}
	return ""
}

// TagUsersResult is the answer of a bulk tag change.
type TagUsersResult struct {
	Changed int64 `json:"changed"`
}

// TagCountJSON is one tag of GET /api/bots/{id}/tags.
type TagCountJSON struct {
	Name  string `json:"name"`
	Users int64  `json:"users"`
}

// ListTagsRequest pages a bot's tags.
type ListTagsRequest struct {
	Page `form:",inline"`
}
