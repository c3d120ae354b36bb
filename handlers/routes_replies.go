package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountReplies registers a bot's replies (the Replies tab, its editor and
// their API), the simulator, the sources and uploads.
func mountReplies(rt *web.Router, d Deps) {
	h := NewReplies(d)
	rt.Both("GET /bots/{id}/replies", "GET /api/bots/{id}/replies", h.List, true)
	rt.Private("GET /bots/{id}/replies/new", http.HandlerFunc(h.NewForm))
	rt.Both("POST /bots/{id}/replies", "POST /api/bots/{id}/replies", h.Create, true)
	rt.Both("POST /bots/{id}/replies/order", "POST /api/bots/{id}/replies/order", h.Order, true)
	rt.Both("POST /bots/{id}/replies/try", "POST /api/bots/{id}/replies/try", h.Try, true)
	rt.Private("POST /bots/{id}/replies/preview", http.HandlerFunc(h.Preview))
	rt.Both("GET /bots/{id}/replies/{replyId}", "GET /api/bots/{id}/replies/{replyId}", h.Show, true)
	rt.Both("POST /bots/{id}/replies/{replyId}", "PATCH /api/bots/{id}/replies/{replyId}", h.Update, true)
	rt.Private("POST /bots/{id}/replies/{replyId}/enabled", http.HandlerFunc(h.Update))
	rt.Both("POST /bots/{id}/replies/{replyId}/delete", "DELETE /api/bots/{id}/replies/{replyId}", h.Delete, true)
	rt.Both("", "GET /api/bots/{id}/sources", h.Sources, true)

	up := NewUploads(d)
	rt.Both("", "POST /api/uploads", up.Create, true)
	rt.Private("GET /uploads/{id}", http.HandlerFunc(up.Show))
}
