package events

import (
	"slices"
	"strings"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []Cursor{{}, {Last: 57}, {Last: 57, Gaps: []int64{3, 52, 56}}} {
		got, err := ParseCursor(c.String())
		if err != nil || got.Last != c.Last || !slices.Equal(got.Gaps, c.Gaps) {
			t.Errorf("%q → %+v, %v", c.String(), got, err)
		}
	}
	if (Cursor{Last: 57, Gaps: []int64{52, 55}}).String() != "57.52.55" {
		t.Error("cursor text changed: browsers hold these")
	}
}

func TestParseCursorRefusesWhatBotdeckNeverSends(t *testing.T) {
	for _, s := range []string{"", "x", "-1", "1.", ".1", "5.5", "5.7", "9.4.3", "9.3.3", "+5", "05", "1e3",
		"99999999999999999999", "10." + strings.Repeat("1.", MaxCursorGaps+1) + "2"} {
		if c, err := ParseCursor(s); err == nil {
			t.Errorf("%q parsed as %+v", s, c)
		}
	}
}

func TestPositionCursorKeepsTheNewestGaps(t *testing.T) {
	p := position{last: 1000, gaps: map[int64]int64{}}
	for id := int64(1); id <= MaxCursorGaps+10; id++ {
		p.gaps[id] = 0
	}
	c := p.cursor()
	if len(c.Gaps) != MaxCursorGaps || c.Gaps[0] != 11 || c.Gaps[len(c.Gaps)-1] != MaxCursorGaps+10 {
		t.Fatalf("cursor gaps %d from %d", len(c.Gaps), c.Gaps[0])
	}
	if _, err := ParseCursor(c.String()); err != nil {
		t.Fatalf("a cursor Botdeck sends must parse: %v", err)
	}
}
