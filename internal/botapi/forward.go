package botapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Forwarder sends what a managed bot's own code asks of the Bot API — calls
// through the proxy and webhook replies the relay received — to the Bot
// API server Botdeck is configured with (BOTDECK_TELEGRAM_API_URL). It is
// the one place such sends leave Botdeck: routing them through a per-bot
// outbox (shared rate limit, recorded as outgoing messages) happens here.
type Forwarder struct {
	base string
	http *http.Client
}

// NewForwarder forwards to baseURL (no trailing slash) with hc, or with a
// client of its own when hc is nil.
func NewForwarder(baseURL string, hc *http.Client) *Forwarder {
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 100
		hc = &http.Client{Transport: tr}
	}
	return &Forwarder{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// maxAnswer bounds an answer read into memory (CallJSON); file downloads
// are streamed instead.
const maxAnswer = 8 << 20

// Forward sends one request for token to path under the Bot API server
// ("bot<token>/<method>" or "file/bot<token>/<file path>") and returns the
// server's response for the caller to stream back and close. Errors never
// hold the URL (it holds the token).
func (f *Forwarder) Forward(ctx context.Context, method, path, rawQuery string, header http.Header, body io.Reader) (*http.Response, error) {
	u := f.base + "/" + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, errors.New("botapi: request could not be built")
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Accept", "Range", "If-None-Match", "If-Modified-Since"} {
		if v := header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if cl := header.Get("Content-Length"); cl != "" {
		fmt.Sscan(cl, &req.ContentLength)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the message would quote the URL, token included
		}
		return nil, fmt.Errorf("botapi: Telegram unreachable: %w", err)
	}
	return resp, nil
}

// CallJSON calls method for token with a JSON body and returns Telegram's
// HTTP status and answer (bounded).
func (f *Forwarder) CallJSON(ctx context.Context, token, method string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	resp, err := f.Forward(ctx, http.MethodPost, "bot"+token+"/"+method, "", h, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, answer, err
}
