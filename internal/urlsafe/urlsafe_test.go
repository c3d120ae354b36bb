package urlsafe

import (
	"regexp"
	"strings"
	"testing"
)

// Name is the pattern [A-Za-z0-9_-]{1,64}, written as a loop: it must
// accept and refuse exactly what the pattern does, multi-byte and control
// characters included.
func TestNameIsItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	names := []string{"", "a", "ping", "A-z_09", strings.Repeat("x", 64), strings.Repeat("x", 65), "a.b", "a/b", "a b",
		"é", "a\x00", "\n", "a\n", "-", "_", "%20", "ping?", "Ø", "a\u200b", "ZZ", "0", strings.Repeat("é", 20)}
	for c := 0; c < 256; c++ {
		names = append(names, string(rune(c)), "x"+string([]byte{byte(c)}))
	}
	for _, n := range names {
		if got, want := Name(n), pattern.MatchString(n); got != want {
			t.Errorf("Name(%q) = %v, the pattern says %v", n, got, want)
		}
	}
}
