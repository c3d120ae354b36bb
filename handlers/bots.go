package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Bots handles connecting, listing and managing bots.
type Bots struct {
	respond   *web.Responder
	bind      *web.Binder
	bots      *core.Bots
	publicURL string
}

// NewBots returns the bot handlers.
func NewBots(d Deps) *Bots {
	return &Bots{respond: d.Respond, bind: d.Bind, bots: d.Bots, publicURL: d.PublicURL}
}

// List shows the bot list with search, status tabs, sort and pages.
func (h *Bots) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListBotsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list, err := h.bots.List(r.Context(), web.OwnerOf(r), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	summaries := make([]contract.BotSummary, len(list.Bots))
	for i := range list.Bots {
		summaries[i] = contract.BotSummaryOf(&list.Bots[i])
	}
	pagination := contract.Paginate(in.Page, list.Total)
	vm := func(context.Context) (views.BotListVM, error) {
		return views.NewBotListVM(in, list.Bots, list.Counts, pagination), nil
	}
	h.respond.Respond(w, r, web.Response{
		Title: "Bots", Page: web.Render(vm, views.BotsPage), Fragment: web.Render(vm, views.BotsPanel),
		Data: summaries, Pagination: &pagination, Extra: map[string]any{"counts": list.Counts},
	})
}

// NewForm shows the connect form.
func (h *Bots) NewForm(w http.ResponseWriter, r *http.Request) {
	h.respond.Respond(w, r, h.connectPage("", nil, ""))
}

func (h *Bots) connectPage(token string, fields apperr.FieldErrors, msg string) web.Response {
	vm := views.ConnectBotVM{Token: token, Errors: fields, Message: msg, Polling: h.publicURL == ""}
	return web.Response{Title: "Connect a bot", Page: web.Static(views.ConnectBotPage(vm))}
}

// Connect adds a bot by token (or restores a disconnected one).
func (h *Bots) Connect(w http.ResponseWriter, r *http.Request) {
	var in contract.ConnectBotRequest
	form := func(f apperr.FieldErrors, msg string) web.Response { return h.connectPage(in.Token, f, msg) }
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	b, restored, err := h.bots.Connect(r.Context(), web.OwnerOf(r), in.Token)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	res := web.Response{Status: http.StatusCreated, Data: contract.BotDetailOf(b), Redirect: "/bots/" + b.ID,
		Flash: "Connected " + b.Handle() + "."}
	if restored {
		res.Status, res.Flash = http.StatusOK, "Reconnected "+b.Handle()+": its users, campaigns and code are back."
		res.Extra = map[string]any{"restored": true}
	}
	h.respond.Respond(w, r, res)
}

// Batch returns several bots by id (API only).
func (h *Bots) Batch(w http.ResponseWriter, r *http.Request) {
	var in contract.BatchBotsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	bots, err := h.bots.Batch(r.Context(), web.OwnerOf(r), in.IDs)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.BotDetail, len(bots))
	for i := range bots {
		out[i] = contract.BotDetailOf(&bots[i])
	}
	h.respond.Respond(w, r, web.Response{Data: out})
}

// Show renders a bot's page, or the bot as JSON.
func (h *Bots) Show(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, h.botPage(b, views.BotEditVM{}))
}

func (h *Bots) botPage(b *models.Bot, edit views.BotEditVM) web.Response {
	vm := func(context.Context) (views.BotVM, error) { return views.NewBotVM(b, edit), nil }
	return web.Response{Title: b.Name, Page: web.Render(vm, views.BotPage), Fragment: web.Render(vm, views.BotEditForm), Data: contract.BotDetailOf(b)}
}

// Status is the bot page's status part (header, actions, reason), which
// the page fetches again when the bot's status changes.
func (h *Bots) Status(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(context.Context) (views.BotVM, error) { return views.NewBotVM(b, views.BotEditVM{}), nil }
	h.respond.Respond(w, r, web.Response{Title: b.Name, Page: web.Render(vm, views.BotStatusPart)})
}

// WebhookInfo is the htmx fragment with Telegram's live view of the
// webhook: loaded after the page so a slow Telegram never slows the page.
func (h *Bots) WebhookInfo(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(ctx context.Context) (views.WebhookInfoVM, error) {
		vm := views.WebhookInfoVM{Mode: b.UpdateMode, Deleted: b.Status == models.BotDeleted}
		if !vm.Deleted {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			info, err := h.bots.WebhookInfo(ctx, b)
			fillWebhookInfo(&vm, info, err)
		}
		return vm, nil
	}
	h.respond.Respond(w, r, web.Response{Page: web.Render(vm, views.WebhookInfo)})
}

// Update saves description and tags.
func (h *Bots) Update(w http.ResponseWriter, r *http.Request) {
	var in contract.UpdateBotRequest
	ownerID, id := web.OwnerOf(r), r.PathValue("id")
	form := func(f apperr.FieldErrors, msg string) web.Response {
		b, err := h.bots.Get(r.Context(), ownerID, id)
		if err != nil {
			return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: 404, Message: "Bot not found."}))}
		}
		return h.botPage(b, views.EditFromRequest(in, f, msg))
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	b, err := h.bots.Update(r.Context(), ownerID, id, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.BotDetailOf(b), Redirect: "/bots/" + b.ID, Flash: "Saved."})
}

// Stop halts a bot.
func (h *Bots) Stop(w http.ResponseWriter, r *http.Request) {
	h.lifecycle(w, r, h.bots.Stop, "Stopped %s: it ignores updates until you start it again.")
}

// Start resumes a bot.
func (h *Bots) Start(w http.ResponseWriter, r *http.Request) {
	flash := "Started %s."
	// On a running bot whose webhook Telegram no longer delivers to, "start"
	// is the "Register webhook again" button: say what it did.
	if b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id")); err == nil && b.Status == models.BotWarning && b.WebhookError != "" {
		flash = "Registered Botdeck's webhook for %s again: its updates come here."
	}
	h.lifecycle(w, r, h.bots.Start, flash)
}

// Delete disconnects a bot, keeping its history.
func (h *Bots) Delete(w http.ResponseWriter, r *http.Request) {
	h.lifecycle(w, r, h.bots.Delete, "Disconnected %s. Its users, campaigns and code are kept: add its token again to restore it.")
}

func (h *Bots) lifecycle(w http.ResponseWriter, r *http.Request, action func(context.Context, string, string) (*models.Bot, error), flash string) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, err := action(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.BotDetailOf(b), Redirect: "/bots/" + b.ID, Flash: fmt.Sprintf(flash, b.Handle())})
}

// fillWebhookInfo copies Telegram's answer into the view, or explains why
// there is none.
func fillWebhookInfo(vm *views.WebhookInfoVM, info *telego.WebhookInfo, err error) {
	switch {
	case errors.Is(err, telegram.ErrUnauthorized):
		vm.Error = "Telegram rejects this bot's token. It was probably revoked in @BotFather: reconnect the bot with its new token."
	case err != nil:
		vm.Error = "Telegram could not be reached to show live webhook details. Reload to try again."
	default:
		vm.URL, vm.Pending, vm.LastError, vm.MaxConnections = info.URL, info.PendingUpdateCount, info.LastErrorMessage, info.MaxConnections
		vm.AllowedUpdates = info.AllowedUpdates
		if info.LastErrorDate > 0 {
			vm.LastErrorAt = time.Unix(info.LastErrorDate, 0)
		}
	}
}
