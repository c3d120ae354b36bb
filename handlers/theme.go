package handlers

import (
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/web"
)

// Theme serves POST /theme: the header's theme menu (system, light, dark),
// remembered by this browser, signed in or not. It works without
// JavaScript: the form posts and the page comes back in the new theme.
type Theme struct {
	respond *web.Responder
	bind    *web.Binder
	secure  bool
}

// NewTheme returns the theme handler.
func NewTheme(d Deps) *Theme {
	return &Theme{respond: d.Respond, bind: d.Bind, secure: strings.HasPrefix(d.PublicURL, "https://")}
}

// Set remembers the chosen theme and goes back to the page it came from.
func (h *Theme) Set(w http.ResponseWriter, r *http.Request) {
	var in contract.ThemeRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	web.SetTheme(w, in.Theme, h.secure)
	http.Redirect(w, r, web.SafeNext(in.Next), http.StatusSeeOther)
}
