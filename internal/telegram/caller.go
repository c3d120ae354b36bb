package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	ta "github.com/mymmrac/telego/telegoapi"
)

// maxAnswerBytes bounds a Bot API answer held in memory. A full getUpdates
// batch (100 updates) is usually well under 1 MiB.
const maxAnswerBytes = 16 << 20

// httpCaller is telego's transport (a telegoapi.Caller) over net/http.
//
// telego ships one too, but its errors embed the request URL — which holds the
// token — and it turns every 5xx into a bare "internal server error" without
// reading Telegram's JSON answer. This one strips URLs from transport errors,
// reads the Bot API answer for any status code, and reports anything that is
// not a Bot API answer as a network *Error.
type httpCaller struct {
	client *http.Client
}

var _ ta.Caller = httpCaller{}

// Call posts data to url and decodes the Bot API envelope.
func (h httpCaller) Call(ctx context.Context, url string, data *ta.RequestData) (*ta.Response, error) {
	var body io.Reader
	switch {
	case data.BodyRaw != nil:
		body = bytes.NewReader(data.BodyRaw)
	case data.BodyStream != nil:
		body = data.BodyStream
	default:
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	req.Header.Set("Content-Type", data.ContentType)
	req.Header.Set("Accept", "application/json")

	resp, err := h.client.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()

	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if len(raw) > maxAnswerBytes {
		return nil, &Error{Description: "answer larger than 16 MiB", cause: errors.New("answer too large")}
	}
	return decodeAnswer(resp, raw)
}

// envelope is the Bot API answer: {"ok":true,"result":…} or
// {"ok":false,"error_code":N,"description":"…","parameters":{…}}.
type envelope struct {
	OK          *bool                  `json:"ok"`
	Result      json.RawMessage        `json:"result"`
	ErrorCode   int                    `json:"error_code"`
	Description string                 `json:"description"`
	Parameters  *ta.ResponseParameters `json:"parameters"`
}

func decodeAnswer(resp *http.Response, raw []byte) (*ta.Response, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.OK == nil || (!*env.OK && env.ErrorCode == 0) {
		return nil, notAnAnswer(resp)
	}
	if *env.OK {
		return &ta.Response{Ok: true, Result: env.Result}, nil
	}
	return &ta.Response{Ok: false, Error: &ta.Error{
		ErrorCode:   env.ErrorCode,
		Description: env.Description,
		Parameters:  env.Parameters,
	}}, nil
}

// notAnAnswer describes a response that did not come from the Bot API (an
// HTML error page from a proxy, a truncated body) without quoting the body.
func notAnAnswer(resp *http.Response) *Error {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no content type"
	}
	msg := fmt.Sprintf("unexpected answer: HTTP %d (%s)", resp.StatusCode, ct)
	return &Error{Description: msg, cause: errors.New(msg)}
}

// transportError wraps a failure to get any answer. The request URL (and so
// the token) lives in *url.Error; only its inner error is kept. A done context
// is reported as the context's own error so errors.Is(err, context.Canceled)
// keeps working.
func transportError(ctx context.Context, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Description: ctxErr.Error(), cause: ctxErr}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return &Error{Description: err.Error(), cause: err}
}
