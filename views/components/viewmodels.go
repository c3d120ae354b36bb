// Package components holds small templ components shared by pages: form
// fields, empty states, pagers, cards.
package components

import (
	"strconv"
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
	if f.Hint != "" {
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
