package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

// Replies handles a bot's no-code replies: the Replies tab and its editor,
// their API twins, reordering, the "try it" simulator and the deep-link
// sources. Every handler checks that the bot is the caller's before it
// reads the request body, so another account's bot answers 404 whatever
// was sent.
type Replies struct {
	respond *web.Responder
	bind    *web.Binder
	replies *core.Replies
}

// NewReplies returns the replies handlers.
func NewReplies(d Deps) *Replies {
	return &Replies{respond: d.Respond, bind: d.Bind, replies: d.Replies}
}

// bot loads the caller's bot named in the path, or answers the error.
func (h *Replies) bot(w http.ResponseWriter, r *http.Request) (*models.Bot, bool) {
	b, err := h.replies.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return nil, false
	}
	return b, true
}

// bindReply decodes a reply body (JSON, or the editor's form with an
// optional file).
func (h *Replies) bindReply(r *http.Request, in *contract.ReplyRequest) error {
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

// List shows the replies in match order.
func (h *Replies) List(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	rows, err := h.replies.List(r.Context(), b)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data, pagination := contract.Slice(contract.RepliesOf(rows), in)
	h.respond.Respond(w, r, web.Response{Title: "Replies · " + b.Name, Page: h.listPage(r, b, rows, nil),
		Data: data, Pagination: &pagination})
}

// Show shows one reply (its editor on the dashboard).
func (h *Replies) Show(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	rep, err := h.replies.Get(r.Context(), b, r.PathValue("replyId"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Reply · " + b.Name, Page: h.editorPage(r, b, rep, nil, nil, ""),
		PageJS: replyEditorJS, Data: contract.ReplyOf(rep)})
}

// Create adds a reply: 201 with the reply, 409 trigger_taken for a command
// or fallback another reply has.
func (h *Replies) Create(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	var in contract.ReplyRequest
	form := h.formAgain(r, b, nil, &in)
	if err := h.bindReply(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	saved, err := h.replies.Create(r.Context(), b, &in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, h.savedResponse(b, saved, http.StatusCreated, "Reply created."))
}

// Update changes a reply (PATCH: the fields the body names).
func (h *Replies) Update(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	cur, err := h.replies.Get(r.Context(), b, r.PathValue("replyId"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.ReplyRequest
	form := h.formAgain(r, b, cur, &in)
	if err := h.bindReply(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	saved, err := h.replies.Update(r.Context(), b, cur.ID, &in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, h.savedResponse(b, saved, http.StatusOK, "Reply saved."))
}

// Delete removes a reply; 409 reply_in_use while other replies go to it.
func (h *Replies) Delete(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	saved, err := h.replies.Delete(r.Context(), b, r.PathValue("replyId"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res := h.savedResponse(b, saved, http.StatusOK, "Reply deleted.")
	h.respond.Respond(w, r, res)
}

// savedResponse answers a save: the reply and the menu's fate as JSON; the
// dashboard goes back to the list, warning when Telegram refused the menu.
func (h *Replies) savedResponse(b *models.Bot, saved *core.SavedReply, status int, flash string) web.Response {
	if saved.Menu.Published {
		flash += " The bot's menu was updated."
	}
	if saved.Menu.Error != nil {
		flash += " " + *saved.Menu.Error
	}
	return web.Response{Status: status, Data: contract.ReplyOf(saved.Reply), Extra: map[string]any{"menu": saved.Menu},
		Redirect: repliesPath(b.ID), Flash: flash}
}

// Order sets the match order: every id (API), or one reply up or down (the
// list's buttons).
func (h *Replies) Order(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	var in contract.ReplyOrderRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	rows, menu, err := h.replies.Reorder(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.RepliesOf(rows), Extra: map[string]any{"menu": menu},
		Redirect: repliesPath(b.ID) + "#reply-" + in.Reply})
}

// Try answers a message or a button press as the bot would, without
// Telegram: the simulator's next exchange on the dashboard.
func (h *Replies) Try(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	var in contract.TryRepliesRequest
	form := h.tryAgain(r, b, &in)
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	out, err := h.replies.Try(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: out, Fragment: h.tryFragment(r, b, in, out),
		Page: h.listPage(r, b, nil, &tryState{in: in, out: &out})})
}

// Sources counts users by deep-link source.
func (h *Replies) Sources(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	var in contract.SourcesRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	rows, err := h.replies.Sources(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data, pagination := contract.Slice(contract.SourcesOf(rows), in.Page)
	h.respond.Respond(w, r, web.Response{Data: data, Pagination: &pagination})
}

func repliesPath(botID string) string { return "/bots/" + botID + "/replies" }
