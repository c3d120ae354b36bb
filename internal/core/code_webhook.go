package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/jsonvalue"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/models"
)

// A custom webhook request, ANY /custom/{botId}/{path}, as its public contract fixes it:
//
//   - 400 invalid_path: path is not [A-Za-z0-9_-]{1,64};
//   - 404 bot_not_found: unknown or deleted bot (checked after the path);
//   - 403 bot_halted: the bot is stopped;
//   - 400 no_handler: the current code registers no handler for path (or
//     the bot has no code);
//   - 500 handler_error: the saved code no longer compiles, the handler
//     threw or timed out. The bot's log gets an error entry with the
//     message, the stack and the line; the caller learns only that the
//     handler failed.
//
// Extensions (documented in code.yaml): 400 invalid_json when the body is
// not JSON, 413 body_too_large past 1 MiB, 503 bot_busy (Retry-After: 1)
// when the bot already runs as many requests as it may and none finished
// within the handler timeout, 500 internal_error for Botdeck's own faults.
//
// Otherwise the answer is the handler's: status response.statusCode
// (default 200), its headers, and {"ok": status < 400, "message"?, "data"?}.
// The same code serves the editor's test panel (Code.Test), so a test
// answers exactly what the webhook would.

// WebhookRequest is one request to a bot's handler.
type WebhookRequest struct {
	Path   string
	Method string
	Query  map[string]string
	// ReadBody returns the raw body. It is called only once the request
	// got past the path, bot and handler checks.
	ReadBody func() ([]byte, error)
	// Source describes where the request came from, for log entries:
	// "POST /custom/bot_…/notify" or "test run from the editor".
	Source string
}

// WebhookResponse is the answer, ready to write.
type WebhookResponse struct {
	Status     int
	Headers    map[string]string // the handler's headers (canonical names)
	Body       json.RawMessage   // the envelope
	RetryAfter int               // seconds, for 503
	// What the test panel shows besides: console output, the run's time
	// and the handler's error in full.
	Logs        []jsrt.LogLine
	LogsDropped int
	Duration    time.Duration
	Err         *HandlerFailure
}

// HandlerFailure is a failed run as the bot's owner sees it.
type HandlerFailure struct {
	Kind    string `json:"kind"` // compile, exception, timeout, limit
	Message string `json:"message"`
	Stack   string `json:"stack"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// Maximum custom webhook body; the server's own limit is the same.
const maxWebhookBody = 1 << 20

// webhookError codes and texts.
var (
	whInvalidPath = webhookErr(http.StatusBadRequest, "invalid_path", "The path must be 1 to 64 letters, digits, '_' or '-'.")
	whNotFound    = webhookErr(http.StatusNotFound, "bot_not_found", "There is no bot at this address.")
	whHalted      = webhookErr(http.StatusForbidden, "bot_halted", "This bot is stopped: its webhooks answer again once its owner starts it.")
	whTooLarge    = webhookErr(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than 1 MiB.")
	whFailed      = webhookErr(http.StatusInternalServerError, "handler_error", "The bot's handler failed. Its owner can find the error in the bot's log.")
	whInternal    = webhookErr(http.StatusInternalServerError, "internal_error", "Something went wrong on Botdeck's side. Try again.")
)

func webhookErr(status int, code, message string) *WebhookResponse {
	body, _ := json.Marshal(struct {
		OK    bool `json:"ok"`
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{Error: struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message}})
	return &WebhookResponse{Status: status, Body: body}
}

// noHandler names the path, which is [A-Za-z0-9_-] (checked first), so it
// needs no escaping in JSON.
func noHandler(path string) *WebhookResponse {
	body := `{"ok":false,"error":{"code":"no_handler","message":"This bot's code has no handler for \"` + path + `\"."}}`
	return &WebhookResponse{Status: http.StatusBadRequest, Body: []byte(body)}
}

func invalidJSON(why string) *WebhookResponse {
	return webhookErr(http.StatusBadRequest, "invalid_json", "The request body is not valid JSON: "+why+".")
}

func busy() *WebhookResponse {
	r := webhookErr(http.StatusServiceUnavailable, "bot_busy", "This bot is answering as many requests as it may at once. Retry in a moment.")
	r.RetryAfter = 1
	return r
}

// The custom webhook's own Content-Security-Policy and
// Cross-Origin-Resource-Policy, stricter than the dashboard's: its answers
// are JSON on the dashboard's origin, never a document to render, load
// from or embed in another site. Its middleware chain sets them on every
// answer, an error of the chain's own included (internal/app: customChain).
const (
	WebhookCSP  = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
	WebhookCORP = "same-origin"
)

// HeaderSet is every header the webhook's answer carries besides
// X-Request-Id, nosniff and Referrer-Policy: the handler's, Content-Type,
// Cache-Control (no-store unless the handler set one), its own
// Content-Security-Policy and Cross-Origin-Resource-Policy, and
// Retry-After for 503. The test panel shows them.
func (r *WebhookResponse) HeaderSet() map[string]string {
	out := make(map[string]string, len(r.Headers)+5)
	for k, v := range r.Headers {
		out[k] = v
	}
	out["Content-Type"] = "application/json; charset=utf-8"
	out["Content-Security-Policy"] = WebhookCSP
	out["Cross-Origin-Resource-Policy"] = WebhookCORP
	if _, ok := out["Cache-Control"]; !ok {
		out["Cache-Control"] = "no-store"
	}
	if r.RetryAfter > 0 {
		out["Retry-After"] = strconv.Itoa(r.RetryAfter)
	}
	return out
}

// The fixed header values, built once: WriteHeaders shares them with every
// response (nothing mutates a header's value slice), so setting them
// allocates nothing on the hot path.
var (
	hdrJSON    = []string{"application/json; charset=utf-8"}
	hdrNoStore = []string{"no-store"}
)

// WriteHeaders sets the headers of HeaderSet on h, without building a map,
// except the CSP and CORP, which the webhook's middleware chain has set.
func (r *WebhookResponse) WriteHeaders(h http.Header) {
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	h["Content-Type"] = hdrJSON
	if _, ok := r.Headers["Cache-Control"]; !ok {
		h["Cache-Control"] = hdrNoStore
	}
	if r.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(r.RetryAfter))
	}
}

// WebhookInternalError is the answer to a request that failed on
// Botdeck's side: 500 internal_error.
func WebhookInternalError() *WebhookResponse { return whInternal.copyResponse() }

// copyResponse returns a private copy of a shared error response.
func (r *WebhookResponse) copyResponse() *WebhookResponse {
	cp := *r
	return &cp
}

// webhookBot is what a request needs to know about the bot.
type webhookBot struct {
	ID          string
	OwnerID     string
	Username    string
	Status      string
	CodeVersion int
}

// Serve answers ANY /custom/{botId}/{path}.
func (c *Code) Serve(ctx context.Context, botID string, req WebhookRequest) *WebhookResponse {
	if !jsrt.ValidHandlerName(req.Path) {
		return whInvalidPath.copyResponse()
	}
	b, err := c.webhookBot(ctx, botID)
	if errors.Is(err, apperr.ErrNotFound) {
		return whNotFound.copyResponse()
	}
	if err != nil {
		c.log.ErrorContext(ctx, "custom webhook: load bot", "bot", botID, "err", err)
		return whInternal.copyResponse()
	}
	return c.invoke(ctx, b, req)
}

// webhookBot reads the bot's status through the webhook receiver's cache
// (which this instance's stop, start and delete invalidate at once) and
// its code version through this service's cache (invalidated by saves).
func (c *Code) webhookBot(ctx context.Context, botID string) (webhookBot, error) {
	b, err := c.bots.ForWebhook(ctx, botID)
	if err != nil {
		return webhookBot{}, err
	}
	version, ok := c.versions.get(botID)
	if !ok {
		if version, _, err = models.BotCodeVersion(ctx, c.db, botID); err != nil {
			return webhookBot{}, err
		}
		c.versions.set(botID, version)
	}
	return webhookBot{ID: b.ID, OwnerID: b.OwnerID, Username: b.Username, Status: b.Status, CodeVersion: version}, nil
}

// invoke runs the request against the bot's current code, after the
// checks that do not depend on the transport.
func (c *Code) invoke(ctx context.Context, b webhookBot, req WebhookRequest) *WebhookResponse {
	switch b.Status {
	case models.BotDeleted, models.BotConnecting:
		return whNotFound.copyResponse()
	case models.BotStopped:
		return whHalted.copyResponse()
	}
	if b.CodeVersion == 0 {
		return noHandler(req.Path)
	}
	prog, err := c.program(ctx, b.ID, b.CodeVersion)
	if err != nil {
		c.log.ErrorContext(ctx, "custom webhook: load code", "bot", b.ID, "version", b.CodeVersion, "err", err)
		return whInternal.copyResponse()
	}
	if prog.err != nil {
		f := &HandlerFailure{Kind: "compile", Message: prog.err.Message, Line: prog.err.Line, Column: prog.err.Column}
		c.writeRunLogs(ctx, b.ID, req, nil, f, fmt.Sprintf("Version %d of the code no longer compiles: ", b.CodeVersion))
		resp := whFailed.copyResponse()
		resp.Err = f
		return resp
	}
	if !prog.handlers[req.Path] {
		return noHandler(req.Path)
	}
	var raw []byte
	if req.ReadBody != nil {
		if raw, err = req.ReadBody(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return whTooLarge.copyResponse()
			}
			return webhookErr(http.StatusBadRequest, "invalid_body", "The request body could not be read.")
		}
	}
	if len(raw) > maxWebhookBody {
		return whTooLarge.copyResponse()
	}
	body, bad := c.parseBody(raw)
	if bad != nil {
		return bad
	}

	// Wait for one of the bot's slots at most the handler timeout, then for
	// a runtime; the run itself gets its own full timeout (jsrt bounds it).
	// (The bound is the invocation's Deadline rather than a context with a
	// timeout: that costs a timer and a registration on every request.)
	timeout := c.engine.Config().Timeout
	deadline := time.Now().Add(2 * timeout)
	release, err := c.acquire(ctx, b, timeout)
	if err != nil {
		if ctx.Err() != nil {
			return whInternal.copyResponse() // the caller is gone
		}
		return busy()
	}
	defer release()
	env, err := c.env(ctx, b.ID)
	if err != nil {
		c.log.ErrorContext(ctx, "custom webhook: load settings", "bot", b.ID, "err", err)
		return whInternal.copyResponse()
	}
	res, err := c.engine.Run(ctx, prog.prog, jsrt.Invocation{
		Path: req.Path, Method: req.Method, Query: req.Query, Body: body, Deadline: deadline,
		Params:   jsrt.Params{BotID: b.ID, CustomPath: req.Path},
		DB:       newDocStore(c.db, b.ID, c.docLimits),
		Telegram: &botTelegram{c: c, botID: b.ID},
		Env:      env.env,
	})
	if res != nil {
		env.redactRun(res.Logs, nil)
	}
	var he *jsrt.HandlerError
	switch {
	case err == nil:
		return c.respond(ctx, b.ID, req, res)
	case errors.Is(err, jsrt.ErrNoHandler):
		return noHandler(req.Path)
	case errors.As(err, &he):
		f := &HandlerFailure{Kind: string(he.Kind), Message: he.Message, Stack: he.Stack, Line: he.Line, Column: he.Column}
		env.redactRun(nil, f)
		return c.failed(ctx, b.ID, req, res, f)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return busy() // no runtime became free in time
	case ctx.Err() != nil:
		return whInternal.copyResponse() // the caller is gone; nobody reads this
	default:
		c.log.ErrorContext(ctx, "custom webhook: run", "bot", b.ID, "err", err)
		return whInternal.copyResponse()
	}
}

// parseBody decodes the body as JSON whatever its Content-Type (curl -d
// sends a form type): an empty body is {} for the handler (nil here).
func (c *Code) parseBody(raw []byte) (any, *WebhookResponse) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidJSON(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return nil, invalidJSON("it holds more than one value")
	}
	if depthOf(v, 0) > c.engine.Config().MaxDepth {
		return nil, invalidJSON(fmt.Sprintf("it is nested more than %d levels deep", c.engine.Config().MaxDepth))
	}
	return v, nil
}

func depthOf(v any, d int) int {
	deepest := d
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e, d+1))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e, d+1))
		}
	}
	return deepest
}

// respond turns a finished run into the webhook's answer.
// (The headers a handler may set are an allow-list checked by jsrt:
// internal/jsrt/headers.go.)
func (c *Code) respond(ctx context.Context, botID string, req WebhookRequest, res *jsrt.Result) *WebhookResponse {
	env := envelopePool.Get().(*envelope)
	defer envelopePool.Put(env)
	buf := &env.buf
	buf.Reset()
	buf.WriteString(`{"ok":`)
	if res.Status < 400 {
		buf.WriteString("true")
	} else {
		buf.WriteString("false")
	}
	if res.Message != nil {
		buf.WriteString(`,"message":`)
		_ = env.encode(*res.Message)
	}
	if res.HasData() {
		buf.WriteString(`,"data":`)
		if err := env.encode(res.Data); err != nil {
			f := &HandlerFailure{Kind: string(jsrt.KindException), Message: "TypeError: the response data cannot be encoded as JSON"}
			return c.failed(ctx, botID, req, res, f)
		}
	}
	buf.WriteByte('}')
	c.writeRunLogs(ctx, botID, req, res, nil, "")
	body := bytes.Clone(buf.Bytes())
	if buf.Cap() > 64<<10 {
		env.buf = bytes.Buffer{} // do not keep a large answer's buffer
	}
	return &WebhookResponse{Status: res.Status, Headers: res.Headers, Body: body,
		Logs: res.Logs, LogsDropped: res.LogsDropped, Duration: res.Duration}
}

// envelope builds a response body: a buffer and a JSON encoder writing to
// it, pooled because every webhook answer needs one.
type envelope struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var envelopePool = sync.Pool{New: func() any {
	e := &envelope{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false) // as the API writes JSON
	return e
}}

// encode appends v as JSON without the encoder's trailing newline. On an
// error the buffer may hold part of v: the caller discards it. The
// sandbox's values are written without encoding/json's reflection.
func (e *envelope) encode(v any) error {
	if out, ok := jsonvalue.Append(e.buf.AvailableBuffer(), v); ok {
		e.buf.Write(out)
		return nil
	}
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}

// Sources of the editor's runs: their failures are shown in the editor,
// not notified.
const (
	sourceEditorTest       = "test run from the editor"
	sourceEditorSimulation = "simulated update from the editor"
)

func (c *Code) failed(ctx context.Context, botID string, req WebhookRequest, res *jsrt.Result, f *HandlerFailure) *WebhookResponse {
	c.writeRunLogs(ctx, botID, req, res, f, "")
	out := whFailed.copyResponse()
	out.Err = f
	if res != nil {
		out.Logs, out.LogsDropped, out.Duration = res.Logs, res.LogsDropped, res.Duration
	}
	return out
}

// writeRunLogs puts a run's console output and failure into the bot's log
// (source handler), within the bot's log budget. A failure also counts in
// the day's errors.
func (c *Code) writeRunLogs(ctx context.Context, botID string, req WebhookRequest, res *jsrt.Result, f *HandlerFailure, prefix string) {
	var lines []jsrt.LogLine
	dropped := 0
	if res != nil {
		lines, dropped = res.Logs, res.LogsDropped
	}
	failures := 0
	if f != nil {
		failures = 1
	}
	n := len(lines) + failures
	if n == 0 && dropped == 0 {
		return
	}
	allowed, droppedBefore, droppedErrors := c.logs.take(botID, n, failures)
	if allowed == 0 {
		return
	}
	entries := make([]*models.BotLog, 0, allowed+1)
	if f != nil {
		msg := prefix + f.Message
		if f.Line > 0 {
			msg += fmt.Sprintf(" (line %d)", f.Line)
		}
		detail := fmt.Sprintf("Handler %q, %s.", req.Path, req.Source)
		if f.Line > 0 {
			detail += fmt.Sprintf("\nLine %d, column %d.", f.Line, f.Column)
		}
		if f.Stack != "" {
			detail += "\n" + f.Stack
		}
		entries = append(entries, &models.BotLog{BotID: botID, Level: models.LogError, Source: models.SourceHandler, Message: msg, Detail: detail})
	}
	for _, l := range lines {
		if len(entries) >= allowed {
			break
		}
		level := models.LogInfo
		if l.Level == "error" || l.Level == "warn" {
			level = models.LogError
		}
		entries = append(entries, &models.BotLog{BotID: botID, Level: level, Source: models.SourceHandler, Message: l.Message,
			Detail: fmt.Sprintf("console.%s in handler %q, %s.", l.Level, req.Path, req.Source), CreatedAt: l.Time.UTC().Truncate(time.Microsecond)})
	}
	if lost := droppedBefore + dropped; lost > 0 {
		entries = append(entries, &models.BotLog{BotID: botID, Level: models.LogInfo, Source: models.SourceHandler,
			Message: fmt.Sprintf("%d handler log entries were not kept: a run keeps at most %d console lines, and a bot's handlers write at most %d entries a second.", lost, c.engine.Config().MaxLogLines, int(logRate))})
	}
	// The entries are written even when the caller has gone away, and
	// before the answer, so a 500 is in the log by the time it arrives.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := c.db.RunInTx(wctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if errs := failures + droppedErrors; errs > 0 {
			if err := models.AddToDay(ctx, tx, &models.BotDay{BotID: botID, Day: models.Day(models.Now()), Errors: int64(errs)}); err != nil {
				return err
			}
		}
		if err := models.InsertLogs(ctx, tx, entries...); err != nil {
			return err
		}
		if f != nil && req.Source != sourceEditorTest && req.Source != sourceEditorSimulation {
			// A burst of failures is one notification per bot per 10 minutes.
			return notifyHandlerError(ctx, tx, c.bots.events, botID, entries[0].Message)
		}
		return nil
	})
	if err != nil {
		c.log.ErrorContext(ctx, "write handler log", "bot", botID, "err", err)
	}
}

// acquire waits, at most wait in all, for one of the bot's owner's run
// slots and then one of the bot's: an account's bots together hold at most
// half of the engine's runtimes, so several hostile bots of one account
// cannot starve other accounts (one bot alone could before the account
// gate existed only up to the same half).
func (c *Code) acquire(ctx context.Context, b webhookBot, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	releaseOwner, err := c.owners.acquire(ctx, b.OwnerID, wait)
	if err != nil {
		return nil, err
	}
	releaseBot, err := c.gate.acquire(ctx, b.ID, max(0, time.Until(deadline)))
	if err != nil {
		releaseOwner()
		return nil, err
	}
	return func() { releaseBot(); releaseOwner() }, nil
}
