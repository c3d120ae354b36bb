package handlers

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	query := firstValues(r.URL.RawQuery)
	resp := h.code.Serve(r.Context(), botID, core.WebhookRequest{
		Path: path, Method: r.Method, Query: query,
		ReadBody: func() ([]byte, error) {
			if r.ContentLength == 0 {
				return nil, nil // no body (a GET): io.ReadAll would allocate 512 bytes for nothing
			}
			return io.ReadAll(r.Body)
		},
		Source: r.Method + " /custom/" + botID + "/" + path,
	})
	writeAnswer(w, r, resp)
}

// CustomFailed answers a /custom request that failed outside the webhook's
// own checks (a panic its middleware recovered) with the webhook's 500
// envelope: its callers read JSON, never the dashboard's HTML error page.
func CustomFailed(w http.ResponseWriter, r *http.Request, _ error) {
	writeAnswer(w, r, core.WebhookInternalError())
}

// writeAnswer writes a webhook answer: its status, headers and envelope.
func writeAnswer(w http.ResponseWriter, r *http.Request, resp *core.WebhookResponse) {
	hd := w.Header()
	resp.WriteHeaders(hd)
	noBody := r.Method == http.MethodHead || resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified
	if !noBody && len(resp.Body) > 1024 {
		// net/http sets Content-Length itself for a body written at once
		// that is under a few KB (http.ResponseWriter.Write); a larger
		// one would be chunked.
		hd.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	w.WriteHeader(resp.Status)
	if !noBody {
		w.Write(resp.Body)
	}
}

// firstValues parses a query string as url.ParseQuery does (pairs it
// cannot decode and pairs with a semicolon are skipped) and keeps the first
// value of each key, without building the url.Values it would drop.
func firstValues(raw string) map[string]string {
	query := map[string]string{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		if _, seen := query[k]; seen {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		query[k] = v
	}
	return query
}
