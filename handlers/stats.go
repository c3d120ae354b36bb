package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Stats shows a bot's numbers and daily series.
type Stats struct {
	respond  *web.Responder
	bind     *web.Binder
	insights *core.Insights
}

// NewStats returns the stats handlers.
func NewStats(d Deps) *Stats {
	return &Stats{respond: d.Respond, bind: d.Bind, insights: d.Insights}
}

// Show renders a bot's stats page, or its stats as JSON.
func (h *Stats) Show(w http.ResponseWriter, r *http.Request) {
	var in contract.StatsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	st, err := h.insights.BotStats(r.Context(), web.OwnerOf(r), r.PathValue("id"), in.Days())
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(ctx context.Context) (views.StatsVM, error) {
		sources, err := h.insights.BotSources(ctx, st.Bot, in.Days()) // the page's Sources card only
		return views.StatsVM{Bot: st.Bot, Stats: st.Stats, Kinds: st.Kinds, Days: in.Days(), Sources: sources}, err
	}
	h.respond.Respond(w, r, web.Response{Title: "Stats · " + st.Bot.Name, Page: web.Render(vm, views.StatsPage), Data: st.Stats})
}
