package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/web"
)

// Columns keeps the member's choice of property columns for a bot's users
// table. The page's column picker posts it beside the list's own GET (a
// GET changes nothing), so the next visit without cols= shows the same
// columns. htmx gets an empty answer; a plain form post goes to the list.
func (h *Users) Columns(w http.ResponseWriter, r *http.Request) {
	b, err := h.audience.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err) // another workspace's bot is a 404 whatever the body says
		return
	}
	var in contract.UserColumnsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := in.Problems(); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.audience.RememberColumns(r.Context(), web.UserOf(r).ID, b, in.Cols); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{
		Fragment: web.Static(templ.NopComponent),
		Redirect: "/bots/" + url.PathEscape(b.ID) + "/users?cols=" + url.QueryEscape(strings.Join(in.Cols, ",")),
	})
}
