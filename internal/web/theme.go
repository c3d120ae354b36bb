package web

import (
	"net/http"
	"time"
)

// ThemeCookie holds the colour theme a browser chose: "light" or "dark".
// Without it pages follow the system setting (prefers-color-scheme). A
// cookie rather than a script: the server draws the page in the right
// theme from the first byte, so it never flashes white, and the CSP needs
// no inline script.
const ThemeCookie = "botdeck_theme"

// Themes are the choices the theme menu offers, in its order.
var Themes = []string{"system", "light", "dark"}

// ThemeOf is the theme class for the page's <html>: "light", "dark" or ""
// (follow the system).
func ThemeOf(r *http.Request) string {
	c, err := r.Cookie(ThemeCookie)
	if err != nil {
		return ""
	}
	switch c.Value {
	case "light", "dark":
		return c.Value
	}
	return ""
}

// SetTheme remembers theme ("system" forgets the choice) for a year.
func SetTheme(w http.ResponseWriter, theme string, secure bool) {
	c := &http.Cookie{Name: ThemeCookie, Value: theme, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if theme != "light" && theme != "dark" {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
}
