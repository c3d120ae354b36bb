package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountReplies registers a bot's replies (the Replies tab, its editor and
// their API), the simulator, the sources and uploads.
func mountReplies(rt *web.Router, d Deps) {
	h := NewReplies(d)
	rt.Both("", "GET /api/bots/{id}/replies", h.List, true)
	rt.Both("", "POST /api/bots/{id}/replies", h.Create, true)
	rt.Both("", "POST /api/bots/{id}/replies/order", h.Order, true)
	rt.Both("", "POST /api/bots/{id}/replies/try", h.Try, true)
	rt.Both("", "GET /api/bots/{id}/replies/{replyId}", h.Show, true)
	rt.Both("", "PATCH /api/bots/{id}/replies/{replyId}", h.Update, true)
	rt.Both("", "DELETE /api/bots/{id}/replies/{replyId}", h.Delete, true)
	rt.Both("", "GET /api/bots/{id}/sources", h.Sources, true)

	up := NewUploads(d)
	rt.Both("", "POST /api/uploads", up.Create, true)
	rt.Private("GET /uploads/{id}", http.HandlerFunc(up.Show))
}
