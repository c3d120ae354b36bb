package handlers

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Export downloads a bot's setup as one JSON document and imports such a
// document into a bot (core.Exports).
type Export struct {
	respond *web.Responder
	bind    *web.Binder
	exports *core.Exports
	code    *core.Code
}

// NewExport returns the export and import handlers.
func NewExport(d Deps) *Export {
	return &Export{respond: d.Respond, bind: d.Bind, exports: core.NewExports(d.Code, d.Replies, d.Campaigns), code: d.Code}
}

// Download answers the bot's export document as an attachment (the file
// itself, not wrapped in {"data"}: it is what an import takes).
func (h *Export) Download(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, err := h.exports.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	doc, err := h.exports.Export(r.Context(), b)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	name := "botdeck-" + strings.TrimPrefix(b.Username, "@") + ".json"
	if b.Username == "" {
		name = "botdeck-" + b.ID + ".json"
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	hd.Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}

// Import applies an export document to the bot: POST
// /api/bots/{id}/import with the document as the body, ?dryRun=true to
// only list what would change.
func (h *Export) Import(w http.ResponseWriter, r *http.Request) {
	b, err := h.exports.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	dryRun := false
	if v := r.URL.Query().Get("dryRun"); v != "" {
		if dryRun, err = strconv.ParseBool(v); err != nil {
			h.respond.Fail(w, r, apperr.Invalid("", apperr.FieldErrors{"dryRun": "must be true or false"}))
			return
		}
	}
	var doc contract.BotExport
	if err := h.bind.Bind(r, &doc); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res, err := h.exports.Import(r.Context(), b, web.OwnerOf(r), &doc, dryRun)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Import · " + b.Name, Data: res})
}

// ImportForm is the settings page's "Import / copy" form: a dry run shows
// what would change with a button to confirm, which imports.
func (h *Export) ImportForm(w http.ResponseWriter, r *http.Request) {
	userID := web.OwnerOf(r)
	b, err := h.exports.Bot(r.Context(), userID, r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.ImportFormRequest
	vm := views.ImportVM{}
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		return web.Response{Title: "Settings · " + b.Name, Page: h.page(r, b, views.ImportVM{Error: msg, From: in.From})}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	_, raw, err := web.FormFile(r, "file", models.MaxUploadSize+web.UploadOverhead)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if raw == nil && in.Document != "" {
		raw = []byte(in.Document)
	}
	doc, err := h.exports.Document(r.Context(), userID, in.From, raw)
	if err == nil {
		vm.Result, err = h.exports.Import(r.Context(), b, userID, doc, !in.Confirm)
	}
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if in.Confirm {
		h.respond.Respond(w, r, web.Response{Redirect: "/bots/" + b.ID + "/settings", Flash: "Setup imported."})
		return
	}
	vm.From = in.From
	if raw != nil {
		vm.Document = string(raw)
	}
	h.respond.Respond(w, r, web.Response{Title: "Settings · " + b.Name, Page: h.page(r, b, vm)})
}

// page draws the settings page with the import form's state.
func (h *Export) page(r *http.Request, b *models.Bot, imp views.ImportVM) web.View {
	userID := web.OwnerOf(r)
	return web.Render(func(ctx context.Context) (views.SettingsVM, error) {
		p, err := h.code.Settings(ctx, userID, b.ID)
		if err != nil {
			return views.SettingsVM{}, err
		}
		sources, err := h.code.CopySources(ctx, userID, b.ID)
		vm := views.NewSettingsVM(p.Bot, p.Settings)
		vm.Sources, vm.Import = sources, &imp
		return vm, err
	}, views.SettingsPage)
}
