// Package components holds small templ components shared by pages: form
// fields, empty states, pagers, cards.
package components

import (
	"strconv"

	"github.com/botdeck/botdeck/internal/apperr"
	"strings"
)

// FieldVM describes one form field.
type FieldVM struct {
	Name, Label, Value, Error, Hint, Placeholder string
	Type                                         string // text (default), email, password, textarea…
	Autocomplete                                 string
	Required, Autofocus                          bool
	MaxLength, Rows                              int
	IDPrefix                                     string // disambiguates two forms on one page
	List                                         string // id of a <datalist> offering values
}

// ID is the element id.
func (f FieldVM) ID() string {
	id := "f-" + f.Name
	if f.IDPrefix != "" {
		id = f.IDPrefix + "-" + f.Name
	}
	return id
}

// TypeOr returns the input type or def.
func (f FieldVM) TypeOr(def string) string {
	if f.Type == "" {
		return def
	}
	return f.Type
}

// RowsOr returns the textarea rows or def.
func (f FieldVM) RowsOr(def int) string {
	if f.Rows == 0 {
		return strconv.Itoa(def)
	}
	return strconv.Itoa(f.Rows)
}

// MaxLengthAttr is the maxlength attribute value.
func (f FieldVM) MaxLengthAttr() string { return strconv.Itoa(f.MaxLength) }

// DescribedBy links hint and error to the input.
func (f FieldVM) DescribedBy() string {
	var ids []string
	if f.Hint != "" && f.Error == "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

// PagerVM describes pagination of a list whose filters live in the URL.
type PagerVM struct {
	Page, TotalPages, Total int
	Noun                    string           // "bots"
	Href                    func(int) string // URL of a page
}

func (p PagerVM) PageText() string       { return strconv.Itoa(p.Page) }
func (p PagerVM) TotalPagesText() string { return strconv.Itoa(p.TotalPages) }
func (p PagerVM) TotalText() string      { return strconv.Itoa(p.Total) + " " + p.Noun }

// Summary is the banner text above a form that failed, or "" when it
// would only repeat the field errors: the message is the generic one and
// every field error is already shown next to a field of shown. A specific
// message (advice such as "Copy it again from @BotFather") stays, and so
// does the banner when an error is on a field the form does not show (a
// hidden input, an unknown name).
func Summary(message string, errs map[string]string, shown ...string) string {
	if len(errs) == 0 || message != apperr.GenericInvalid {
		return message
	}
	for name := range errs {
		found := false
		for _, s := range shown {
			found = found || s == name
		}
		if !found {
			return message
		}
	}
	return ""
}
