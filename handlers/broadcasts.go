package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Broadcasts handles composing, listing and controlling broadcasts.
//
// Every handler checks that the bot (or the broadcast's bot) belongs to
// the caller before it reads the request, so another account's bot or
// broadcast answers 404 exactly like one that does not exist, whatever
// the body holds.
type Broadcasts struct {
	respond *web.Responder
	bind    *web.Binder
	svc     *core.Broadcasts
	uploads *core.Uploads
}

// NewBroadcasts returns the broadcast handlers.
func NewBroadcasts(d Deps) *Broadcasts {
	return &Broadcasts{respond: d.Respond, bind: d.Bind, svc: d.Broadcasts, uploads: d.Uploads}
}

// memberZoneName is the signed-in member's time zone by name ("UTC" until
// known): the schedule's default.
func memberZoneName(r *http.Request) string { return memberZone(r).String() }

// List shows the compose page with the bot's history, or the history as
// JSON, newest first. The compose form (its audience counts, the preview)
// is built only for the page.
func (h *Broadcasts) List(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.ListBroadcastsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	hist, err := h.history(r.Context(), b, in.Page)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	page := func(ctx context.Context) (views.BroadcastsVM, error) {
		return h.composeVM(ctx, hist, views.ComposeVM{Audience: models.AudienceAll, When: "now", ScheduleZone: memberZoneName(r)}, nil)
	}
	fragment := func(context.Context) (views.BroadcastsVM, error) { return hist.vm, nil }
	h.respond.Respond(w, r, web.Response{Title: "Broadcasts · " + b.Name, Page: web.Render(page, views.BroadcastsPage),
		Fragment: web.Render(fragment, views.BroadcastHistory), Data: hist.data, Pagination: &hist.vm.Pagination})
}

// history is one page of a bot's broadcasts: as API data, and as the
// history part of the broadcasts page.
type history struct {
	vm   views.BroadcastsVM // the bot and the history; the compose form is left to composeVM
	data []contract.BroadcastJSON
}

// history reads one page of the bot's broadcasts with their progress.
func (h *Broadcasts) history(ctx context.Context, b *models.Bot, page contract.Page) (history, error) {
	hist := history{vm: views.BroadcastsVM{Bot: b, CanSend: core.CanSend(b), Rate: h.svc.Rate()}}
	list, err := h.svc.List(ctx, b, page)
	if err != nil {
		return hist, err
	}
	progress, err := h.svc.ProgressAll(ctx, list.Broadcasts)
	if err != nil {
		return hist, err
	}
	hist.data = make([]contract.BroadcastJSON, len(progress))
	hist.vm.List = make([]views.BroadcastRowVM, len(progress))
	for i, p := range progress {
		hist.data[i] = p.JSON()
		hist.vm.List[i] = views.BroadcastRowVM{B: *p.Broadcast, ETA: p.ETA, Excerpt: excerptOf(p.Broadcast)}
	}
	hist.vm.Pagination = contract.Paginate(page, list.Total)
	return hist, nil
}

// composeVM builds the broadcasts page around the history: the compose
// form in state form with its audience counts and preview, and the
// confirmation step when review is set.
func (h *Broadcasts) composeVM(ctx context.Context, hist history, form views.ComposeVM, review *core.Review) (views.BroadcastsVM, error) {
	vm := hist.vm
	vm.Form = form
	var err error
	if vm.Counts, err = h.svc.AudienceCounts(ctx, vm.Bot); err != nil {
		return vm, err
	}
	if vm.Active, err = h.svc.ActiveOnBot(ctx, vm.Bot.ID); err != nil {
		return vm, err
	}
	if vm.Form.Segments, err = h.svc.Segments(ctx, vm.Bot); err != nil {
		return vm, err
	}
	vm.Preview = previewOf(contract.PreviewBroadcastRequest{Text: form.Text, ParseMode: modePtr(form.ParseMode)})
	if review != nil {
		vm.Review = &views.ReviewVM{ScheduledAt: review.ScheduledAt, Recipients: review.Recipients, Sharing: review.Sharing, Duration: review.Duration,
			Preview: renderMessage(review.Plain, review.Entities)}
	}
	return vm, nil
}

// composePage is the broadcasts page (first page of the history) with the
// compose form in state form, built when it is drawn.
func (h *Broadcasts) composePage(b *models.Bot, title string, form views.ComposeVM, review *core.Review) web.Response {
	vm := func(ctx context.Context) (views.BroadcastsVM, error) {
		hist, err := h.history(ctx, b, contract.Page{})
		if err != nil {
			return views.BroadcastsVM{}, err
		}
		return h.composeVM(ctx, hist, form, review)
	}
	return web.Response{Title: title, Page: web.Render(vm, views.BroadcastsPage)}
}

func modePtr(m string) *string {
	if m == "" {
		return nil
	}
	return &m
}

// previewOf draws a draft, or says what is wrong with it.
func previewOf(in contract.PreviewBroadcastRequest) views.PreviewVM {
	if in.Text == "" {
		return views.PreviewVM{Empty: true}
	}
	plain, ents, err := core.Preview(in)
	if err != nil {
		msg := err.Error()
		if e, ok := apperr.AsError(err); ok {
			msg = e.Message
		}
		return views.PreviewVM{Error: msg}
	}
	return views.PreviewVM{HTML: renderMessage(plain, ents)}
}

// composeForm re-renders the compose page with what was typed and what is
// wrong with it.
func (h *Broadcasts) composeForm(b *models.Bot, in *contract.CreateBroadcastRequest) web.FormView {
	return func(fields apperr.FieldErrors, msg string) web.Response {
		return h.composePage(b, "Broadcasts · "+b.Name, views.ComposeFromRequest(*in, fields, msg), nil)
	}
}

// Review is the confirmation step of the compose form (pages only): it
// checks the broadcast as queueing would and states how many users get it
// and how long it takes.
func (h *Broadcasts) Review(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.CreateBroadcastRequest
	form := h.composeForm(b, &in)
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if in.ScheduleZone == "" {
		in.ScheduleZone = memberZoneName(r)
	}
	if err := h.attach(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	review, err := h.svc.Review(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, h.composePage(b, "Send this broadcast? · "+b.Name, views.ComposeFromRequest(in, nil, ""), review))
}

// Create queues a broadcast (201 with the Broadcast; the page goes on to
// the broadcast's progress).
func (h *Broadcasts) Create(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.CreateBroadcastRequest
	form := h.composeForm(b, &in)
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if in.Test {
		h.sendTest(w, r, b, in, form)
		return
	}
	bc, err := h.svc.Create(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	p, err := h.svc.Progress(r.Context(), bc)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	flash := "Broadcast queued: sending to " + views.AudienceCountText(bc.Total) + "."
	if bc.ScheduledAt != nil {
		flash = "Broadcast scheduled: its audience is counted when it starts."
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: p.JSON(), Redirect: "/broadcasts/" + bc.ID, Flash: flash})
}

// Preview is the compose form's live preview (an htmx fragment): the
// message drawn as Telegram would show it, or what is wrong and where.
func (h *Broadcasts) Preview(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id")); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.PreviewBroadcastRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.MessagePreview(previewOf(in)))})
}

// Audience is the compose form's live recipient count (an htmx fragment).
func (h *Broadcasts) Audience(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.AudienceRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if in.Audience == "" {
		in.Audience = models.AudienceAll
	}
	n, err := h.svc.CountFor(r.Context(), b, in)
	if err != nil {
		if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindInvalid {
			h.respond.Respond(w, r, web.Response{Page: web.Static(views.AudienceSummaryText("Check the segment and tags: " + e.Error()))})
			return
		}
		h.respond.Fail(w, r, err)
		return
	}
	active, err := h.svc.ActiveOnBot(r.Context(), b.ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.AudienceSummaryText(views.AudienceSummary(n, h.svc.Rate(), active)))})
}

// Show is a broadcast's page with its live progress; the progress poll
// gets only the fragment.
func (h *Broadcasts) Show(w http.ResponseWriter, r *http.Request) {
	bc, b, err := h.svc.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.ShowBroadcastRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res, err := h.broadcastPage(r.Context(), b, bc, in.Seen, "")
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, res)
}

func (h *Broadcasts) broadcastPage(ctx context.Context, b *models.Bot, bc *models.Broadcast, seen, msg string) (web.Response, error) {
	p, err := h.svc.Progress(ctx, bc)
	if err != nil {
		return web.Response{}, err
	}
	vm := func(context.Context) (views.BroadcastVM, error) {
		plain, ents, perr := telegram.ParseMarkup(bc.ParseMode, bc.Text)
		if perr != nil {
			plain, ents = bc.Text, nil // queued before a stricter check: show it as typed
		}
		return views.BroadcastVM{Bot: b, B: bc, Rate: p.Rate, CurrentRate: p.CurrentRate, ETA: p.ETA, Seen: seen,
			Preview: renderMessage(plain, ents), CanSend: core.CanSend(b), Message: msg}, nil
	}
	return web.Response{Title: views.BroadcastTitle(bc) + " · " + b.Name, Page: web.Render(vm, views.BroadcastPage),
		Fragment: web.Render(vm, views.BroadcastLive), Data: p.JSON()}, nil
}

// Pause stops sending after the messages in flight.
func (h *Broadcasts) Pause(w http.ResponseWriter, r *http.Request) {
	h.control(w, r, h.svc.Pause, "Paused. Resume to send the rest.")
}

// Resume sends the rest.
func (h *Broadcasts) Resume(w http.ResponseWriter, r *http.Request) {
	h.control(w, r, h.svc.Resume, "Resumed: sending the rest.")
}

// Cancel ends the broadcast for good.
func (h *Broadcasts) Cancel(w http.ResponseWriter, r *http.Request) {
	h.control(w, r, h.svc.Cancel, "Cancelled: nobody else will receive this broadcast.")
}

// ResendUnconfirmed sends again the messages whose delivery is unknown,
// after the owner confirmed that some people may get them twice.
func (h *Broadcasts) ResendUnconfirmed(w http.ResponseWriter, r *http.Request) {
	h.control(w, r, h.svc.ResendUnconfirmed, "The unconfirmed messages are queued again: they go out while the broadcast runs.")
}

func (h *Broadcasts) control(w http.ResponseWriter, r *http.Request, action func(context.Context, string, string) (*models.Broadcast, error), flash string) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	ownerID, id := web.OwnerOf(r), r.PathValue("id")
	bc, err := action(r.Context(), ownerID, id)
	if err != nil {
		// A refused change (409) shows the broadcast again with the reason.
		form := h.refused(r, ownerID, id)
		var me *apperr.Error
		if errors.As(err, &me) && me.Kind == apperr.KindNotFound {
			form = nil
		}
		h.respond.Fail(w, r, err, form)
		return
	}
	p, err := h.svc.Progress(r.Context(), bc)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: p.JSON(), Redirect: "/broadcasts/" + bc.ID, Flash: flash})
}

// refused shows the broadcast as it is now with why a change was refused
// (it started meanwhile, say).
func (h *Broadcasts) refused(r *http.Request, ownerID, id string) web.FormView {
	return func(_ apperr.FieldErrors, msg string) web.Response {
		cur, b, gerr := h.svc.Get(r.Context(), ownerID, id)
		if gerr != nil {
			return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: 404, Message: "Broadcast not found."}))}
		}
		res, perr := h.broadcastPage(r.Context(), b, cur, "", msg)
		if perr != nil {
			return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: 500, Message: "The broadcast could not be loaded."}))}
		}
		return res
	}
}

// Edit is the compose form filled in with a scheduled broadcast, saving
// to it (pages only). A broadcast that has started is shown with why it
// cannot be edited (409).
func (h *Broadcasts) Edit(w http.ResponseWriter, r *http.Request) {
	ownerID, id := web.OwnerOf(r), r.PathValue("id")
	bc, b, err := h.svc.Get(r.Context(), ownerID, id)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if bc.Status != models.BroadcastScheduled {
		h.respond.Fail(w, r, core.ErrNotScheduled, h.refused(r, ownerID, id))
		return
	}
	in := contract.UpdateBroadcastRequest{}.Merge(bc)
	in.ScheduleZone = memberZoneName(r)
	vm := views.ComposeFromRequest(in, nil, "")
	vm.EditID = bc.ID
	h.respond.Respond(w, r, h.composePage(b, "Edit scheduled broadcast · "+b.Name, vm, nil))
}

// editForm re-renders the edit form with what was typed and what is wrong.
func (h *Broadcasts) editForm(b *models.Bot, id string, in *contract.CreateBroadcastRequest) web.FormView {
	return func(fields apperr.FieldErrors, msg string) web.Response {
		vm := views.ComposeFromRequest(*in, fields, msg)
		vm.EditID = id
		return h.composePage(b, "Edit scheduled broadcast · "+b.Name, vm, nil)
	}
}

// bindEdit reads the edit form — the whole composer, a new file too — as
// the PATCH it stands for.
func (h *Broadcasts) bindEdit(r *http.Request, cur *models.Broadcast, in *contract.CreateBroadcastRequest) (contract.UpdateBroadcastRequest, error) {
	if err := h.bind.Bind(r, in); err != nil {
		return contract.UpdateBroadcastRequest{}, err
	}
	if in.ScheduleZone == "" {
		in.ScheduleZone = memberZoneName(r)
	}
	if in.ScheduleProblem != nil {
		return contract.UpdateBroadcastRequest{}, apperr.Invalid("", in.ScheduleProblem)
	}
	if in.ScheduledAt == nil {
		return contract.UpdateBroadcastRequest{}, apperr.Invalid("", apperr.FieldErrors{"scheduleDate": "is required: a scheduled broadcast keeps a start time"})
	}
	if err := h.attach(r, in); err != nil {
		return contract.UpdateBroadcastRequest{}, err
	}
	return in.EditOf(cur), nil
}

// Update edits a scheduled broadcast (409 once it has started): PATCH
// sends the fields that change; the page's edit form sends the whole
// composer and comes back with what is wrong, or with the broadcast and
// the reason when it started meanwhile.
func (h *Broadcasts) Update(w http.ResponseWriter, r *http.Request) {
	ownerID, id := web.OwnerOf(r), r.PathValue("id")
	cur, b, err := h.svc.Get(r.Context(), ownerID, id)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.UpdateBroadcastRequest
	var form web.FormView
	if web.IsAPI(r) {
		err = h.bind.Bind(r, &in)
	} else {
		var typed contract.CreateBroadcastRequest
		form = h.editForm(b, id, &typed)
		in, err = h.bindEdit(r, cur, &typed)
	}
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	bc, err := h.svc.Update(r.Context(), ownerID, id, in)
	if err != nil {
		if errors.Is(err, core.ErrNotScheduled) && form != nil {
			form = h.refused(r, ownerID, id)
		}
		h.respond.Fail(w, r, err, form)
		return
	}
	p, err := h.svc.Progress(r.Context(), bc)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: p.JSON(), Redirect: "/broadcasts/" + bc.ID, Flash: "Scheduled broadcast saved."})
}

// Delete removes a scheduled broadcast (409 once it has started; the
// page shows the broadcast again with the reason).
func (h *Broadcasts) Delete(w http.ResponseWriter, r *http.Request) {
	ownerID, id := web.OwnerOf(r), r.PathValue("id")
	bc, b, err := h.svc.Get(r.Context(), ownerID, id)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	p, err := h.svc.Progress(r.Context(), bc)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if _, err := h.svc.Delete(r.Context(), ownerID, id); err != nil {
		h.respond.Fail(w, r, err, h.refused(r, ownerID, id))
		return
	}
	h.respond.Respond(w, r, web.Response{Data: p.JSON(), Redirect: "/bots/" + b.ID + "/broadcasts", Flash: "Scheduled broadcast deleted."})
}

// Duplicate opens the compose form prefilled with a broadcast's message,
// audience, file and buttons (a draft: nothing is sent until it is
// reviewed and queued).
func (h *Broadcasts) Duplicate(w http.ResponseWriter, r *http.Request) {
	bc, b, err := h.svc.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	in := contract.UpdateBroadcastRequest{}.Merge(bc)
	in.ScheduledAt, in.ScheduleZone = nil, memberZoneName(r)
	h.respond.Respond(w, r, h.composePage(b, "Broadcasts · "+b.Name, views.ComposeFromRequest(in, nil, ""), nil))
}

// attach stores the compose form's file, if one was chosen, as an upload
// and sets it as the broadcast's photo or document.
func (h *Broadcasts) attach(r *http.Request, in *contract.CreateBroadcastRequest) error {
	name, data, err := web.FormFile(r, "file", models.MaxUploadSize)
	if err != nil || data == nil {
		return err
	}
	up, err := h.uploads.Create(r.Context(), web.OwnerOf(r), name, data)
	if err != nil {
		return err
	}
	in.Photo, in.Document = "", ""
	if in.Media == "document" || !core.IsImage(up.ContentType) {
		in.Document = up.ID
	} else {
		in.Photo = up.ID
	}
	return nil
}

// sendTest sends the composed broadcast once to the signed-in member's
// linked Telegram account: 200 with where it went; the page shows the
// confirmation step again with a note.
func (h *Broadcasts) sendTest(w http.ResponseWriter, r *http.Request, b *models.Bot, in contract.CreateBroadcastRequest, form web.FormView) {
	sent, err := h.svc.SendTest(r.Context(), b, web.UserOf(r).ID, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	to := sent.FirstName
	if sent.Username != "" {
		to = "@" + sent.Username
	}
	vm := views.ComposeFromRequest(in, nil, "")
	vm.Notice = "Test sent to your Telegram account (" + to + "). Nobody else received it."
	res := web.Response{Data: contract.BroadcastTestJSON{Test: true, TelegramUserID: sent.TelegramUserID, Username: sent.Username, MessageID: sent.MessageID}}
	review, err := h.svc.Review(r.Context(), b, in)
	if err == nil {
		page := h.composePage(b, "Send this broadcast? · "+b.Name, vm, review)
		res.Title, res.Page = page.Title, page.Page
	} else {
		page := h.composePage(b, "Broadcasts · "+b.Name, vm, nil)
		res.Title, res.Page = page.Title, page.Page
	}
	h.respond.Respond(w, r, res)
}
