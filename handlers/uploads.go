package handlers

import (
	"net/http"
	"strconv"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

// Uploads receives files for replies and broadcasts and shows them to
// their owner.
type Uploads struct {
	respond *web.Responder
	uploads *core.Uploads
}

// NewUploads returns the upload handlers.
func NewUploads(d Deps) *Uploads { return &Uploads{respond: d.Respond, uploads: d.Uploads} }

// Create stores the multipart part "file" (an image or a document of at
// most 10 MB; 413 beyond, 415 for another type): 201 {id, name, size,
// contentType}.
func (h *Uploads) Create(w http.ResponseWriter, r *http.Request) {
	name, data, err := web.ReadUpload(r, "file", models.MaxUploadSize)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if !core.UploadTypeAllowed(data) {
		h.respond.Fail(w, r, web.UnsupportedUpload())
		return
	}
	u, err := h.uploads.Create(r.Context(), web.OwnerOf(r), name, data)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: contract.UploadOf(u)})
}

// Show writes one of the caller's uploads (for previews and the
// simulator); another account's is a 404. The bytes are served as an
// attachment unless they are an image, and never sniffed by the browser.
func (h *Uploads) Show(w http.ResponseWriter, r *http.Request) {
	u, err := h.uploads.Data(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", u.ContentType)
	hd.Set("Content-Length", strconv.Itoa(len(u.Data)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, max-age=86400")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if !core.IsImage(u.ContentType) {
		hd.Set("Content-Disposition", "attachment; filename="+strconv.Quote(u.Name))
	}
	w.Write(u.Data)
}
