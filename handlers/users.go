package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// exportWriteWindow is how long each batch of a CSV export may take to
// reach the client. The server's WriteTimeout bounds a whole response; an
// export of a million rows runs longer, so the deadline moves forward
// with every batch instead: a stalled client is still cut off.
const exportWriteWindow = time.Minute

// Users handles a bot's audience: the users list, CSV export,
// block/unblock and profile photos.
type Users struct {
	respond  *web.Responder
	bind     *web.Binder
	audience *core.Audience
}

// NewUsers returns the audience handlers.
func NewUsers(d Deps) *Users {
	return &Users{respond: d.Respond, bind: d.Bind, audience: d.Audience}
}

// List shows a bot's users with search, filters, sort, property columns
// and pages.
func (h *Users) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListBotUsersRequest
	propParams(r)
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	in.Zone = memberZone(r)
	if err := in.Problems(); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.pageColumns(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list, err := h.audience.List(r.Context(), web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.BotUserJSON, len(list.Users))
	for i := range list.Users {
		data[i] = contract.BotUserOf(&list.Users[i], apiPhotoURL(list.Bot.ID, list.Users[i].UserID, list.NoPhoto), list.Tags[list.Users[i].UserID])
		if len(in.Cols) > 0 {
			data[i].Props = contract.ColumnProps(list.Props[list.Users[i].UserID], in.Cols)
		}
	}
	pagination := contract.Paginate(in.Page, list.Total)
	vm := func(ctx context.Context) (views.UsersVM, error) { return h.listVM(ctx, in, list) }
	h.respond.Respond(w, r, web.Response{
		Title: "Users · " + list.Bot.Name, Page: web.Render(vm, views.UsersPage), Fragment: web.Render(vm, views.UsersFragment),
		Data: data, Pagination: &pagination, Extra: map[string]any{"totalExact": list.TotalExact},
	})
}

// pageColumns applies the member's remembered property columns (Columns
// keeps them) to a users page opened without cols=; cols= in the URL wins.
// API answers stay exactly what their URL asks.
func (h *Users) pageColumns(r *http.Request, in *contract.ListBotUsersRequest) (err error) {
	if web.IsAPI(r) || web.UserOf(r) == nil || r.URL.Query().Has("cols") {
		return nil
	}
	in.Cols, err = h.audience.RememberedColumns(r.Context(), web.UserOf(r).ID, r.PathValue("id"))
	return err
}

// listVM is the users page of list, with what only the page shows (tag
// chips, the property names offered as columns).
func (h *Users) listVM(ctx context.Context, in contract.ListBotUsersRequest, list *core.UserList) (views.UsersVM, error) {
	extras, err := h.audience.Extras(ctx, list.Bot)
	if err != nil {
		return views.UsersVM{}, err
	}
	vm := views.NewUsersVM(list.Bot, in, list.Users, list.NoPhoto, list.Total, list.TotalExact, list.HasNext)
	vm.Props, vm.TagCounts, vm.PropNames = list.Props, extras.Tags, extras.PropNames
	return vm, nil
}

// usersVM reads the list in again and builds its page (after a bulk
// change).
func (h *Users) usersVM(ctx context.Context, r *http.Request, in contract.ListBotUsersRequest) (views.UsersVM, error) {
	list, err := h.audience.List(ctx, web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		return views.UsersVM{}, err
	}
	return h.listVM(ctx, in, list)
}

// propParams reads the property filters of a users query, written
// prop.NAME=value, as the request's prop map (prop[NAME]=value).
func propParams(r *http.Request) {
	q, changed := r.URL.Query(), false
	for k, vs := range q {
		if name, ok := strings.CutPrefix(k, "prop."); ok {
			delete(q, k)
			q["prop["+name+"]"] = vs
			changed = true
		}
	}
	if changed {
		r.URL.RawQuery = q.Encode()
	}
}

// apiPhotoURL is a user's photoUrl: the proxy route, or nil when the
// cache knows the user has no photo.
func apiPhotoURL(botID string, userID int64, noPhoto map[int64]bool) *string {
	if noPhoto[userID] {
		return nil
	}
	u := "/api/bots/" + botID + "/users/" + strconv.FormatInt(userID, 10) + "/photo"
	return &u
}

// ExportCSV streams every user matching the filter as CSV, one batch at a
// time: nothing but the current batch is held in memory, and each batch
// is flushed to the client before the next is read.
func (h *Users) ExportCSV(w http.ResponseWriter, r *http.Request) {
	var in contract.ListBotUsersRequest
	propParams(r)
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	in.Zone = memberZone(r)
	if err := in.Problems(); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, walk, err := h.audience.Export(r.Context(), web.OwnerOf(r), r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	cw := csv.NewWriter(w)
	started := false
	start := func() {
		started = true
		hd := w.Header()
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": exportFilename(b, in)}))
		hd.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		cw.Write(views.CSVHeaderWith(in.Cols))
	}
	if r.Method == http.MethodHead {
		start() // the headers of the download, without reading any user
		return
	}
	rec := make([]string, 0, len(views.CSVHeader)+len(in.Cols))
	for batch, err := range walk {
		if err != nil {
			if !started {
				h.respond.Fail(w, r, err) // nothing sent yet: a proper error answer
				return
			}
			// Half a file has gone out under a 200. Breaking the connection
			// makes the client see a failed download rather than a file
			// that silently stops.
			if !errors.Is(err, context.Canceled) {
				h.respond.Log.ErrorContext(r.Context(), "csv export failed mid-stream", "err", err, "bot", b.ID, "request_id", web.RequestID(r.Context()))
			}
			panic(http.ErrAbortHandler)
		}
		if !started {
			start()
		}
		_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)) // unsupported by test recorders: harmless
		props, err := h.audience.ColumnValues(r.Context(), b.ID, batch, in.Cols)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				h.respond.Log.ErrorContext(r.Context(), "csv export failed mid-stream", "err", err, "bot", b.ID, "request_id", web.RequestID(r.Context()))
			}
			panic(http.ErrAbortHandler)
		}
		for i := range batch {
			cw.Write(views.CSVPropCells(views.CSVRecord(&batch[i], rec), props[batch[i].UserID], in.Cols))
		}
		cw.Flush()
		if cw.Error() != nil {
			return // the client went away
		}
		_ = rc.Flush()
	}
	if !started {
		start()
	}
	cw.Flush()
}

// exportFilename is e.g. "shop_bot-users-blocked-2026-11-21.csv".
func exportFilename(b *models.Bot, in contract.ListBotUsersRequest) string {
	parts := []string{b.Username, "users"}
	if in.Status != "" {
		parts = append(parts, in.Status)
	}
	if in.Q != "" {
		parts = append(parts, "search")
	}
	if !in.Filter().AudienceFilter.Empty() || in.Segment != "" {
		parts = append(parts, "filtered")
	}
	parts = append(parts, models.Now().Format(time.DateOnly))
	return strings.Join(parts, "-") + ".csv"
}

// Block blocks a user: their updates are recorded but not answered.
func (h *Users) Block(w http.ResponseWriter, r *http.Request) { h.setBlocked(w, r, true) }

// Unblock lifts the block.
func (h *Users) Unblock(w http.ResponseWriter, r *http.Request) { h.setBlocked(w, r, false) }

func (h *Users) setBlocked(w http.ResponseWriter, r *http.Request, blocked bool) {
	var in contract.UserActionRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("user"))
		return
	}
	res, err := h.audience.SetBlocked(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID, blocked)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	back := usersListURL(res.Bot.ID, in.Back)
	name := views.UserDisplayName(res.User)
	flash := "Unblocked " + name + "."
	if blocked {
		flash = "Blocked " + name + ": their messages are recorded but not answered, and broadcasts skip them."
	}
	// htmx swaps the row in place (with the message as a toast); a
	// browser without JavaScript goes back to the list it was on.
	row := func(ctx context.Context) (views.UserRowVM, error) {
		vm := views.UserRowVM{BotID: res.Bot.ID, User: *res.User, NoPhoto: res.NoPhoto, Back: back, Focus: true}
		// The list's property columns (cols in the list's URL) stay filled.
		if cols := listCols(back); len(cols) > 0 {
			props, err := h.audience.ColumnValues(ctx, res.Bot.ID, []models.BotUser{*res.User}, cols)
			if err != nil {
				return vm, err
			}
			for _, c := range cols {
				vm.Cells = append(vm.Cells, views.PropText(props[res.User.UserID][c]))
			}
		}
		return vm, nil
	}
	h.respond.Respond(w, r, web.Response{
		Data:     contract.BotUserOf(res.User, apiPhotoURL(res.Bot.ID, res.User.UserID, map[int64]bool{res.User.UserID: res.NoPhoto}), res.Tags),
		Fragment: web.Render(row, views.UserRow),
		Redirect: back,
		Flash:    flash,
	})
}

// listCols are the property columns of a users list URL (cols=…).
func listCols(listURL string) []string {
	u, err := url.Parse(listURL)
	if err != nil {
		return nil
	}
	in := contract.ListBotUsersRequest{Cols: u.Query()["cols"]}
	in.Normalize()
	if in.Problems() != nil {
		return nil
	}
	return in.Cols
}

// usersListURL is where a block form returns: the list it came from when
// that is this bot's users list (or the user's page), else the list's
// first page.
func usersListURL(botID, back string) string {
	base := "/bots/" + botID + "/users"
	if rest, ok := strings.CutPrefix(back, base); ok && (rest == "" || rest[0] == '?') && web.SafeNext(back) == back {
		return back
	}
	if rest, ok := strings.CutPrefix(back, base+"/"); ok { // the user's own page
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 && strconv.FormatInt(id, 10) == rest {
			return back
		}
	}
	return base
}

// Photo serves a user's profile photo from the server's cache (fetched
// through the Bot API when missing or stale), with an ETag so browsers
// revalidate cheaply. The token-bearing Telegram file URL never leaves
// the server.
func (h *Users) Photo(w http.ResponseWriter, r *http.Request) {
	userID, ok := userIDOf(r)
	if !ok {
		h.photoFailed(w, r, nil, apperr.NotFound("user"))
		return
	}
	u, p, err := h.audience.UserPhoto(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID)
	if err != nil {
		h.photoFailed(w, r, u, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", p.ContentType)
	hd.Set("Cache-Control", "private, max-age=3600")
	hd.Set("ETag", p.ETag)
	// ServeContent answers If-None-Match with 304, and HEAD and ranges.
	http.ServeContent(w, r, "", p.FetchedAt, bytes.NewReader(p.Body))
}

// photoFailed answers a photo request that has no photo to give. The API
// gets the JSON error; an <img> cannot show an error page, so the
// dashboard's route answers with a placeholder picture (the user's
// initials when the user is known): 200 for a user without a photo, the
// error's status otherwise.
func (h *Users) photoFailed(w http.ResponseWriter, r *http.Request, u *models.BotUser, err error) {
	if web.IsAPI(r) {
		h.respond.Fail(w, r, err)
		return
	}
	status, cache := http.StatusInternalServerError, "no-store"
	e, _ := apperr.AsError(err)
	switch {
	case errors.Is(err, core.ErrNoPhoto):
		// The initials are this user's picture: 200, so a page of users
		// without photos logs no failed request per row.
		status, cache = http.StatusOK, "private, max-age=3600"
	case e != nil && e.Kind == apperr.KindNotFound:
		status, u = http.StatusNotFound, nil // reveal nothing about the bot or user
	case e != nil && e.Kind == apperr.KindUpstream:
		status = http.StatusBadGateway
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // nobody is waiting for the picture
	default:
		h.respond.Log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", web.RequestID(r.Context()))
	}
	body := views.AvatarPlaceholderSVG(u)
	hd := w.Header()
	hd.Set("Content-Type", "image/svg+xml")
	hd.Set("Cache-Control", cache)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

// userIDOf reads the {userId} path parameter: a positive Telegram id.
func userIDOf(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("userId"), 10, 64)
	return id, err == nil && id > 0
}
