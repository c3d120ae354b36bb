package replies

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// command is a message that starts with a bot command.
type command struct {
	name string // lower case, without "/"
	bot  string // the @username it is addressed to, as written; "" when none
	args string // the rest of the text, trimmed
}

// forBot reports whether the command is for the bot called username: it
// names no bot, or names this one (usernames are case-insensitive).
func (c command) forBot(username string) bool {
	return c.bot == "" || (username != "" && strings.EqualFold(c.bot, strings.TrimPrefix(username, "@")))
}

// parseCommand reads "/name", "/name args" or "/name@bot args". The name is
// 1–32 of A-Z, a-z, 0-9 and "_" and must be followed by "@", white space
// or the end: "/hello-world" is not a command, "/hello world" is.
func parseCommand(text string) (command, bool) {
	if len(text) < 2 || text[0] != '/' {
		return command{}, false
	}
	i := 1
	for i < len(text) && isCommandByte(text[i]) {
		i++
	}
	if i == 1 || i-1 > MaxCommandLength {
		return command{}, false
	}
	c := command{name: strings.ToLower(text[1:i])}
	if i < len(text) && text[i] == '@' {
		j := i + 1
		for j < len(text) && isCommandByte(text[j]) {
			j++
		}
		if j == i+1 {
			return command{}, false
		}
		c.bot = text[i+1 : j]
		i = j
	}
	if i < len(text) {
		r, _ := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			return command{}, false
		}
	}
	c.args = strings.TrimSpace(text[i:])
	return c, true
}

func isCommandByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
