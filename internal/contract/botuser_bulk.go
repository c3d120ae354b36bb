package contract

import (
	"slices"
	"strconv"

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
	Segment      string            `json:"segment" validate:"max=64"`
}

// List is f as the list request it filters like.
func (f UsersFilter) List() ListBotUsersRequest {
	return ListBotUsersRequest{Q: f.Q, Status: f.Status, Tag: f.Tag, NotTag: f.NotTag, Source: f.Source, Language: f.Language,
		Prop: f.Prop, StartedFrom: f.StartedFrom, StartedTo: f.StartedTo, LastSeenFrom: f.LastSeenFrom, Segment: f.Segment}
}

// MaxBulkUserIDs bounds a selection of rows sent by id.
const MaxBulkUserIDs = 1000

// TagUsersRequest is POST /api/bots/{id}/users/tags: add and remove tags
// of the users chosen by exactly one of UserIDs and Filter.
//
// The users page's form sends the chosen rows as userId fields, or all=1
// with the list's own filter fields (q, status, tag…), which fill List.
type TagUsersRequest struct {
	UserIDs []int64      `json:"userIds" form:"userId" validate:"max=1000"`
	Filter  *UsersFilter `json:"filter" form:"-"`
	// SegmentID chooses a saved segment's users (the same as a filter
	// holding only that segment).
	SegmentID string   `json:"segment" form:"-" validate:"max=64"`
	Add       []string `json:"add" form:"add" validate:"max=10"`
	Remove    []string `json:"remove" form:"remove" validate:"max=10"`

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
	if r.Filter != nil {
		l := r.Filter.List()
		l.Normalize()
		r.Filter = &UsersFilter{Q: l.Q, Status: l.Status, Tag: l.Tag, NotTag: l.NotTag, Source: l.Source, Language: l.Language,
			Prop: l.Prop, StartedFrom: l.StartedFrom, StartedTo: l.StartedTo, LastSeenFrom: l.LastSeenFrom, Segment: l.Segment}
	}
	if r.All && r.Filter == nil {
		f := r.ListBotUsersRequest
		r.Filter = &UsersFilter{Q: f.Q, Status: f.Status, Tag: f.Tag, NotTag: f.NotTag, Source: f.Source, Language: f.Language,
			Prop: f.Prop, StartedFrom: f.StartedFrom, StartedTo: f.StartedTo, LastSeenFrom: f.LastSeenFrom, Segment: f.Segment}
	}
	if r.SegmentID != "" {
		if r.Filter == nil {
			r.Filter = &UsersFilter{}
		}
		if r.Filter.Segment == "" {
			r.Filter.Segment = r.SegmentID
		}
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
	switch {
	case r.Filter == nil && len(r.UserIDs) == 0:
		fields["userIds"] = "choose users: userIds or filter"
	case r.Filter != nil && len(r.UserIDs) > 0:
		fields["filter"] = "give userIds or filter, not both"
	case r.SegmentID != "" && r.Filter.Segment != r.SegmentID:
		fields["segment"] = "give segment or filter.segment, not both"
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

// Selection is the store filter of the chosen users.
func (r TagUsersRequest) Selection() models.BotUserFilter {
	if r.Filter == nil {
		return models.BotUserFilter{IDs: r.UserIDs}
	}
	l := r.Filter.List()
	l.Zone = r.Zone
	return l.Filter()
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
