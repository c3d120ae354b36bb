package handlers

import (
	"context"
	"fmt"
	"net/http"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Logs shows and clears a bot's log.
type Logs struct {
	respond  *web.Responder
	bind     *web.Binder
	insights *core.Insights
}

// NewLogs returns the log handlers.
func NewLogs(d Deps) *Logs {
	return &Logs{respond: d.Respond, bind: d.Bind, insights: d.Insights}
}

// List shows one page of the log, newest first, filtered by level and
// source.
func (h *Logs) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLogsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	page, err := h.insights.Logs(r.Context(), web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	pagination := contract.Paginate(in.Page, page.Total)
	data := make([]contract.LogJSON, len(page.Logs))
	for i := range page.Logs {
		data[i] = contract.LogOf(&page.Logs[i])
	}
	vm := func(context.Context) (views.LogsVM, error) {
		return views.NewLogsVM(page.Bot, in, page.Logs, pagination), nil
	}
	h.respond.Respond(w, r, web.Response{
		Title: "Log · " + page.Bot.Name, Page: web.Render(vm, views.LogsPage), Fragment: web.Render(vm, views.LogsPanel),
		Data: data, Pagination: &pagination,
	})
}

// Clear deletes every entry of the log.
func (h *Logs) Clear(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, n, err := h.insights.ClearLogs(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{
		Data: map[string]int64{"deleted": n}, Redirect: "/bots/" + b.ID + "/logs",
		Flash: fmt.Sprintf("Cleared the log of %s (%s).", b.Handle(), entries(n)),
	})
}

func entries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return views.Number(n) + " entries"
}
