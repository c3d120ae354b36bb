package botapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/models"
)

// MaxUpload bounds a request body the proxy forwards (Telegram takes files
// up to 50 MB).
const MaxUpload = 50 << 20

// Prefix is where the proxy is mounted.
const Prefix = "/botapi/"

// Config tunes the proxy; zero values take the defaults.
type Config struct {
	PollEvery  time.Duration // how often a long poll looks at the database (1s)
	MaxTimeout time.Duration // longest getUpdates wait (50s)
	PerSecond  float64       // requests per second per bot on one instance (50)
	Burst      int           // requests a bot may make at once above that (100)
}

// Proxy serves the Bot API for the bots Botdeck manages: a framework using
// it as its API server keeps working while Botdeck owns the bot's webhook.
// getUpdates is answered from Botdeck's own store (the relay cursor is the
// confirmed offset), setWebhook / deleteWebhook / getWebhookInfo drive the
// relay, logOut and close are refused, everything else (uploads included)
// is forwarded to Telegram and Telegram's answer returned. Each bot may make
// Config.PerSecond requests per second per instance (429 with retry_after,
// as Telegram answers, beyond). The token in the
// path is never logged: the access log names the route pattern only.
type Proxy struct {
	db     *bun.DB
	bots   *core.Bots
	relays *core.Relays
	fwd    *Forwarder
	log    *slog.Logger
	cfg    Config
	signal *signal
	limit  *tokenLimiter
	sends  Sends
}

// WithSends shares the bot's rate limit with the proxy's sends and
// records what they said (see Sends).
func (p *Proxy) WithSends(s Sends) *Proxy {
	p.sends = s
	return p
}

// NewProxy returns the proxy.
func NewProxy(db *bun.DB, bots *core.Bots, relays *core.Relays, fwd *Forwarder, log *slog.Logger, cfg Config) *Proxy {
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = 50 * time.Second
	}
	if cfg.PerSecond <= 0 {
		cfg.PerSecond = 50
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 100
	}
	return &Proxy{db: db, bots: bots, relays: relays, fwd: fwd, log: log, cfg: cfg, signal: newSignal(),
		limit: newTokenLimiter(cfg.PerSecond, cfg.Burst)}
}

var methodPattern = regexp.MustCompile(`^[A-Za-z]{1,64}$`)

// apiError is a Bot API error answer.
type apiError struct {
	code int
	desc string
}

var (
	errNotFound     = &apiError{http.StatusNotFound, "Not Found"}
	errWebhookIsSet = &apiError{http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	errManaged      = &apiError{http.StatusBadRequest, "Bad Request: Botdeck manages this bot's session with the Bot API; logOut and close are not available through its proxy"}
	errInternal     = &apiError{http.StatusInternalServerError, "Internal Server Error: Botdeck could not answer; try again"}
)

func badRequest(desc string) *apiError {
	return &apiError{http.StatusBadRequest, "Bad Request: " + desc}
}

// ServeHTTP answers /botapi/bot<token>/<method> and /botapi/file/bot<token>/<path>.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
	rest = strings.TrimPrefix(rest, "/")
	if file, ok := strings.CutPrefix(rest, "file/bot"); ok {
		p.serveFile(w, r, file)
		return
	}
	tail, ok := strings.CutPrefix(rest, "bot")
	token, method, ok2 := strings.Cut(tail, "/")
	if !ok || !ok2 || !methodPattern.MatchString(method) {
		writeError(w, errNotFound)
		return
	}
	bot, err := p.bots.ByToken(r.Context(), token)
	if err != nil {
		p.fail(w, r, "look up token", err)
		return
	}
	if bot == nil {
		writeError(w, errNotFound)
		return
	}
	if ok, wait := p.limit.allow(bot.ID); !ok {
		tooMany(w, wait)
		return
	}
	switch strings.ToLower(method) {
	case "getupdates":
		p.getUpdates(w, r, bot)
	case "setwebhook":
		p.setWebhook(w, r, bot)
	case "deletewebhook":
		p.deleteWebhook(w, r, bot)
	case "getwebhookinfo":
		p.getWebhookInfo(w, r, bot)
	case "logout", "close":
		writeError(w, errManaged)
	default:
		if isSend(method) && p.sends.Pace != nil {
			if err := p.sends.Pace(r.Context(), bot.ID); err != nil {
				return // the caller went away while waiting for a slot
			}
		}
		p.forward(w, r, "bot"+token+"/"+method, bot.ID, isSend(method))
	}
}

func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if ae, ok := apperr.AsError(err); ok && ae.Kind == apperr.KindInvalid {
		writeError(w, badRequest(ae.Message))
		return
	}
	if r.Context().Err() == nil {
		p.log.ErrorContext(r.Context(), "botapi proxy: "+what, "err", err)
	}
	writeError(w, errInternal)
}

// forward streams the request to Telegram and its answer back.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, path, botID string, send bool) {
	resp, err := p.fwd.Forward(r.Context(), r.Method, path, r.URL.RawQuery, r.Header, r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, &apiError{http.StatusRequestEntityTooLarge, "Request Entity Too Large"})
			return
		}
		if r.Context().Err() == nil {
			p.log.WarnContext(r.Context(), "botapi proxy: forward", "err", err)
		}
		writeError(w, &apiError{http.StatusBadGateway, "Bad Gateway: Telegram could not be reached"})
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Last-Modified", "ETag", "Retry-After"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	body := io.Reader(resp.Body)
	if send {
		body = p.sends.recordAnswer(r.Context(), botID, resp)
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(body, MaxUpload))
}

// serveFile proxies a file download (its URL holds the token).
func (p *Proxy) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, path, ok := strings.Cut(rest, "/")
	if !ok || path == "" || strings.Contains(path, "..") || strings.Contains(path, "\\") ||
		(r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeError(w, errNotFound)
		return
	}
	bot, err := p.bots.ByToken(r.Context(), token)
	if err != nil {
		p.fail(w, r, "look up token", err)
		return
	}
	if bot == nil {
		writeError(w, errNotFound)
		return
	}
	if ok, wait := p.limit.allow(bot.ID); !ok {
		tooMany(w, wait)
		return
	}
	p.forward(w, r, "file/bot"+token+"/"+path, bot.ID, false)
}

// defaultSkipped are the types Telegram leaves out when allowed_updates is
// empty or not given.
var defaultSkipped = []string{"chat_member", "message_reaction", "message_reaction_count"}

// getUpdates answers from Botdeck's store: offset confirms (moves the
// relay cursor), limit 1-100, timeout waits for a first update,
// allowed_updates narrows the types; 409 while the relay (the "webhook") is on.
func (p *Proxy) getUpdates(w http.ResponseWriter, r *http.Request, bot *models.Bot) {
	ctx := r.Context()
	in, err := readParams(r)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	offset, _, err1 := in.int("offset")
	limit, hasLimit, err2 := in.int("limit")
	timeout, _, err3 := in.int("timeout")
	allowed, _, err4 := in.list("allowed_updates")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		writeError(w, badRequest(strings.SplitN(err.Error(), "\n", 2)[0]))
		return
	}
	if !hasLimit || limit <= 0 || limit > 100 {
		limit = 100
	}
	wait := min(time.Duration(max(timeout, 0))*time.Second, p.cfg.MaxTimeout)
	skip := []string(nil)
	if len(allowed) == 0 {
		skip = defaultSkipped
	}
	rel, err := p.relays.Ensure(ctx, bot)
	if err != nil {
		p.fail(w, r, "relay", err)
		return
	}
	if rel.Active() {
		writeError(w, errWebhookIsSet)
		return
	}
	switch {
	case offset > 0:
		if err := p.relays.Confirm(ctx, bot.ID, offset-1); err != nil {
			p.fail(w, r, "confirm", err)
			return
		}
		rel.DeliveredThrough = max(rel.DeliveredThrough, offset-1)
	case offset < 0:
		// The last -offset updates; everything before them is forgotten.
		nth, err := models.NthLatestUpdateID(ctx, p.db, bot.ID, rel.DeliveredThrough, int(min(-offset, 100)))
		if err != nil {
			p.fail(w, r, "negative offset", err)
			return
		}
		if nth > 0 {
			if err := p.relays.Confirm(ctx, bot.ID, nth-1); err != nil {
				p.fail(w, r, "confirm", err)
				return
			}
			rel.DeliveredThrough = max(rel.DeliveredThrough, nth-1)
		}
	}
	deadline := time.Now().Add(wait)
	// A wake-up comes from inside the processing transaction, before it
	// commits: after one, look again a few times over the next moments
	// (commits take longer on a busy database), then wait as before.
	var followUps []time.Duration
	for {
		woken := p.signal.wait(bot.ID)
		ups, err := models.PollableUpdates(ctx, p.db, bot.ID, rel.DeliveredThrough, allowed, skip, int(limit))
		if err != nil {
			p.fail(w, r, "read updates", err)
			return
		}
		left := time.Until(deadline)
		if len(ups) > 0 || left <= 0 {
			result := make([]json.RawMessage, len(ups))
			for i := range ups {
				result[i] = json.RawMessage(ups[i].Payload)
			}
			writeResult(w, result, "")
			return
		}
		next := p.cfg.PollEvery
		if len(followUps) > 0 {
			next, followUps = followUps[0], followUps[1:]
		}
		t := time.NewTimer(min(left, next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-woken:
			t.Stop()
			followUps = []time.Duration{25 * time.Millisecond, 75 * time.Millisecond, 250 * time.Millisecond}
			select {
			case <-time.After(5 * time.Millisecond):
			case <-ctx.Done():
				return
			}
		case <-t.C:
		}
	}
}

// setWebhook points the relay at url (empty: switches it off), with
// secret_token as its secret when given.
func (p *Proxy) setWebhook(w http.ResponseWriter, r *http.Request, bot *models.Bot) {
	in, err := readParams(r)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	url, secret := in.str("url"), in.str("secret_token")
	if secret != "" && !secretPattern.MatchString(secret) {
		writeError(w, badRequest("secret token contains unallowed characters"))
		return
	}
	if err := p.relays.SetTarget(r.Context(), bot, url, url != "", secret, in.bool("drop_pending_updates")); err != nil {
		if ae, ok := apperr.AsError(err); ok && ae.Code == "url_not_allowed" {
			writeError(w, badRequest("bad webhook: "+ae.Message))
			return
		}
		p.fail(w, r, "set webhook", err)
		return
	}
	desc := "Webhook was set"
	if url == "" {
		desc = "Webhook was deleted"
	}
	writeResult(w, true, desc)
}

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// deleteWebhook switches the relay off (drop_pending_updates skips the backlog).
func (p *Proxy) deleteWebhook(w http.ResponseWriter, r *http.Request, bot *models.Bot) {
	in, err := readParams(r)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	rel, err := p.relays.Ensure(r.Context(), bot)
	if err != nil {
		p.fail(w, r, "relay", err)
		return
	}
	if err := p.relays.SetTarget(r.Context(), bot, "", false, "", in.bool("drop_pending_updates")); err != nil {
		p.fail(w, r, "delete webhook", err)
		return
	}
	desc := "Webhook was deleted"
	if !rel.Active() {
		desc = "Webhook is already deleted"
	}
	writeResult(w, true, desc)
}

// webhookInfo is getWebhookInfo's answer, describing the relay.
type webhookInfo struct {
	URL                  string `json:"url"`
	HasCustomCertificate bool   `json:"has_custom_certificate"`
	PendingUpdateCount   int    `json:"pending_update_count"`
	LastErrorDate        int64  `json:"last_error_date,omitempty"`
	LastErrorMessage     string `json:"last_error_message,omitempty"`
	MaxConnections       int    `json:"max_connections,omitempty"`
}

func (p *Proxy) getWebhookInfo(w http.ResponseWriter, r *http.Request, bot *models.Bot) {
	rel, err := p.relays.Ensure(r.Context(), bot)
	if err != nil {
		p.fail(w, r, "relay", err)
		return
	}
	n, err := p.relays.Backlog(r.Context(), rel)
	if err != nil {
		p.fail(w, r, "backlog", err)
		return
	}
	info := webhookInfo{PendingUpdateCount: n}
	if rel.Active() {
		info.URL, info.MaxConnections = rel.URL, 1
		if rel.FailingSince != nil {
			info.LastErrorDate, info.LastErrorMessage = rel.UpdatedAt.Unix(), rel.LastError
		}
	}
	writeResult(w, info, "")
}

func writeResult(w http.ResponseWriter, result any, desc string) {
	body := map[string]any{"ok": true, "result": result}
	if desc != "" {
		body["description"] = desc
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": e.code, "description": e.desc})
}
