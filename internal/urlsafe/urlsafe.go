// Package urlsafe checks the short names that travel in URLs and headers:
// a custom webhook's handler name (/custom/{botId}/{path}), a deep-link
// source (t.me/<bot>?start=SOURCE, Telegram's own alphabet and limit) and
// an incoming X-Request-Id.
package urlsafe

// MaxName is the longest name Name accepts.
const MaxName = 64

// Name reports whether s is 1 to MaxName characters of [A-Za-z0-9_-]
// (a loop, not a regexp: every webhook request checks its path).
func Name(s string) bool {
	if len(s) == 0 || len(s) > MaxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
