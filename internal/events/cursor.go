package events

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// MaxCursorGaps bounds the gaps a cursor carries (and so the size of the
// Last-Event-ID header a browser sends back).
const MaxCursorGaps = 100

// Cursor is a position in the events log as a client has seen it: every
// event up to Last, except the ids in Gaps (sorted, each below Last), whose
// transactions had not committed yet and may still do.
type Cursor struct {
	Last int64
	Gaps []int64
}

// ErrBadCursor is returned for a Last-Event-ID Botdeck did not send.
var ErrBadCursor = errors.New("events: malformed cursor")

// String is the cursor as an SSE id: "57", or "57.52.55" with gaps 52 and 55.
func (c Cursor) String() string {
	b := strconv.AppendInt(nil, c.Last, 10)
	for _, g := range c.Gaps {
		b = append(b, '.')
		b = strconv.AppendInt(b, g, 10)
	}
	return string(b)
}

// ParseCursor reads a cursor written by String.
func ParseCursor(s string) (Cursor, error) {
	parts := strings.Split(s, ".")
	if len(parts) > MaxCursorGaps+1 {
		return Cursor{}, ErrBadCursor
	}
	var c Cursor
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || p != strconv.FormatInt(n, 10) {
			return Cursor{}, ErrBadCursor
		}
		if i == 0 {
			c.Last = n
			continue
		}
		if n >= c.Last || (len(c.Gaps) > 0 && n <= c.Gaps[len(c.Gaps)-1]) {
			return Cursor{}, ErrBadCursor
		}
		c.Gaps = append(c.Gaps, n)
	}
	return c, nil
}

// position is what an instance's reader has passed: every id up to last,
// except the gaps (id → when it was first skipped).
type position struct {
	last int64
	gaps map[int64]int64 // id → unix nanoseconds when skipped
}

func (p *position) cursor() Cursor {
	c := Cursor{Last: p.last}
	if len(p.gaps) == 0 {
		return c
	}
	c.Gaps = make([]int64, 0, len(p.gaps))
	for id := range p.gaps {
		c.Gaps = append(c.Gaps, id)
	}
	slices.Sort(c.Gaps)
	if len(c.Gaps) > MaxCursorGaps {
		// More transactions in flight than a cursor carries: keep the
		// newest gaps. The oldest are the likeliest to have rolled back.
		c.Gaps = c.Gaps[len(c.Gaps)-MaxCursorGaps:]
	}
	return c
}
