package models

import "time"

// Now returns the current time as Botdeck stores it: UTC, truncated to
// microseconds (PostgreSQL's precision), so a value read back compares equal
// to the value written, and SQLite's text timestamps sort chronologically.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Day returns the UTC calendar day of t as YYYY-MM-DD, the key of daily series.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
