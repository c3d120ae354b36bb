package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountBroadcasts registers composing, listing and controlling broadcasts.
func mountBroadcasts(rt *web.Router, d Deps) {
	h := NewBroadcasts(d)
	rt.Both("GET /bots/{id}/broadcasts", "GET /api/bots/{id}/broadcasts", h.List, true)
	rt.Both("POST /bots/{id}/broadcasts", "POST /api/bots/{id}/broadcasts", h.Create, true)
	rt.Private("POST /bots/{id}/broadcasts/review", http.HandlerFunc(h.Review))
	rt.Private("POST /bots/{id}/broadcasts/preview", http.HandlerFunc(h.Preview))
	rt.Private("GET /bots/{id}/broadcasts/audience", http.HandlerFunc(h.Audience))
	rt.Both("GET /broadcasts/{id}", "GET /api/broadcasts/{id}", h.Show, true)
	rt.Private("GET /broadcasts/{id}/edit", http.HandlerFunc(h.Edit))
	rt.Both("POST /broadcasts/{id}/edit", "PATCH /api/broadcasts/{id}", h.Update, true)
	rt.Both("POST /broadcasts/{id}/delete", "DELETE /api/broadcasts/{id}", h.Delete, true)
	rt.Private("GET /broadcasts/{id}/duplicate", http.HandlerFunc(h.Duplicate))
	rt.Both("POST /broadcasts/{id}/pause", "POST /api/broadcasts/{id}/pause", h.Pause, true)
	rt.Both("POST /broadcasts/{id}/resume", "POST /api/broadcasts/{id}/resume", h.Resume, true)
	rt.Both("POST /broadcasts/{id}/cancel", "POST /api/broadcasts/{id}/cancel", h.Cancel, true)
	rt.Both("POST /broadcasts/{id}/resend-unconfirmed", "POST /api/broadcasts/{id}/resend-unconfirmed", h.ResendUnconfirmed, true)
}
