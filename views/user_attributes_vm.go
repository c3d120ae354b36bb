package views

import (
	"slices"
	"strconv"
)

// UserAttributesVM is a user's properties and tags on the user page;
// Base is the user page's URL (where the forms post).
type UserAttributesVM struct {
	Base  string
	Props map[string]any
	Tags  []string
	Error string // why the last edit was refused
}

// FieldsText is an error message with its field problems, for one line.
func FieldsText(msg string, fields map[string]string) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		msg += " " + k + " " + fields[k] + "."
	}
	return msg
}

// PropRow is one property as shown.
type PropRow struct{ Name, Value string }

// PropRows are the properties by name, values as text.
func (vm UserAttributesVM) PropRows() []PropRow {
	out := make([]PropRow, 0, len(vm.Props))
	for name, v := range vm.Props {
		out = append(out, PropRow{Name: name, Value: PropText(v)})
	}
	slices.SortFunc(out, func(a, b PropRow) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out
}

// PropText is a property value as text.
func PropText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return "?"
}
