package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Chats lists the chats a bot administers.
type Chats struct {
	respond  *web.Responder
	bind     *web.Binder
	insights *core.Insights
}

// NewChats returns the admin-chats handler.
func NewChats(d Deps) *Chats {
	return &Chats{respond: d.Respond, bind: d.Bind, insights: d.Insights}
}

// List returns the admin chats as JSON, as the picker fragment (htmx), or
// as a page.
func (h *Chats) List(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, chats, err := h.insights.AdminChats(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.ChatJSON, len(chats))
	for i := range chats {
		out[i] = contract.ChatOf(&chats[i])
	}
	data, pagination := contract.Slice(out, in)
	vm := func(context.Context) (views.ChatsVM, error) { return views.ChatsVM{Bot: b, Chats: chats}, nil }
	h.respond.Respond(w, r, web.Response{Title: "Admin chats · " + b.Name, Page: web.Render(vm, views.ChatsPage),
		Fragment: web.Render(vm, views.ChatPicker), Data: data, Pagination: &pagination})
}
