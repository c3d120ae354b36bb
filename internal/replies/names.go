package replies

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/urlsafe"
)

// Limits on names, from the Bot API where it has one.
const (
	MaxCommandLength     = 32  // setMyCommands: 1–32 of [a-z0-9_]
	MaxDescriptionLength = 256 // setMyCommands: 1–256 characters
	MaxPropertyLength    = 32
	MaxTagLength         = 32
	MaxSourceLength      = urlsafe.MaxName // a /start payload: 1–64 of [A-Za-z0-9_-]
)

// NormalizeCommand turns what an owner typed ("/Start", " help ") into a
// command name ("start", "help"): trimmed, without a leading "/", lower
// case. Whether the result is valid is ValidCommand's business.
func NormalizeCommand(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "/")
	return strings.ToLower(s)
}

// ValidCommand reports whether s is a command name Telegram accepts in the
// menu: 1–32 characters of a-z, 0-9 and _.
func ValidCommand(s string) bool {
	if len(s) == 0 || len(s) > MaxCommandLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// NormalizeProperty lower-cases and trims a property name.
func NormalizeProperty(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidProperty reports whether s is a user property name: a letter a-z,
// then up to 31 of a-z, 0-9 and _ (so it reads the same in {prop.NAME}, a
// CSV column and a query parameter prop.NAME).
func ValidProperty(s string) bool {
	if len(s) == 0 || len(s) > MaxPropertyLength || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// NormalizeTag lower-cases and trims a tag name.
func NormalizeTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidTag reports whether s is a tag name: 1–32 letters (any script),
// digits, "_" and "-", no spaces, lower case (NormalizeTag first).
func ValidTag(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxTagLength || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_' || r == '-') {
			return false
		}
		if unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// CallbackPrefix starts the callback_data of a "go to reply" button: the
// data is CallbackPrefix + the reply's id. Telegram allows 1–64 bytes of
// callback_data, so a reply id a button names is at most MaxReplyIDLength
// bytes (Botdeck's ids are 28).
const CallbackPrefix = "r:"

// MaxReplyIDLength is the longest reply id a button can carry.
const MaxReplyIDLength = 64 - len(CallbackPrefix)

// CallbackData is the callback_data of a button that sends reply id.
func CallbackData(replyID string) string { return CallbackPrefix + replyID }

// ParseCallbackData returns the reply id a button's callback_data names,
// and false for data that is not a reply button's (a code handler's own
// buttons, for one).
func ParseCallbackData(data string) (string, bool) {
	id, ok := strings.CutPrefix(data, CallbackPrefix)
	if !ok || id == "" || len(id) > MaxReplyIDLength {
		return "", false
	}
	return id, true
}

// ValidSource reports whether s can be a deep-link source: 1–64 of
// A-Z, a-z, 0-9, "_" and "-" (what Telegram passes on from
// t.me/<bot>?start=SOURCE).
func ValidSource(s string) bool { return urlsafe.Name(s) }

// DeepLink is the link that starts the bot with source recorded.
func DeepLink(botUsername, source string) string {
	return "https://t.me/" + botUsername + "?start=" + source
}

// IsStart reports whether text is a /start (with or without a payload),
// also "/start@bot" when bot is botUsername.
func IsStart(text, botUsername string) bool {
	c, ok := parseCommand(text)
	return ok && c.name == "start" && c.forBot(botUsername)
}

// StartSource returns the deep-link source of a "/start SOURCE" message
// (also "/start@bot SOURCE" when bot is botUsername), and false when the
// text is not a /start or its payload is not a valid source.
func StartSource(text, botUsername string) (string, bool) {
	c, ok := parseCommand(text)
	if !ok || c.name != "start" || !c.forBot(botUsername) {
		return "", false
	}
	if !ValidSource(c.args) {
		return "", false
	}
	return c.args, true
}
