package handlers

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// importWindow is how long each batch of an import may take to arrive
// and be written: the server's ReadTimeout bounds a whole request, and a
// million rows take longer, so the deadline moves with every batch.
const importWindow = time.Minute

// csvTypes are the body types an import takes besides multipart.
var csvTypes = []string{"text/csv", "text/plain", "application/csv"}

// UserImports imports a bot's users from CSV: at once from the API, or
// staged, previewed with a column mapping and run in the background from
// the dashboard (core/audience_import*.go).
type UserImports struct {
	respond  *web.Responder
	bind     *web.Binder
	audience *core.Audience
}

// NewUserImports returns the import handlers.
func NewUserImports(d Deps) *UserImports {
	return &UserImports{respond: d.Respond, bind: d.Bind, audience: d.Audience}
}

// queryOnly is r as Bind sees a request without body: its query string
// alone is decoded (strictly on /api).
func queryOnly(r *http.Request) *http.Request {
	q := *r
	q.Method = http.MethodGet
	return &q
}

// Import reads a CSV body (or its multipart part "file") and imports its
// users: {imported, updated, rejected, rejectedTotal}.
func (h *UserImports) Import(w http.ResponseWriter, r *http.Request) {
	var in contract.ImportUsersRequest
	if err := h.bind.Bind(queryOnly(r), &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	extend := func() {
		_ = rc.SetReadDeadline(time.Now().Add(importWindow)) // unsupported by test recorders: harmless
		_ = rc.SetWriteDeadline(time.Now().Add(importWindow))
	}
	extend()
	open := func() (io.Reader, error) {
		_, body, err := web.UploadStream(r, "file", csvTypes...)
		return body, err
	}
	res, err := h.audience.ImportCSV(r.Context(), web.OwnerOf(r), r.PathValue("id"), open, func(*core.ImportResult) error {
		extend()
		return nil
	})
	if err != nil {
		h.respond.Fail(w, r, web.UploadTooLarge(err, core.MaxUserImportSize))
		return
	}
	h.respond.Respond(w, r, web.Response{Data: importJSON(res)})
}

func importJSON(res *core.ImportResult) contract.ImportUsersJSON {
	out := contract.ImportUsersJSON{Imported: res.Imported, Updated: res.Updated, RejectedTotal: res.RejectedTotal,
		Rejected: make([]contract.ImportRejectionJSON, len(res.Rejected))}
	for i, x := range res.Rejected {
		out.Rejected[i] = contract.ImportRejectionJSON{Line: x.Line, Error: x.Error}
	}
	return out
}

// Form is the page that uploads a file to import.
func (h *UserImports) Form(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, err := h.audience.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := views.UserImportUploadVM{Bot: b}
	h.respond.Respond(w, r, web.Response{Title: "Import users · " + b.Name, Page: web.Static(views.UserImportUploadPage(vm))})
}

// Stage stores the uploaded file and goes to its preview.
func (h *UserImports) Stage(w http.ResponseWriter, r *http.Request) {
	b, err := h.audience.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	form := func(f apperr.FieldErrors, msg string) web.Response {
		vm := views.UserImportUploadVM{Bot: b, Error: views.FieldsText(msg, f)}
		return web.Response{Title: "Import users · " + b.Name, Page: web.Static(views.UserImportUploadPage(vm))}
	}
	name, file, err := web.UploadStream(r, "file")
	if err == nil {
		var imp *models.UserImport
		imp, err = h.audience.StageImport(r.Context(), web.OwnerOf(r), b.ID, name, file)
		if err == nil {
			h.respond.Respond(w, r, web.Response{Redirect: views.UserImportPath(b.ID, imp.ID)})
			return
		}
	}
	h.respond.Fail(w, r, web.UploadTooLarge(err, core.MaxUserImportSize), form)
}

// Show is an import's page: the preview and mapping while staged, then
// progress (the fragment polls itself) and the outcome.
func (h *UserImports) Show(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	st, err := h.audience.ImportState(r.Context(), web.OwnerOf(r), r.PathValue("id"), r.PathValue("importId"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(context.Context) (views.UserImportVM, error) { return importVM(st, nil, ""), nil }
	h.respond.Respond(w, r, web.Response{Title: "Import users · " + st.Bot.Name,
		Page: web.Render(vm, views.UserImportPage), Fragment: web.Render(vm, views.UserImportStatus)})
}

// Run starts a staged import with the mapping chosen.
func (h *UserImports) Run(w http.ResponseWriter, r *http.Request) {
	var in contract.ImportMappingRequest
	botID, importID := r.PathValue("id"), r.PathValue("importId")
	st, err := h.audience.ImportState(r.Context(), web.OwnerOf(r), botID, importID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var cols []core.ImportColumn
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return web.Response{Title: "Import users · " + st.Bot.Name,
			Page: web.Static(views.UserImportPage(importVM(st, cols, views.FieldsText(msg, f))))}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	cols = make([]core.ImportColumn, len(in.Field))
	for i, f := range in.Field {
		cols[i].Field = f
		if f == core.FieldProp && i < len(in.Prop) {
			cols[i].Prop = core.PropertyNameOf(in.Prop[i])
		}
	}
	if _, err := h.audience.RunImport(r.Context(), web.OwnerOf(r), botID, importID, cols); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Redirect: views.UserImportPath(st.Bot.ID, importID)})
}

// importVM is the page's view of an import; cols and msg are a refused
// mapping and why.
func importVM(st *core.ImportState, cols []core.ImportColumn, msg string) views.UserImportVM {
	imp := st.Import
	vm := views.UserImportVM{Bot: st.Bot, ID: imp.ID, FileName: imp.FileName, Size: imp.Size, Status: imp.Status,
		Stalled: st.Stalled, Comma: st.Comma, Rows: st.Rows, Error: msg,
		BytesRead: st.Result.BytesRead, RowsRead: st.Result.Rows, Imported: st.Result.Imported, Updated: st.Result.Updated,
		RejectedTotal: st.Result.RejectedTotal}
	if vm.Error == "" && imp.Status == models.ImportFailed {
		vm.Error = imp.Error
	}
	if cols == nil {
		cols = st.Columns
	}
	for i, h := range st.Header {
		c := views.ImportColumnVM{Index: i, Header: h, Field: core.FieldIgnore}
		if i < len(cols) {
			c.Field, c.Prop = cols[i].Field, cols[i].Prop
		}
		if c.Prop == "" {
			c.Prop = core.PropertyNameOf(h)
		}
		vm.Columns = append(vm.Columns, c)
	}
	for _, x := range st.Result.Rejected {
		vm.Rejected = append(vm.Rejected, views.ImportRejectionVM{Line: x.Line, Error: x.Error})
	}
	return vm
}
