package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Code handles a bot's code: the editor page and its API twin, saves,
// versions, restores and the test panel. Every handler checks that the bot
// is the caller's before it reads the request body, so another account's
// bot answers 404 whatever was sent.
type Code struct {
	respond   *web.Responder
	bind      *web.Binder
	code      *core.Code
	publicURL string
}

// NewCode returns the code handlers.
func NewCode(d Deps) *Code {
	return &Code{respond: d.Respond, bind: d.Bind, code: d.Code, publicURL: d.PublicURL}
}

// editorAssets are the built files only the editor page loads (CodeMirror
// brings its styles itself, see static/src/editor.js).
var editorAssets = struct{ js, css []string }{[]string{"editor.js"}, nil}

// Show renders the editor, the panels beside it (as an htmx fragment, which
// the editor reloads after a save), or the current code as JSON.
func (h *Code) Show(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	p, err := h.code.Page(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	base := baseURL(r, h.publicURL)
	vm := func(context.Context) (views.CodeVM, error) {
		return views.NewCodeVM(p.Bot, p.Current, p.UpdateHandlers, p.Versions, p.Errors, base), nil
	}
	h.respond.Respond(w, r, web.Response{
		Title: "Code · " + p.Bot.Name, Page: web.Render(vm, views.CodePage), Fragment: web.Render(vm, views.CodePanels),
		PageJS: editorAssets.js, PageCSS: editorAssets.css, Data: p.JSON(),
	})
}

// Save compiles and stores the source as a new version. A compile error
// is a 422 compile_error and saves nothing: the page shows it at its line,
// the API error carries line and column next to the message.
func (h *Code) Save(w http.ResponseWriter, r *http.Request) {
	user := web.UserOf(r)
	b, err := h.code.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.SaveCodeRequest
	var compileErr *core.CompileError
	form := func(_ apperr.FieldErrors, msg string) web.Response {
		return web.Response{Title: "Code · " + b.Name, Page: h.editorAfter(r, b, func(vm *views.CodeVM) {
			vm.Source = in.Source
			vm.Starter = false
			if in.BaseVersion != nil {
				vm.Version = *in.BaseVersion
			}
			if compileErr != nil {
				vm.Compile = &views.CompileErrorVM{Message: compileErr.Message, Line: compileErr.Line, Column: compileErr.Column}
			} else {
				vm.Message = msg
			}
		}), PageJS: editorAssets.js, PageCSS: editorAssets.css}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	saved, err := h.code.Save(r.Context(), b, user.ID, in)
	if err != nil {
		errors.As(err, &compileErr) // the form shows it at its line
		h.respond.Fail(w, r, err, form)
		return
	}
	flash := "Saved version " + strconv.Itoa(saved.Version.Version) + "."
	if !saved.Changed {
		flash = "Nothing changed: version " + strconv.Itoa(saved.Version.Version) + " is the current code."
	}
	h.respond.Respond(w, r, web.Response{Data: saved.JSON(), Redirect: "/bots/" + b.ID + "/code", Flash: flash})
}

// editorAfter is the editor page changed by edit, loading what it shows
// when it is drawn.
func (h *Code) editorAfter(r *http.Request, b *models.Bot, edit func(*views.CodeVM)) web.View {
	ownerID, base := web.OwnerOf(r), baseURL(r, h.publicURL)
	vm := func(ctx context.Context) (views.CodeVM, error) {
		p, err := h.code.Page(ctx, ownerID, b.ID)
		if err != nil {
			return views.CodeVM{}, err
		}
		vm := views.NewCodeVM(p.Bot, p.Current, p.UpdateHandlers, p.Versions, p.Errors, base)
		edit(&vm)
		return vm, nil
	}
	return web.Render(vm, views.CodePage)
}

// Versions lists the kept versions, newest first.
func (h *Code) Versions(w http.ResponseWriter, r *http.Request) {
	var in contract.ListCodeVersionsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list, err := h.code.Versions(r.Context(), web.OwnerOf(r), r.PathValue("id"), in.Page)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.CodeVersionJSON, len(list.Versions))
	for i := range list.Versions {
		data[i] = contract.CodeVersionOf(&list.Versions[i], list.Bot.CodeVersion)
	}
	pagination := contract.Paginate(in.Page, list.Total)
	vm := func(context.Context) (views.CodeVersionsVM, error) {
		return views.CodeVersionsVM{Bot: list.Bot, Versions: list.Versions, Pagination: pagination}, nil
	}
	h.respond.Respond(w, r, web.Response{Title: "Code versions · " + list.Bot.Name, Page: web.Render(vm, views.CodeVersionsPage),
		Data: data, Pagination: &pagination})
}

// Version shows one version with its source.
func (h *Code) Version(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, v, err := h.code.Version(r.Context(), web.OwnerOf(r), r.PathValue("id"), r.PathValue("version"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: views.VersionLabel(v.Version) + " · " + b.Name,
		Page: web.Static(views.CodeVersionPage(views.CodeVersionVM{Bot: b, Version: v})),
		Data: contract.CodeVersionSourceJSON{CodeVersionJSON: contract.CodeVersionOf(v, b.CodeVersion), Source: v.Source}})
}

// Restore saves an earlier version again as the new current version.
func (h *Code) Restore(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	user := web.UserOf(r)
	b, err := h.code.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	saved, err := h.code.Restore(r.Context(), b, user.ID, r.PathValue("version"))
	if err != nil {
		form := func(_ apperr.FieldErrors, msg string) web.Response {
			_, v, verr := h.code.Version(r.Context(), web.OwnerOf(r), b.ID, r.PathValue("version"))
			if verr != nil {
				return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: http.StatusNotFound, Message: "Version not found."}))}
			}
			return web.Response{Title: views.VersionLabel(v.Version) + " · " + b.Name, Page: web.Static(views.CodeVersionPage(views.CodeVersionVM{Bot: b, Version: v, Message: msg}))}
		}
		h.respond.Fail(w, r, err, form)
		return
	}
	flash := "Restored version " + r.PathValue("version") + " as version " + strconv.Itoa(saved.Version.Version) + "."
	if !saved.Changed {
		flash = "Version " + strconv.Itoa(saved.Version.Version) + " is already the current code."
	}
	h.respond.Respond(w, r, web.Response{Data: saved.JSON(), Redirect: "/bots/" + b.ID + "/code", Flash: flash})
}

// Test runs one request against the saved code as the custom webhook
// would. The page shows the answer in the test panel (htmx swaps just the
// outcome); the API returns {status, headers, body, logs, durationMs}.
func (h *Code) Test(w http.ResponseWriter, r *http.Request) {
	b, err := h.code.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.TestCodeRequest
	page := func(t views.TestFormVM) web.Response {
		return web.Response{Title: "Code · " + b.Name, Fragment: web.Static(views.TestOutcome(t)),
			Page: h.editorAfter(r, b, func(vm *views.CodeVM) { vm.Test = t }), PageJS: editorAssets.js, PageCSS: editorAssets.css}
	}
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		return page(views.TestFormFromRequest(in, fields, msg))
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if in.Update != nil {
		h.simulate(w, r, b, in)
		return
	}
	run, err := h.code.Test(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	out := run.JSON()
	t := views.TestFormFromRequest(in, nil, "")
	logs := make([]views.TestLogVM, len(out.Logs))
	for i, l := range out.Logs {
		logs[i] = views.TestLogVM{Level: l.Level, Message: l.Message}
	}
	var e *views.TestErrorVM
	if f := out.Error; f != nil {
		e = &views.TestErrorVM{Kind: f.Kind, Message: f.Message, Stack: f.Stack, Line: f.Line, Column: f.Column}
	}
	t.Result = views.NewTestResultVM(out.Status, out.Headers, out.Body, logs, out.LogsDropped, run.Response.Duration, e)
	res := page(t)
	res.Data = out
	h.respond.Respond(w, r, res)
}

// simulate is Test with an update: the update handlers run on it, and the
// page shows the messages the bot would send in the simulate panel.
func (h *Code) simulate(w http.ResponseWriter, r *http.Request, b *models.Bot, in contract.TestCodeRequest) {
	page := func(t views.SimulateFormVM) web.Response {
		return web.Response{Title: "Code · " + b.Name, Fragment: web.Static(views.SimulateOutcome(t)),
			Page: h.editorAfter(r, b, func(vm *views.CodeVM) { vm.Simulate = t }), PageJS: editorAssets.js, PageCSS: editorAssets.css}
	}
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		return page(views.SimulateFormFromRequest(in, fields, msg))
	}
	run, err := h.code.Test(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	out := run.SimulationJSON()
	t := views.SimulateFormFromRequest(in, nil, "")
	res := &views.SimulateResultVM{Handled: out.Handled, Duration: run.Update.Duration, LogsDropped: out.LogsDropped}
	if out.Handler != nil {
		res.Handler = *out.Handler
	}
	for _, m := range out.Messages {
		res.Messages = append(res.Messages, views.NewSimulatedMessageVM(m.Method, m.Params))
	}
	for _, a := range out.Actions {
		res.Actions = append(res.Actions, views.UserActionText(a.Op, a.Name, a.Value))
	}
	for _, l := range out.Logs {
		res.Logs = append(res.Logs, views.TestLogVM{Level: l.Level, Message: l.Message})
	}
	if f := out.Error; f != nil {
		res.Error = &views.TestErrorVM{Kind: f.Kind, Message: f.Message, Stack: f.Stack, Line: f.Line, Column: f.Column}
	}
	t.Result = res
	resp := page(t)
	resp.Data = out
	h.respond.Respond(w, r, resp)
}
