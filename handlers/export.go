package handlers

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
)

// Export downloads a bot's setup as one JSON document and imports such a
// document into a bot (core.Exports).
type Export struct {
	respond *web.Responder
	bind    *web.Binder
	exports *core.Exports
}

// NewExport returns the export and import handlers.
func NewExport(d Deps) *Export {
	return &Export{respond: d.Respond, bind: d.Bind, exports: core.NewExports(d.Code, d.Replies)}
}

// Download answers the bot's export document as an attachment (the file
// itself, not wrapped in {"data"}: it is what an import takes).
func (h *Export) Download(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	b, err := h.exports.Bot(r.Context(), web.UserOf(r).ID, r.PathValue("id"))
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
	b, err := h.exports.Bot(r.Context(), web.UserOf(r).ID, r.PathValue("id"))
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
	res, err := h.exports.Import(r.Context(), b, web.UserOf(r).ID, &doc, dryRun)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Import · " + b.Name, Data: res})
}
