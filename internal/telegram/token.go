package telegram

import (
	"regexp"
	"strings"
)

// tokenPattern matches a BotFather token: the bot's numeric id, a colon and a
// 35-character secret. Every token BotFather has issued has a 35-character
// secret, and telego refuses anything else (its own check is `^\d+:[\w-]{35}$`),
// so accepting more here would only move the failure to the first API call.
var tokenPattern = regexp.MustCompile(`^[0-9]{5,20}:[A-Za-z0-9_-]{35}$`)

// tokenLike finds anything shaped like a token inside free text, so error
// messages can be scrubbed even of tokens this client was not called with.
var tokenLike = regexp.MustCompile(`[0-9]{5,20}:[A-Za-z0-9_-]{30,}`)

// ValidTokenFormat reports whether s looks like a bot token
// ("123456789:AAH…", 35 characters after the colon). It says nothing about
// whether Telegram accepts the token; only getMe can tell that.
func ValidTokenFormat(s string) bool {
	return tokenPattern.MatchString(s)
}

// MaskToken returns a form of the token that is safe to show and log:
// "123456:AAE…xyz" (the bot id, the first and last three characters of the
// secret). Strings that are not token-shaped are masked completely, so a
// secret pasted into the wrong field is never echoed back.
func MaskToken(s string) string {
	id, secret, ok := strings.Cut(s, ":")
	if !ok || id == "" || !isDigits(id) {
		return "…"
	}
	if len(secret) < 10 {
		return id + ":…"
	}
	return id + ":" + secret[:3] + "…" + secret[len(secret)-3:]
}

// redact removes token from s, and anything else that looks like a token, so
// that no error string or log line built from s can leak a bot's credentials.
func redact(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "<token>")
		// The secret alone may appear when a URL printer escaped the colon.
		if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= 8 {
			s = strings.ReplaceAll(s, secret, "<token>")
		}
	}
	return tokenLike.ReplaceAllString(s, "<token>")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
