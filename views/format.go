package views

import (
	"strconv"
	"time"

	"github.com/botdeck/botdeck/views/components"
)

// Number formats an integer with thousands separators: 12345 → "12,345".
func Number[T ~int | ~int64](n T) string { return components.FormatInt(int64(n)) }

// DateTime is an absolute UTC time for tables.
func DateTime(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// Date is a day.
func Date(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// ISO is the machine-readable form for <time datetime>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Ago is a coarse relative time: "just now", "5 min ago", "3 h ago",
// "2 days ago", then the date.
func Ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	case d < 7*24*time.Hour:
		n := int(d.Hours() / 24)
		if n == 1 {
			return "yesterday"
		}
		return strconv.Itoa(n) + " days ago"
	default:
		return Date(t)
	}
}
