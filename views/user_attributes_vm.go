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
