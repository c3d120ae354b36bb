package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Home is the dashboard start page and its API twin, GET /api/stats: the
// numbers of all the caller's bots.
type Home struct {
	respond    *web.Responder
	bind       *web.Binder
	insights   *core.Insights
	anyUser    func(ctx context.Context) (bool, error)
	signupOpen bool
	publicURL  string
}

// NewHome returns the home handler.
func NewHome(d Deps, anyUser func(ctx context.Context) (bool, error)) *Home {
	return &Home{respond: d.Respond, bind: d.Bind, insights: d.Insights, anyUser: anyUser,
		signupOpen: d.Accounts.SignupOpen(), publicURL: d.PublicURL}
}

// Show renders the dashboard (stats summed over the caller's bots that are
// not deleted), or those stats as JSON. Visitors who are not signed in go
// to sign-up on a fresh install and to sign-in otherwise.
func (h *Home) Show(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		target := "/login"
		if h.signupOpen {
			if exists, err := h.anyUser(r.Context()); err == nil && !exists {
				target = "/signup"
			}
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	var in contract.StatsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	ov, err := h.insights.AccountStats(r.Context(), web.OwnerOf(r), in.Days())
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(context.Context) (views.HomeVM, error) {
		return views.HomeVM{Name: u.DisplayName(), Stats: ov.Stats, TopBots: ov.TopBots, LiveBots: ov.LiveBots,
			Days: in.Days(), PublicURL: h.publicURL}, nil
	}
	h.respond.Respond(w, r, web.Response{Title: "Dashboard", Page: web.Render(vm, views.HomePage), Data: ov.Stats})
}
