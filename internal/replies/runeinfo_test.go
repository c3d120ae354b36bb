package replies

import (
	"strings"
	"testing"
	"unicode"
)

// The table of common runes gives what the Unicode tables give.
func TestCommonRunesAgreeWithTheTables(t *testing.T) {
	for r := rune(0x80); r < commonRunesEnd; r++ {
		if commonRunes[r].flags&runeSlow == 0 {
			var fast, slow strings.Builder
			fm := writeCommon(&fast, r)
			sm := writeFolded(&slow, string(r), r)
			if fast.String() != slow.String() || fm != sm {
				t.Errorf("%U: table writes %q (marks %v), tables %q (marks %v)", r, fast.String(), fm, slow.String(), sm)
			}
		}
		if got, want := isWordRune(r), unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r); got != want {
			t.Errorf("%U: isWordRune %v, want %v", r, got, want)
		}
		if isMark(r) != unicode.IsMark(r) {
			t.Errorf("%U: isMark %v", r, isMark(r))
		}
	}
}
