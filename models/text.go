package models

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes s storable as text on both dialects: PostgreSQL refuses
// NUL and invalid UTF-8 in text columns (and a NUL cuts log lines), so NUL
// characters are dropped and invalid bytes become U+FFFD. Request input is
// refused at the edge instead (internal/web); this is for text Botdeck did
// not get from a form: log lines of bot code, Telegram data.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
