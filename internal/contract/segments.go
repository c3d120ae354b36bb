package contract

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// SegmentFilter is a users-list filter as JSON (a segment's filter, a
// broadcast's filter): users with every tag of Tag and none of NotTag,
// from Source, speaking Language, with properties equal to Prop. The
// segment form sends one property as propName and propValue.
type SegmentFilter struct {
	Tag       []string          `json:"tag,omitempty" form:"tag" validate:"max=10"`
	NotTag    []string          `json:"notTag,omitempty" form:"notTag" validate:"max=10"`
	Source    string            `json:"source,omitempty" form:"source" validate:"max=64"`
	Language  string            `json:"language,omitempty" form:"language" validate:"max=35"`
	Prop      map[string]string `json:"prop,omitempty" form:"prop" validate:"max=10"`
	PropName  string            `json:"-" form:"propName" validate:"max=32"`
	PropValue string            `json:"-" form:"propValue" validate:"max=512"`
}

// Normalize tidies the filter as the users list does.
func (f *SegmentFilter) Normalize() {
	f.Tag, f.NotTag = normalizeTags(splitLists(f.Tag)), normalizeTags(splitLists(f.NotTag))
	f.Source, f.Language = strings.TrimSpace(f.Source), strings.ToLower(strings.TrimSpace(f.Language))
	if name := replies.NormalizeProperty(f.PropName); name != "" {
		if f.Prop == nil {
			f.Prop = map[string]string{}
		}
		f.Prop[name] = strings.TrimSpace(f.PropValue)
	}
	f.PropName, f.PropValue = "", ""
	if len(f.Prop) == 0 {
		f.Prop = nil
	}
}

// Problems checks tag and property names; field paths start with prefix
// ("filter." in a JSON body, "" in a form).
func (f SegmentFilter) Problems(prefix string) apperr.FieldErrors {
	fields := apperr.FieldErrors{}
	for i, t := range f.Tag {
		if !replies.ValidTag(t) {
			fields[prefix+"tag["+strconv.Itoa(i)+"]"] = "must be a tag name"
		}
	}
	for i, t := range f.NotTag {
		if !replies.ValidTag(t) {
			fields[prefix+"notTag["+strconv.Itoa(i)+"]"] = "must be a tag name"
		}
	}
	for name, v := range f.Prop {
		if !replies.ValidProperty(name) {
			fields[prefix+"prop."+name] = "must be a property name: a-z first, then a-z, 0-9 or _ (up to 32)"
		} else if utf8.RuneCountInString(v) > replies.MaxValueLength {
			fields[prefix+"prop."+name] = "must be at most " + strconv.Itoa(replies.MaxValueLength) + " characters"
		}
	}
	return fields
}

// Audience is what the store narrows users by.
func (f SegmentFilter) Audience() models.AudienceFilter {
	return models.AudienceFilter{Tags: f.Tag, NotTags: f.NotTag, Source: f.Source, Language: f.Language, Props: f.Prop}
}

// Empty reports whether f narrows nothing.
func (f SegmentFilter) Empty() bool { return f.Audience().Empty() }

// JSON is the stored form of f.
func (f SegmentFilter) JSON() string {
	b, _ := json.Marshal(f)
	return string(b)
}

// ParseSegmentFilter reads a stored filter ("" is no filter).
func ParseSegmentFilter(s string) (SegmentFilter, error) {
	var f SegmentFilter
	if s == "" {
		return f, nil
	}
	err := json.Unmarshal([]byte(s), &f)
	return f, err
}

// FilterOfQuery is the filter of a users-list query (its audience part),
// for "Save as segment".
func FilterOfQuery(r ListBotUsersRequest) SegmentFilter {
	return SegmentFilter{Tag: r.Tag, NotTag: r.NotTag, Source: r.Source, Language: r.Language, Prop: r.Prop}
}

// SegmentJSON is the API shape of a segment (schema Segment in handlers/openapi/segments.yaml).
type SegmentJSON struct {
	ID        string        `json:"id"`
	BotID     string        `json:"botId"`
	Name      string        `json:"name"`
	Filter    SegmentFilter `json:"filter"`
	Users     int64         `json:"users"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
}

// CreateSegmentRequest is the body of POST /api/bots/{id}/segments and of
// the segment form.
type CreateSegmentRequest struct {
	Name          string `json:"name" form:"name" validate:"required,max=100"`
	SegmentFilter `json:"filter" form:",inline"`
}

// Normalize trims the name and tidies the filter.
func (r *CreateSegmentRequest) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.SegmentFilter.Normalize()
}

// UpdateSegmentRequest is the body of PATCH /api/segments/{id}: the name
// and the filter, each replaced when given. The edit form sends the whole
// filter as flat fields with form=1.
type UpdateSegmentRequest struct {
	Name          *string        `json:"name" form:"name" validate:"omitempty,max=100"`
	Filter        *SegmentFilter `json:"filter" form:"-"`
	SegmentFilter `json:"-" form:",inline"`
	Form          bool `json:"-" form:"form"`
}

// Normalize trims the name and tidies the filter; a form's flat fields
// become the filter.
func (r *UpdateSegmentRequest) Normalize() {
	if r.Name != nil {
		n := strings.TrimSpace(*r.Name)
		r.Name = &n
	}
	if r.Form {
		f := r.SegmentFilter
		r.Filter = &f
	}
	if r.Filter != nil {
		r.Filter.Normalize()
	}
}

// ListSegmentsRequest pages a bot's segments.
type ListSegmentsRequest struct {
	Page `form:",inline"`
}

// SegmentCountRequest is the segment form's live count (page only).
type SegmentCountRequest struct {
	SegmentFilter `form:",inline"`
	Name          string `form:"name" validate:"max=100"`
	Form          bool   `form:"form"`
}

// Normalize tidies the filter.
func (r *SegmentCountRequest) Normalize() { r.SegmentFilter.Normalize() }

// splitLists splits comma-separated entries (the form's "vip, gold").
func splitLists(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Split(s, ",")...)
	}
	return out
}
