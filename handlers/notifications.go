package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
	"github.com/botdeck/botdeck/views/layout"
)

// Notifications handles a member's notifications and their settings.
// Notifications belong to the member they were raised for, so these
// handlers take the member (web.UserOf), not the owner: in a workspace each
// member reads and marks their own.
type Notifications struct {
	respond *web.Responder
	bind    *web.Binder
	notes   *core.Notifications
}

// NewNotifications returns the notifications handlers.
func NewNotifications(d Deps) *Notifications {
	return &Notifications{respond: d.Respond, bind: d.Bind, notes: d.Notifications}
}

func mountNotifications(rt *web.Router, d Deps) {
	h := NewNotifications(d)
	rt.Both("GET /notifications", "GET /api/notifications", h.List, true)
	rt.Both("POST /notifications/read", "POST /api/notifications/read", h.MarkRead, true)
	rt.Private("GET /notifications/bell", http.HandlerFunc(h.Bell))
	rt.Both("GET /account/notifications", "GET /api/me/notification-settings", h.Settings, true)
	rt.Both("POST /account/notifications", "PUT /api/me/notification-settings", h.SaveSettings, true)
}

// List shows a page of the member's notifications (all, or unread only),
// with the unread count.
func (h *Notifications) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListNotificationsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list, err := h.notes.List(r.Context(), web.UserOf(r).ID, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.NotificationJSON, len(list.Items))
	for i := range list.Items {
		data[i] = contract.NotificationOf(&list.Items[i])
	}
	pagination := contract.Paginate(in.Page, list.Total)
	vm := func(context.Context) (views.NotificationsVM, error) {
		return views.NotificationsVM{Items: list.Items, UnreadOnly: in.Unread, Page: in.Number(), Limit: limitOf(in.Page),
			Total: list.Total, Unread: list.Unread}, nil
	}
	h.respond.Respond(w, r, web.Response{Title: "Notifications", Page: web.Render(vm, views.NotificationsPage),
		Fragment: web.Render(vm, views.NotificationsPanel), Data: data, Pagination: &pagination,
		Extra: map[string]any{"unread": list.Unread}})
}

// markReadRequest is the API's {ids | all}; the page's forms add where to
// go back to.
type markReadRequest struct {
	contract.MarkNotificationsReadRequest `form:",inline"`
	Next                                  string `json:"-" form:"next" validate:"max=300"`
}

// MarkRead marks the member's notifications read (ids, or all) and answers
// how many changed and how many stay unread.
func (h *Notifications) MarkRead(w http.ResponseWriter, r *http.Request) {
	var in markReadRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	user := web.UserOf(r)
	n, err := h.notes.MarkRead(r.Context(), web.OwnerOf(r), user.ID, in.MarkNotificationsReadRequest)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	unread, err := h.notes.Unread(r.Context(), user.ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	next := "/notifications"
	if in.Next == "/notifications" || strings.HasPrefix(in.Next, "/notifications?") {
		next = in.Next
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]int64{"read": n, "unread": unread}, Redirect: next})
}

// Bell draws the header's bell with the member's unread count again (the
// bell fetches it on each notification event).
func (h *Notifications) Bell(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	n, err := h.notes.Unread(r.Context(), web.UserOf(r).ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Notifications", Page: web.Static(layout.Bell(n, false))})
}

// Settings shows (or answers) the member's setting for every kind.
func (h *Notifications) Settings(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	s, err := h.notes.Settings(r.Context(), web.UserOf(r).ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, h.settingsPage(r, s))
}

// SaveSettings stores the kinds the request names (the page's form sends
// every kind) and answers every kind's setting.
func (h *Notifications) SaveSettings(w http.ResponseWriter, r *http.Request) {
	var in contract.NotificationSettingsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	s, err := h.notes.SaveSettings(r.Context(), web.UserOf(r).ID, &in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res := h.settingsPage(r, s)
	res.Redirect, res.Flash = "/account/notifications", "Notification settings saved."
	h.respond.Respond(w, r, res)
}

func (h *Notifications) settingsPage(r *http.Request, s map[string]contract.NotificationSetting) web.Response {
	userID := web.UserOf(r).ID
	vm := func(ctx context.Context) (views.NotificationSettingsVM, error) {
		linked, err := h.notes.TelegramLinked(ctx, userID)
		return views.NotificationSettingsVM{Settings: s, TelegramLinked: linked}, err
	}
	return web.Response{Title: "Notification settings", Page: web.Render(vm, views.NotificationSettingsPage),
		Data: contract.NotificationSettingsJSON(s)}
}
