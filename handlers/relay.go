package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Relay handles a bot's relay to the owner's own bot server.
type Relay struct {
	respond   *web.Responder
	bind      *web.Binder
	bots      *core.Bots
	relays    *core.Relays
	publicURL string
}

// NewRelay returns the relay handlers.
func NewRelay(d Deps) *Relay {
	return &Relay{respond: d.Respond, bind: d.Bind, bots: d.Bots, relays: d.Relays, publicURL: d.PublicURL}
}

func mountRelay(rt *web.Router, d Deps) {
	h := NewRelay(d)
	rt.Both("GET /bots/{id}/relay", "GET /api/bots/{id}/relay", h.Show, true)
	rt.Both("POST /bots/{id}/relay", "PUT /api/bots/{id}/relay", h.Put, true)
	rt.Both("POST /bots/{id}/relay/rotate-secret", "POST /api/bots/{id}/relay/rotate-secret", h.Rotate, true)
	rt.Both("", "GET /api/bots/{id}/relay/deliveries", h.Deliveries, true)
}

// proxyBase is the Bot API proxy's base URL as users reach it.
func (h *Relay) proxyBase(r *http.Request) string { return baseURL(r, h.publicURL) + "/botapi" }

func (h *Relay) data(r *http.Request, st *core.RelayState) contract.RelayJSON {
	return contract.RelayOf(st.Relay, st.Secret, st.State(), st.Backlog, h.proxyBase(r))
}

// page is the Relay tab's view model: the relay and one page of its
// deliveries, filtered as the query says. It runs only for HTML.
func (h *Relay) page(r *http.Request, st *core.RelayState) func(context.Context) (views.RelayVM, error) {
	return func(ctx context.Context) (views.RelayVM, error) {
		var in contract.ListRelayDeliveriesRequest
		if r.Method == http.MethodGet {
			if err := h.bind.Bind(r, &in); err != nil {
				return views.RelayVM{}, err
			}
		}
		_, ds, total, err := h.relays.Deliveries(ctx, st.Bot.OwnerID, st.Bot.ID, in)
		if err != nil {
			return views.RelayVM{}, err
		}
		return views.NewRelayVM(st.Bot, h.data(r, st), in, ds, contract.Paginate(in.Page, total)), nil
	}
}

// Show returns the relay (the Relay tab as a page).
func (h *Relay) Show(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	st, err := h.relays.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Relay · " + st.Bot.Name, Page: web.Render(h.page(r, st), views.RelayPage),
		Data: h.data(r, st)})
}

// saved answers a change: the relay as JSON, or back to the tab.
func (h *Relay) saved(w http.ResponseWriter, r *http.Request, st *core.RelayState, flash string) {
	h.respond.Respond(w, r, web.Response{Data: h.data(r, st), Redirect: "/bots/" + st.Bot.ID + "/relay", Flash: flash})
}

// Put sets the relay's URL and switch.
func (h *Relay) Put(w http.ResponseWriter, r *http.Request) {
	owner, id := web.OwnerOf(r), r.PathValue("id")
	if _, err := h.bots.Get(r.Context(), owner, id); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.PutRelayRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		st, err := h.relays.Get(r.Context(), owner, id)
		if err != nil {
			return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: 404, Message: "Bot not found."}))}
		}
		vm := func(ctx context.Context) (views.RelayVM, error) {
			m, err := h.page(r, st)(ctx)
			return m.WithForm(in, f, msg), err
		}
		return web.Response{Title: "Relay · " + st.Bot.Name, Page: web.Render(vm, views.RelayPage)}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	st, err := h.relays.Put(r.Context(), owner, id, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	flash := "Relay saved: updates go to your server."
	if !in.Enabled {
		flash = "Relay saved and switched off."
	}
	h.saved(w, r, st, flash)
}

// Rotate gives the relay a new secret.
func (h *Relay) Rotate(w http.ResponseWriter, r *http.Request) {
	if _, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id")); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	st, err := h.relays.RotateSecret(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.saved(w, r, st, "New secret token: Botdeck sends it from now on.")
}

// Deliveries lists the delivery log.
func (h *Relay) Deliveries(w http.ResponseWriter, r *http.Request) {
	var in contract.ListRelayDeliveriesRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	_, ds, total, err := h.relays.Deliveries(r.Context(), web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	pagination := contract.Paginate(in.Page, total)
	data := make([]contract.RelayDeliveryJSON, len(ds))
	for i := range ds {
		data[i] = contract.RelayDeliveryOf(&ds[i])
	}
	h.respond.Respond(w, r, web.Response{Data: data, Pagination: &pagination})
}
