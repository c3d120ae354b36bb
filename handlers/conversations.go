package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
	"github.com/botdeck/botdeck/views/layout"
)

// Conversations handles a bot's inbox: the conversations, the messages of
// one user, answering, read/open/done, and the user page.
type Conversations struct {
	respond *web.Responder
	bind    *web.Binder
	convs   *core.Conversations
}

// NewConversations returns the inbox handlers.
func NewConversations(d Deps) *Conversations {
	return &Conversations{respond: d.Respond, bind: d.Bind, convs: d.Conversations}
}

// List shows a bot's conversations, newest first.
func (h *Conversations) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListConversationsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	inbox, err := h.convs.List(r.Context(), web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.ConversationJSON, len(inbox.Rows))
	for i := range inbox.Rows {
		data[i] = contract.InboxRowOf(&inbox.Rows[i])
	}
	pagination := contract.Paginate(in.Page, inbox.Total)
	vm := func(context.Context) (views.InboxVM, error) {
		return views.InboxVM{Bot: inbox.Bot, Rows: inbox.Rows, Q: in.Q, Status: in.Status, Page: in.Number(), Limit: limitOf(in.Page),
			Total: inbox.Total, HasNext: inbox.HasNext, Unread: inbox.Unread}, nil
	}
	h.respond.Respond(w, r, web.Response{
		Title: "Inbox · " + inbox.Bot.Name, Page: web.Render(vm, views.InboxPage), Fragment: web.Render(vm, views.InboxFragment),
		Data: data, Pagination: &pagination, Extra: map[string]any{"unreadConversations": inbox.Unread},
	})
}

// Messages shows the messages between the bot and a user, newest first
// (the conversation page).
func (h *Conversations) Messages(w http.ResponseWriter, r *http.Request) {
	var in contract.ListMessagesRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("user"))
		return
	}
	th, err := h.convs.Messages(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.MessageJSON, len(th.Messages))
	for i := range th.Messages {
		data[i] = contract.MessageOf(&th.Messages[i])
	}
	extra := map[string]any{"hasMore": th.More}
	if th.More {
		extra["nextBefore"] = th.Messages[len(th.Messages)-1].ID
	}
	vm := func(context.Context) (views.ThreadVM, error) { return threadVM(th, in.Before > 0), nil }
	h.respond.Respond(w, r, web.Response{
		Title: views.UserDisplayName(th.User) + " · Inbox · " + th.Bot.Name, Page: web.Render(vm, views.ThreadPage),
		Fragment: web.Render(vm, views.Thread), Data: data, Extra: extra,
	})
}

// Send answers a user now from the dashboard (or the API).
func (h *Conversations) Send(w http.ResponseWriter, r *http.Request) {
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("user"))
		return
	}
	owner := web.OwnerOf(r)
	// Ownership before the body: another account's bot or an unknown user
	// is a 404 whatever the request says.
	if _, err := h.convs.Messages(r.Context(), owner, r.PathValue("id"), userID, contract.ListMessagesRequest{LimitParam: ptr(1)}); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.SendMessageRequest
	form := h.composerForm(r, owner, userID, &in)
	if err := h.bindSend(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	sent, err := h.convs.Send(r.Context(), owner, web.UserOf(r).ID, r.PathValue("id"), userID, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	back := conversationURL(sent.Bot.ID, userID)
	vm := func(context.Context) (views.ThreadVM, error) {
		return views.ThreadVM{Composer: views.ComposerVM{Action: back}}, nil
	}
	h.respond.Respond(w, r, web.Response{
		Status: http.StatusCreated, Data: contract.MessageOf(sent.Message), Redirect: back,
		Fragment: web.Render(vm, views.ComposerSent),
	})
}

// bindSend decodes a message to send: JSON, or the composer's form with an
// optional image (field "file").
func (h *Conversations) bindSend(r *http.Request, in *contract.SendMessageRequest) error {
	if err := h.bind.Bind(r, in); err != nil {
		return err
	}
	name, data, err := web.FormFile(r, "file", models.MaxUploadSize)
	if err != nil {
		return err
	}
	if data != nil {
		in.File = &contract.UploadedFile{Name: name, Data: data}
	}
	return nil
}

// composerForm re-renders the composer with what was typed and what is
// wrong (the whole conversation page without JavaScript).
func (h *Conversations) composerForm(r *http.Request, owner string, userID int64, in *contract.SendMessageRequest) web.FormView {
	return func(fields apperr.FieldErrors, msg string) web.Response {
		vm := func(ctx context.Context) (views.ThreadVM, error) {
			th, err := h.convs.Messages(ctx, owner, r.PathValue("id"), userID, contract.ListMessagesRequest{})
			if err != nil {
				return views.ThreadVM{}, err
			}
			tvm := threadVM(th, false)
			if tvm.Composer.Disabled == "" || fields != nil {
				tvm.Composer.Text, tvm.Composer.ParseMode, tvm.Composer.Photo = in.Text, in.ParseMode, in.Photo
				tvm.Composer.Fields, tvm.Composer.Message = fields, msg
			}
			return tvm, nil
		}
		return web.Response{Title: "Inbox", Page: web.Render(vm, views.ThreadPage), Fragment: web.Render(vm, views.ComposerSent)}
	}
}

// threadVM is the conversation page of th; paged when showing older
// messages.
func threadVM(th *core.Thread, paged bool) views.ThreadVM {
	return views.NewThreadVM(th.Bot, th.User, th.Conversation, th.Messages, th.More, paged, drawMessage)
}

// drawMessage renders a message's body as safe HTML: formatted as it was
// sent, plain for what people wrote.
func drawMessage(m *models.Message) string {
	body := m.Body()
	if body == "" {
		return ""
	}
	plain, ents, err := telegram.ParseMarkup(m.ParseMode, body)
	if err != nil {
		plain, ents = body, nil
	}
	return renderMessage(plain, ents)
}

// limitOf is the limit a list was asked for, 0 when the default.
func limitOf(p contract.Page) int {
	if p.LimitParam == nil {
		return 0
	}
	return *p.LimitParam
}

// Done marks a conversation done; Open reopens it; Read clears its unread count.
func (h *Conversations) Done(w http.ResponseWriter, r *http.Request) { h.change(w, r, "done") }

// Open reopens a conversation.
func (h *Conversations) Open(w http.ResponseWriter, r *http.Request) { h.change(w, r, "open") }

// Read marks a conversation read.
func (h *Conversations) Read(w http.ResponseWriter, r *http.Request) { h.change(w, r, "read") }

func (h *Conversations) change(w http.ResponseWriter, r *http.Request, action string) {
	var in contract.UserActionRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("conversation"))
		return
	}
	owner, botID := web.OwnerOf(r), r.PathValue("id")
	var (
		res *core.Changed
		err error
	)
	flash := ""
	switch action {
	case "done":
		res, err = h.convs.SetStatus(r.Context(), owner, botID, userID, models.ConversationDone)
		flash = "Marked done: it moves back to Open when they write again."
	case "open":
		res, err = h.convs.SetStatus(r.Context(), owner, botID, userID, models.ConversationOpen)
		flash = "Reopened."
	default:
		res, err = h.convs.MarkRead(r.Context(), owner, botID, userID)
	}
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	controls := func(context.Context) (views.ThreadVM, error) {
		return views.ThreadVM{Bot: res.Bot, User: res.User, Conversation: res.Conversation}, nil
	}
	h.respond.Respond(w, r, web.Response{
		Data: contract.ConversationOf(res.Conversation, res.User), Redirect: safeBack(in.Back, conversationURL(res.Bot.ID, userID)),
		Flash: flash, Fragment: web.Render(controls, views.ThreadControls),
	})
}

// safeBack is where a browser form returns: back when it is a local path
// of the dashboard, else fallback.
func safeBack(back, fallback string) string {
	if back != "" && web.SafeNext(back) == back {
		return back
	}
	return fallback
}

// User shows one user of a bot: profile, source, counts, timeline.
func (h *Conversations) User(w http.ResponseWriter, r *http.Request) {
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("user"))
		return
	}
	d, err := h.convs.User(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(context.Context) (views.UserPageVM, error) {
		timeline := views.NewThreadVM(d.Bot, d.User, d.Conversation, d.Recent, false, false, drawMessage).Bubbles
		out := views.UserPageVM{Bot: d.Bot, User: d.User, NoPhoto: d.NoPhoto, Source: d.Source, Campaigns: d.Campaigns, Timeline: timeline, Props: d.Props, Tags: d.Tags}
		if c := d.Conversation; c != nil {
			out.In, out.Out = c.MessagesIn, c.MessagesOut
		}
		return out, nil
	}
	h.respond.Respond(w, r, web.Response{Title: views.UserDisplayName(d.User) + " · " + d.Bot.Name, Page: web.Render(vm, views.UserPage),
		Data: userDetailJSON(d)})
}

func userDetailJSON(d *core.UserDetail) contract.UserDetailJSON {
	out := contract.UserDetailJSON{
		BotUserJSON: contract.BotUserOf(d.User, apiPhotoURL(d.Bot.ID, d.User.UserID, map[int64]bool{d.User.UserID: d.NoPhoto}), d.Tags),
		Campaigns:   []contract.UserCampaign{}, Props: d.Props, Tags: d.Tags,
	}
	if d.Source != "" {
		out.Source = &d.Source
	}
	for _, c := range d.Campaigns {
		out.Campaigns = append(out.Campaigns, contract.UserCampaign{ID: c.ID, Name: c.Name, Status: c.Status, JoinedAt: c.JoinedAt})
	}
	if c := d.Conversation; c != nil {
		out.MessagesIn, out.MessagesOut = c.MessagesIn, c.MessagesOut
		cj := contract.ConversationOf(c, d.User)
		out.Conversation = &cj
	}
	return out
}

// MessagePhoto serves the picture of a photo message, fetched by the
// server (the token-bearing Telegram URL never reaches the browser).
func (h *Conversations) MessagePhoto(w http.ResponseWriter, r *http.Request) {
	userID, ok := userIDOf(r)
	msgID, err := strconv.ParseInt(r.PathValue("messageId"), 10, 64)
	if !ok || err != nil || msgID <= 0 {
		h.respond.Fail(w, r, apperr.NotFound("photo"))
		return
	}
	p, err := h.convs.MessagePhoto(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID, msgID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", p.ContentType)
	hd.Set("Cache-Control", "private, max-age=86400")
	hd.Set("ETag", p.ETag)
	http.ServeContent(w, r, "", p.FetchedAt, bytes.NewReader(p.Body))
}

// conversationURL is the dashboard page of a conversation.
func conversationURL(botID string, userID int64) string {
	return "/bots/" + botID + "/users/" + strconv.FormatInt(userID, 10) + "/messages"
}

// NavUnread draws the navigation's unread count again (its live refresh).
func (h *Conversations) NavUnread(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	n, err := h.convs.UnreadTotal(r.Context(), web.OwnerOf(r))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Unread messages", Page: web.Render(func(context.Context) (int64, error) { return n, nil }, layout.NavUnread)})
}
