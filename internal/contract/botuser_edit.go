package contract

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// EditBotUserRequest edits one user's properties and tags: the body of
// PATCH /api/bots/{id}/users/{userId} (props: NAME → value, null deletes;
// tags: the whole new set) and of the user page's forms (one property set
// or unset, one tag added or removed per form).
type EditBotUserRequest struct {
	Props map[string]any `json:"props" form:"-"`
	Tags  *[]string      `json:"tags" form:"-"`

	Set       string `json:"-" form:"set"`  // a property name
	Type      string `json:"-" form:"type"` // string, number, bool or date
	Value     string `json:"-" form:"value"`
	Unset     string `json:"-" form:"unset"`
	AddTag    string `json:"-" form:"addTag"`
	RemoveTag string `json:"-" form:"removeTag"`
}

// PropertyTypes are the value types a property may hold; a date is kept
// as a "YYYY-MM-DD" string.
var PropertyTypes = []string{"string", "number", "bool", "date"}

// Edit validates r and returns the change it asks for (field errors name
// the JSON member, e.g. "props.plan", or the form field).
func (r *EditBotUserRequest) Edit() (models.UserEdit, error) {
	e := models.UserEdit{Set: map[string]any{}}
	fields := apperr.FieldErrors{}
	for name, v := range r.Props {
		key := "props." + name
		if !replies.ValidProperty(name) {
			fields[key] = "must be a property name: a-z first, then a-z, 0-9 or _ (up to 32)"
			continue
		}
		switch x := v.(type) {
		case nil:
			e.Unset = append(e.Unset, name)
		case string:
			if utf8.RuneCountInString(x) > replies.MaxValueLength {
				fields[key] = "must be at most " + strconv.Itoa(replies.MaxValueLength) + " characters"
				continue
			}
			e.Set[name] = x
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				fields[key] = "must be a finite number"
				continue
			}
			e.Set[name] = x
		case bool:
			e.Set[name] = x
		default:
			fields[key] = "must be a string, number, boolean or null"
		}
	}
	if r.Tags != nil {
		set := []string{}
		for i, t := range *r.Tags {
			t = replies.NormalizeTag(t)
			if !replies.ValidTag(t) {
				fields["tags["+strconv.Itoa(i)+"]"] = "must be a tag: up to 32 letters, digits, _ or -, no spaces"
				continue
			}
			set = append(set, t)
		}
		e.Tags = &set
	}
	r.formEdit(&e, fields)
	if len(fields) > 0 {
		return e, apperr.Invalid("", fields)
	}
	return e, nil
}

// formEdit adds the user page's one-field edits to e.
func (r *EditBotUserRequest) formEdit(e *models.UserEdit, fields apperr.FieldErrors) {
	if name := replies.NormalizeProperty(r.Set); r.Set != "" {
		if !replies.ValidProperty(name) {
			fields["set"] = "must be a property name: a-z first, then a-z, 0-9 or _ (up to 32)"
		} else if !validType(r.Type) {
			fields["type"] = "must be one of string, number, bool, date"
		} else if v, msg := typedValue(r.Type, strings.TrimSpace(r.Value)); msg != "" {
			fields["value"] = msg
		} else {
			e.Set[name] = v
		}
	}
	if name := replies.NormalizeProperty(r.Unset); r.Unset != "" {
		if !replies.ValidProperty(name) {
			fields["unset"] = "must be a property name"
		} else {
			e.Unset = append(e.Unset, name)
		}
	}
	if t := replies.NormalizeTag(r.AddTag); r.AddTag != "" {
		if !replies.ValidTag(t) {
			fields["addTag"] = "must be a tag: up to 32 letters, digits, _ or -, no spaces"
		} else {
			e.AddTags = append(e.AddTags, t)
		}
	}
	if t := replies.NormalizeTag(r.RemoveTag); r.RemoveTag != "" {
		if !replies.ValidTag(t) {
			fields["removeTag"] = "must be a tag"
		} else {
			e.RemoveTags = append(e.RemoveTags, t)
		}
	}
}

func validType(t string) bool { return t == "" || slices.Contains(PropertyTypes, t) }

// typedValue reads a form's value as typ; msg says what is wrong.
func typedValue(typ, s string) (v any, msg string) {
	switch typ {
	case "", "string":
		if utf8.RuneCountInString(s) > replies.MaxValueLength {
			return nil, "must be at most " + strconv.Itoa(replies.MaxValueLength) + " characters"
		}
		return s, ""
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "must be a number"
		}
		return f, ""
	case "bool":
		switch strings.ToLower(s) {
		case "true", "yes", "1":
			return true, ""
		case "false", "no", "0":
			return false, ""
		}
		return nil, "must be true or false"
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		return s, ""
	}
	return nil, "type must be one of string, number, bool, date"
}

// BotUserAttributesJSON is a bot user with their properties and tags
// (schema BotUserWithAttributes): the answer of PATCH …/users/{userId}.
type BotUserAttributesJSON struct {
	BotUserJSON
	Props map[string]any `json:"props"`
	Tags  []string       `json:"tags"`
}
