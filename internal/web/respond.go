package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/static"
	"github.com/botdeck/botdeck/views"
	"github.com/botdeck/botdeck/views/layout"
)

// Response is what a handler produces. The same value becomes a full page,
// an htmx fragment or the JSON envelope, depending on the request; handlers
// never branch on the format. Page and Fragment are Views: they run only
// when the request wants HTML, so the JSON answer never pays for what only
// a page shows.
type Response struct {
	Status     int      // default 200
	Title      string   // page title
	Page       View     // page content, wrapped in the layout
	Fragment   View     // what htmx swaps in; defaults to Page
	PageJS     []string // extra built scripts (asset names) the page needs
	PageCSS    []string // extra built stylesheets (asset names)
	Data       any      // the JSON "data"
	Pagination *contract.Pagination
	Extra      map[string]any // more top-level JSON fields ("counts", "restored")
	Redirect   string         // after a browser form post: where to go next (303); htmx gets Fragment instead when set
	Flash      string         // a success message shown after the redirect, or as a toast
}

// View draws a page or a fragment. Respond calls it only when the request
// wants HTML, so the view model — and whatever only the page shows (a
// form's counts, a picker's list) — is built there and never for JSON. An
// error it returns is answered like the handler's own errors.
type View func(ctx context.Context) (templ.Component, error)

// Static is the View of a component that needs no more work.
func Static(c templ.Component) View {
	return func(context.Context) (templ.Component, error) { return c, nil }
}

// Render is the View that builds its view model with vm and draws it with
// view, e.g. Render(vm, views.BotsPage).
func Render[VM any](vm func(context.Context) (VM, error), view func(VM) templ.Component) View {
	return func(ctx context.Context) (templ.Component, error) {
		m, err := vm(ctx)
		if err != nil {
			return nil, err
		}
		return view(m), nil
	}
}

// FormView re-renders the form a request came from with its field errors
// and summary message, keeping what the user typed.
type FormView func(fields apperr.FieldErrors, message string) Response

// Responder writes every response and every error.
type Responder struct {
	Log        *slog.Logger
	Sessions   *SessionStore
	Assets     *static.Assets
	Demo       bool
	SignupOpen bool
	// Unread counts the messages waiting unread in a signed-in account's
	// conversations, for the navigation; nil shows no count.
	Unread func(ctx context.Context, ownerID string) (int64, error)
	// Notifications counts a member's unread notifications, for the
	// header's bell; nil shows none.
	Notifications func(ctx context.Context, userID string) (int64, error)
	// Workspaces lists a signed-in user's workspaces, for the header's
	// switcher; nil shows none.
	Workspaces func(ctx context.Context, userID string) ([]models.Membership, error)
}

// Respond writes res in the format the request asks for.
func (x *Responder) Respond(w http.ResponseWriter, r *http.Request, res Response) {
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case IsAPI(r):
		w.Header().Add("Vary", "HX-Request")
		x.writeJSON(w, r, status, successBody(res))
	case res.Redirect != "" && r.Method != http.MethodGet && !(IsFragment(r) && res.Fragment != nil):
		// A form post moves the browser on; an htmx post whose response
		// has a Fragment gets it swapped in place instead (below).
		w.Header().Add("Vary", "HX-Request")
		if res.Flash != "" {
			x.addFlash(w, r, "success", res.Flash)
		}
		if IsFragment(r) {
			// htmx follows HX-Location with a boosted-style navigation.
			w.Header().Set("HX-Location", res.Redirect)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
	default:
		x.respondHTML(w, r, status, res)
	}
}

// respondHTML draws res as a full page, or as an htmx fragment (Fragment,
// else Page) with the flash as a toast. The view runs before anything is
// written, so a failure to build it is answered as a proper error.
func (x *Responder) respondHTML(w http.ResponseWriter, r *http.Request, status int, res Response) {
	fragment := IsFragment(r)
	view := res.Page
	if fragment && res.Fragment != nil {
		view = res.Fragment
	}
	var body templ.Component
	if view != nil {
		c, err := view(r.Context())
		if err != nil {
			x.Fail(w, r, err)
			return
		}
		body = c
	}
	w.Header().Add("Vary", "HX-Request")
	if fragment {
		if res.Flash != "" {
			setToast(w, "success", res.Flash)
		}
		x.writeHTML(w, r, status, body)
		return
	}
	x.writeHTML(w, r, status, layout.Page(x.chrome(w, r, res), body))
}

// Fail writes err. A *RequestError or an *apperr.Error becomes its status
// and code; anything else is a 500 logged once with the request id. On a
// browser request with a form, the form is shown again with the errors and
// the input kept.
func (x *Responder) Fail(w http.ResponseWriter, r *http.Request, err error, form ...FormView) {
	p := x.classify(r, err)
	if p.status == http.StatusTooManyRequests && p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.retryAfter.Seconds()+0.999)))
	}
	w.Header().Add("Vary", "HX-Request")
	switch {
	case IsAPI(r):
		x.writeJSON(w, r, p.status, errorBody(p))
	case len(form) > 0 && form[0] != nil && !p.internal:
		res := form[0](p.fields, p.message)
		res.Status = p.status
		res.Redirect, res.Flash = "", ""
		x.Respond(w, r, res)
	case p.status == http.StatusUnauthorized && !IsFragment(r):
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case IsFragment(r):
		setToast(w, "error", p.message)
		w.Header().Set("HX-Reswap", "none")
		w.WriteHeader(p.status)
	default:
		page := views.ErrorPage(views.ErrorVM{Status: p.status, Message: p.message})
		x.writeHTML(w, r, p.status, layout.Page(x.chrome(w, r, Response{Title: http.StatusText(p.status)}), page))
	}
}

// problem is an error as the client sees it.
type problem struct {
	status     int
	code       string
	message    string
	fields     apperr.FieldErrors
	details    map[string]any
	retryAfter time.Duration
	internal   bool // our fault (or nobody's): never shown as a form's error
}

// classify maps err to what the client is told, logging internal errors
// once.
func (x *Responder) classify(r *http.Request, err error) problem {
	var re *RequestError
	if errors.As(err, &re) {
		return problem{status: re.Status, code: re.Code, message: re.Message, fields: re.Fields}
	}
	if e, ok := apperr.AsError(err); ok && e.Kind != apperr.KindInternal {
		return problem{status: statusOf(e.Kind), code: e.Code, message: e.Message, fields: e.Fields, details: e.Details, retryAfter: e.RetryAfter}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads this answer.
		return problem{status: 499, code: "canceled", message: "The request was cancelled.", internal: true}
	}
	x.Log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()))
	return problem{status: http.StatusInternalServerError, code: "internal_error", internal: true,
		message: "Something went wrong on our side. Try again; if it keeps happening, quote request id " + RequestID(r.Context()) + "."}
}

// statusOf is the one place an error kind becomes an HTTP status.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.KindUnauthorized:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindInvalid:
		return http.StatusUnprocessableEntity
	case apperr.KindRateLimited:
		return http.StatusTooManyRequests
	case apperr.KindUpstream:
		return http.StatusBadGateway
	case apperr.KindGone:
		return http.StatusGone
	default:
		return http.StatusInternalServerError
	}
}

// successBody is the success envelope. Fields are written in a fixed
// order — ok, data, pagination, then extras by name — so answers read the
// same every time.
func successBody(res Response) envelope {
	env := envelope{{"ok", true}, {"data", emptyListIfNil(res.Data)}}
	if res.Pagination != nil {
		env = append(env, field{"pagination", res.Pagination})
	}
	extras := make([]string, 0, len(res.Extra))
	for k := range res.Extra {
		extras = append(extras, k)
	}
	sort.Strings(extras)
	for _, k := range extras {
		env = append(env, field{k, res.Extra[k]})
	}
	return env
}

func errorBody(p problem) envelope {
	errObj := envelope{{"code", p.code}, {"message", p.message}}
	if len(p.fields) > 0 {
		errObj = append(errObj, field{"fields", p.fields})
	}
	names := make([]string, 0, len(p.details))
	for k := range p.details {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		errObj = append(errObj, field{k, p.details[k]})
	}
	return envelope{{"ok", false}, {"error", errObj}}
}

// envelope is a JSON object that keeps its field order.
type envelope []field

type field struct {
	key   string
	value any
}

func (e envelope) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range e {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// emptyListIfNil makes a nil slice encode as [] rather than null, so
// clients can always iterate over list data.
func emptyListIfNil(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return []any{}
	}
	return v
}

func (x *Responder) writeJSON(w http.ResponseWriter, r *http.Request, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		x.Log.ErrorContext(r.Context(), "encode json", "err", err, "request_id", RequestID(r.Context()))
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"ok":false,"error":{"code":"internal_error","message":"The response could not be encoded."}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// writeHTML renders into a buffer first, so a rendering error still
// produces a proper 500 rather than half a page under a 200.
func (x *Responder) writeHTML(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if c != nil {
		// Views ask layout.Can(ctx, perm) to hide what the role cannot use.
		auth := AuthOf(r)
		ctx := layout.WithCan(r.Context(), func(p string) bool { return auth.Can(Perm(p)) })
		if err := c.Render(ctx, &buf); err != nil {
			x.Log.ErrorContext(r.Context(), "render page", "err", err, "path", r.URL.Path, "request_id", RequestID(r.Context()))
			status = http.StatusInternalServerError
			buf.Reset()
			buf.WriteString("<!DOCTYPE html><title>Error</title><p>Something went wrong while drawing this page.</p>")
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// chrome builds the layout's view model, taking (and so clearing) any
// flash messages waiting in the session.
func (x *Responder) chrome(w http.ResponseWriter, r *http.Request, res Response) layout.Chrome {
	c := layout.Chrome{
		Title:      res.Title,
		Path:       r.URL.Path,
		CSS:        x.Assets.URL("app.css"),
		JS:         x.Assets.URL("app.js"),
		Demo:       x.Demo,
		SignupOpen: x.SignupOpen,
		Theme:      ThemeOf(r),
	}
	for _, js := range res.PageJS {
		c.PageJS = append(c.PageJS, x.Assets.URL(js))
	}
	for _, css := range res.PageCSS {
		c.PageCSS = append(c.PageCSS, x.Assets.URL(css))
	}
	auth := AuthOf(r)
	if auth.User != nil {
		c.UserName, c.UserEmail, c.TimeZone = auth.User.DisplayName(), auth.User.Email, auth.User.TimeZone
		c.Role, c.WorkspaceID = auth.Role, auth.WorkspaceID
		for _, p := range Perms {
			if auth.Can(p) {
				c.Perms = append(c.Perms, string(p))
			}
		}
		if x.Workspaces != nil {
			ms, err := x.Workspaces(r.Context(), auth.User.ID)
			if err != nil {
				x.Log.WarnContext(r.Context(), "list workspaces for the header", "err", err)
			}
			for _, m := range ms {
				c.Workspaces = append(c.Workspaces, layout.WorkspaceChoice{ID: m.WorkspaceID, Name: m.WorkspaceName})
				if m.WorkspaceID == auth.WorkspaceID {
					c.WorkspaceName = m.WorkspaceName
				}
			}
		}
		if x.Unread != nil && auth.WorkspaceID != "" {
			n, err := x.Unread(r.Context(), auth.WorkspaceID)
			if err != nil {
				x.Log.WarnContext(r.Context(), "count unread messages for the navigation", "err", err)
			}
			c.Unread = n
		}
		c.UserID = auth.User.ID
		if x.Notifications != nil {
			n, err := x.Notifications(r.Context(), auth.User.ID)
			if err != nil {
				x.Log.WarnContext(r.Context(), "count unread notifications for the bell", "err", err)
			}
			c.Notifications = n
		}
	}
	if sess := auth.Session; sess != nil {
		if flashes := sess.Flashes(sessionFlashKey); len(flashes) > 0 {
			for _, f := range flashes {
				s, _ := f.(string)
				level, msg, ok := strings.Cut(s, "|")
				if !ok {
					level, msg = "info", s
				}
				c.Flashes = append(c.Flashes, layout.Flash{Level: level, Message: msg})
			}
			if err := sess.Save(r, w); err != nil {
				x.Log.ErrorContext(r.Context(), "save session", "err", err)
			}
		}
	}
	return c
}

// addFlash queues a message for the next page the browser shows.
func (x *Responder) addFlash(w http.ResponseWriter, r *http.Request, level, msg string) {
	sess := AuthOf(r).Session
	if sess == nil {
		var err error
		if sess, err = x.Sessions.Get(r, SessionCookie); err != nil {
			return
		}
	}
	sess.AddFlash(level+"|"+msg, sessionFlashKey)
	if err := sess.Save(r, w); err != nil {
		x.Log.ErrorContext(r.Context(), "save session", "err", err)
	}
}

// setToast asks the page (app.js) to show a toast through HX-Trigger.
// Browsers read header values as Latin-1, so everything beyond ASCII
// (“quotes”, names in any script) travels as JSON \u escapes.
func setToast(w http.ResponseWriter, level, msg string) {
	b, _ := json.Marshal(map[string]any{"toast": map[string]string{"level": level, "message": msg}})
	w.Header().Set("HX-Trigger", asciiJSON(b))
}

// asciiJSON escapes the non-ASCII characters of a JSON text as \uXXXX
// (surrogate pairs beyond the BMP); the JSON means the same.
func asciiJSON(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		if r < utf8.RuneSelf {
			sb.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&sb, "\\u%04x", u)
		}
	}
	return sb.String()
}
