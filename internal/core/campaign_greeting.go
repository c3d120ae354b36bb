package core

import (
	"strings"

	"github.com/mymmrac/telego"
)

// GreetingPlaceholders are the placeholders a greeting may use, with what
// they become; the form lists them.
var GreetingPlaceholders = [][2]string{
	{"{first_name}", "the person's first name"},
	{"{last_name}", "their last name (may be empty)"},
	{"{name}", "first and last name"},
	{"{username}", "their @username, or their first name when they have none"},
	{"{chat_title}", "the chat's title"},
}

// RenderGreeting fills a greeting's placeholders. Greetings are sent as
// plain text (no parse mode), so nothing a user's name contains can break
// or inject markup. Unknown placeholders are left as written.
func RenderGreeting(tmpl string, u telego.User, chatTitle string) string {
	username := u.FirstName
	if u.Username != "" {
		username = "@" + u.Username
	}
	return strings.NewReplacer(
		"{first_name}", u.FirstName,
		"{last_name}", u.LastName,
		"{name}", strings.TrimSpace(u.FirstName+" "+u.LastName),
		"{username}", username,
		"{chat_title}", chatTitle,
	).Replace(tmpl)
}
