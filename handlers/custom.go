package handlers

import (
	"io"
	"net/http"
	"strconv"

	"github.com/botdeck/botdeck/internal/core"
)

// Custom serves bots' public webhooks, ANY /custom/{botId}/{path}
// (internal/core/code_webhook.go has the whole contract). It is not part of /api: no session, no API key
// and no rate limit apply, and it writes its own envelope — the handler's
// status, headers and {"ok", "message"?, "data"?}, or {"ok": false,
// "error": {"code", "message"}} — never an HTML error page.
type Custom struct {
	code *core.Code
}

// NewCustom returns the custom webhook handler.
func NewCustom(d Deps) *Custom { return &Custom{code: d.Code} }

// Serve answers one request. The query string becomes an object of
// strings (the first value of a repeated key); the body is read only once
// the bot and the handler are known.
func (h *Custom) Serve(w http.ResponseWriter, r *http.Request) {
	botID, path := r.PathValue("botId"), r.PathValue("path")
	values := r.URL.Query()
	query := make(map[string]string, len(values))
	for k, v := range values {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	resp := h.code.Serve(r.Context(), botID, core.WebhookRequest{
		Path: path, Method: r.Method, Query: query,
		ReadBody: func() ([]byte, error) { return io.ReadAll(r.Body) },
		Source:   r.Method + " /custom/" + botID + "/" + path,
	})
	hd := w.Header()
	resp.WriteHeaders(hd)
	noBody := r.Method == http.MethodHead || resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified
	if !noBody {
		hd.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	w.WriteHeader(resp.Status)
	if !noBody {
		w.Write(resp.Body)
	}
}
