package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/safehttp"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Telegram executes webhook replies (botapi.Forwarder).
type Telegram interface {
	CallJSON(ctx context.Context, token, method string, body []byte) (int, []byte, error)
}

// Config tunes the worker; zero values take the defaults.
type Config struct {
	Every      time.Duration // scan interval when nothing wakes the worker (1s)
	Lease      time.Duration // how long a bot's lease lasts without renewal (30s)
	Batch      int           // updates read per round (100)
	Parallel   int           // bots delivered at once by one instance (16)
	MinBackoff time.Duration // wait after the first failure (1s), doubling
	MaxBackoff time.Duration // longest wait between attempts (5m)
	WarnAfter  time.Duration // failing this long puts the bot in warning (10m)
	GiveUp     time.Duration // an update failing this long after it was received is skipped (24h)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Every, time.Second)
	def(&c.Lease, 30*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.WarnAfter, 10*time.Minute)
	def(&c.GiveUp, core.RelayKeep)
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Parallel <= 0 {
		c.Parallel = 16
	}
	return c
}

// Worker delivers relayed updates for this instance.
type Worker struct {
	db       *bun.DB
	bots     *core.Bots
	relays   *core.Relays
	tg       Telegram
	client   *safehttp.Client
	log      *slog.Logger
	instance string
	cfg      Config

	// Replies, when set, queues webhook replies (for the bot's outbox:
	// its rate limit, its conversation record); without it they are called
	// at once through tg.
	Replies func(ctx context.Context, botID string, updateID int64, method string, params []byte) error

	wake chan struct{}
	sem  chan struct{}
	mu   sync.Mutex
	busy map[string]bool
	wg   sync.WaitGroup
}

// New returns the relay worker of instance.
func New(db *bun.DB, bots *core.Bots, relays *core.Relays, tg Telegram, client *safehttp.Client, log *slog.Logger,
	instance string, cfg Config) *Worker {
	cfg = cfg.withDefaults()
	return &Worker{db: db, bots: bots, relays: relays, tg: tg, client: client, log: log, instance: instance, cfg: cfg,
		wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.Parallel), busy: map[string]bool{}}
}

// Handle is the ingest hook: an update was processed on this instance, so
// there may be something to relay. It only wakes the worker.
func (w *Worker) Handle(context.Context, bun.Tx, *ingest.Event) error {
	w.Poke()
	return nil
}

// Poke wakes the worker without blocking.
func (w *Worker) Poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Every)
	defer t.Stop()
	// The hook wakes the worker from inside the processing transaction,
	// before it commits: look again a few times over the next moments
	// (commits take longer on a busy database), then fall back to the tick.
	var followUps []time.Duration
	var again <-chan time.Time
	for {
		w.scan(ctx)
		if len(followUps) > 0 {
			again, followUps = time.After(followUps[0]), followUps[1:]
		}
		select {
		case <-ctx.Done():
			w.wg.Wait()
			return
		case <-t.C:
		case <-again:
		case <-w.wake:
			followUps = append(followUps[:0], 25*time.Millisecond, 75*time.Millisecond, 250*time.Millisecond)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Millisecond): // let a burst gather
			}
		}
	}
}

// DeliverDue runs one pass over the bots with something due and waits for
// it: for tests and benchmarks (Run does the same without waiting).
func (w *Worker) DeliverDue(ctx context.Context) {
	w.scan(ctx)
	w.wg.Wait()
}

// scan starts delivery for every due bot this instance can lease.
func (w *Worker) scan(ctx context.Context) {
	now := models.Now()
	ids, err := models.DueRelayBots(ctx, w.db, w.instance, now, 200)
	if err != nil {
		if ctx.Err() == nil {
			w.log.WarnContext(ctx, "relay: due bots", "err", err)
		}
		return
	}
	for _, id := range ids {
		w.mu.Lock()
		if w.busy[id] {
			w.mu.Unlock()
			continue
		}
		w.busy[id] = true
		w.mu.Unlock()
		ok, err := models.AcquireRelayLease(ctx, w.db, id, w.instance, now.Add(w.cfg.Lease), now)
		if err != nil || !ok {
			w.done(id)
			continue // another instance delivers it
		}
		select {
		case w.sem <- struct{}{}:
		case <-ctx.Done():
			w.done(id)
			return
		}
		w.wg.Go(func() {
			defer func() { <-w.sem }()
			defer w.done(id)
			defer models.ReleaseRelayLease(context.WithoutCancel(ctx), w.db, id, w.instance) //nolint:errcheck // expires anyway
			w.deliverBot(ctx, id)
		})
	}
}

func (w *Worker) done(id string) {
	w.mu.Lock()
	delete(w.busy, id)
	w.mu.Unlock()
}

// deliverBot delivers one bot's processed updates in order until none is
// left, one fails, or the lease is lost.
func (w *Worker) deliverBot(ctx context.Context, botID string) {
	bot, err := models.BotByID(ctx, w.db, botID)
	if err != nil {
		return
	}
	token, err := w.bots.Token(bot)
	if err != nil {
		w.log.ErrorContext(ctx, "relay: token", "bot", botID, "err", err)
		return
	}
	for ctx.Err() == nil {
		r, err := models.RelayOf(ctx, w.db, botID)
		if err != nil || !r.Active() || r.LeaseOwner != w.instance {
			return
		}
		if r.NextAttemptAt != nil && r.NextAttemptAt.After(models.Now()) {
			return
		}
		secret, err := w.relays.Secret(r)
		if err != nil {
			w.log.ErrorContext(ctx, "relay: secret", "bot", botID, "err", err)
			return
		}
		ups, err := models.RelayUpdatesAfter(ctx, w.db, botID, r.DeliveredThrough, w.cfg.Batch)
		if err != nil || len(ups) == 0 {
			return
		}
		ok := &okBatch{}
		for i := range ups {
			if ups[i].ProcessedAt == nil || ctx.Err() != nil {
				w.flush(ctx, bot.ID, ok)
				return // not processed yet (it and the ones after it wait), or stopping
			}
			if !w.deliverOne(ctx, bot, token, r, secret, &ups[i], ok) {
				w.flush(ctx, bot.ID, ok)
				return
			}
		}
		if !w.flush(ctx, bot.ID, ok) {
			return
		}
	}
}

// okBatch gathers successful deliveries not recorded yet: recording them
// together (cursor and log in one transaction) costs one commit per batch
// instead of two per update. A crash before the flush re-sends them (at
// least once, as Telegram delivers); the batch is bounded by flushEvery
// updates and flushAfter.
type okBatch struct {
	through int64
	rows    []*models.RelayDelivery
	first   time.Time
}

const (
	flushEvery = 50
	flushAfter = 200 * time.Millisecond
)

// flush records the batch while the lease is held and reports whether it is.
func (w *Worker) flush(ctx context.Context, botID string, ok *okBatch) bool {
	if len(ok.rows) == 0 {
		return true
	}
	ctx = context.WithoutCancel(ctx) // what was delivered is recorded, even at shutdown
	now := models.Now()
	held := false
	err := w.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if held, err = models.RelayDelivered(ctx, tx, botID, w.instance, ok.through, now.Add(w.cfg.Lease), now); err != nil || !held {
			return err
		}
		return models.InsertRelayDeliveries(ctx, tx, ok.rows)
	})
	ok.rows = ok.rows[:0]
	if err != nil {
		w.log.WarnContext(ctx, "relay: record deliveries", "bot", botID, "err", err)
		return false
	}
	if held {
		w.relays.Changed(botID) // the Relay tab follows (throttled)
	}
	return held // false: the lease was lost; the new holder resends from the cursor
}

// deliverOne POSTs u and records the outcome; it reports whether the line
// may move on to the next update.
func (w *Worker) deliverOne(ctx context.Context, bot *models.Bot, token string, r *models.Relay, secret string, u *models.StoredUpdate, ok *okBatch) bool {
	// An attempt under way is finished and recorded even when shutting
	// down (it is bounded by the client's timeout): cutting it short could
	// leave an update the server did process unrecorded, to be sent twice.
	stopping := ctx.Done()
	ctx = context.WithoutCancel(ctx)
	attempt := r.Attempts + 1
	start := time.Now()
	status, reply, reason := w.post(ctx, r.URL, secret, u.Payload)
	d := &models.RelayDelivery{BotID: bot.ID, UpdateID: u.UpdateID, HTTPStatus: status,
		DurationMs: int(time.Since(start).Milliseconds()), Attempts: attempt, At: models.Now()}
	now := d.At
	if reason == "" {
		d.Status = models.DeliveryOK
		if len(ok.rows) == 0 {
			ok.first = time.Now()
		}
		ok.through, ok.rows = u.UpdateID, append(ok.rows, d)
		if r.Warning != "" || len(ok.rows) >= flushEvery || time.Since(ok.first) >= flushAfter {
			if !w.flush(ctx, bot.ID, ok) {
				return false
			}
		}
		if r.Warning != "" {
			if err := w.relays.SetWarning(ctx, bot.ID, ""); err != nil {
				w.log.WarnContext(ctx, "relay: clear warning", "bot", bot.ID, "err", err)
			}
		}
		r.DeliveredThrough, r.Attempts, r.FailingSince, r.NextAttemptAt, r.Warning, r.LastError = u.UpdateID, 0, nil, nil, "", ""
		w.webhookReply(ctx, bot, token, u.UpdateID, reply)
		select {
		case <-stopping:
			return false
		default:
			return true
		}
	}
	d.Status, d.Error = models.DeliveryFailed, reason
	if !w.flush(ctx, bot.ID, ok) {
		return false
	}
	if now.Sub(u.ReceivedAt) >= w.cfg.GiveUp {
		d.Error = "given up (failing " + w.cfg.GiveUp.String() + " after it was received): " + reason
		w.logDelivery(ctx, d)
		if _, err := models.AdvanceRelayCursor(ctx, w.db, bot.ID, u.UpdateID, now); err != nil {
			return false
		}
		r.DeliveredThrough, r.Attempts, r.NextAttemptAt = u.UpdateID, 0, nil
		w.relays.Changed(bot.ID)
		return true
	}
	w.logDelivery(ctx, d)
	since := now
	if r.FailingSince != nil {
		since = *r.FailingSince
	}
	backoff := w.cfg.MinBackoff << min(attempt-1, 20)
	if backoff > w.cfg.MaxBackoff || backoff <= 0 {
		backoff = w.cfg.MaxBackoff
	}
	if _, err := models.RelayFailed(ctx, w.db, bot.ID, w.instance, attempt, now.Add(backoff), since, reason, now); err != nil {
		w.log.WarnContext(ctx, "relay: record failure", "bot", bot.ID, "err", err)
	}
	w.relays.Changed(bot.ID)
	if r.Warning == "" && now.Sub(since) >= w.cfg.WarnAfter {
		warning := fmt.Sprintf("Botdeck cannot deliver updates to %s since %s (%s); they wait and are sent in order when it answers.",
			hostOf(r.URL), since.Format("2006-01-02 15:04 MST"), reason)
		if err := w.relays.SetWarning(ctx, bot.ID, warning); err != nil {
			w.log.WarnContext(ctx, "relay: set warning", "bot", bot.ID, "err", err)
		}
	}
	return false
}

func (w *Worker) logDelivery(ctx context.Context, d *models.RelayDelivery) {
	if err := models.InsertRelayDelivery(ctx, w.db, d); err != nil {
		w.log.WarnContext(ctx, "relay: log delivery", "bot", d.BotID, "err", err)
	}
}

// post sends one update; reason is "" on a 2xx answer, whose body is
// returned as a possible webhook reply.
func (w *Worker) post(ctx context.Context, target, secret, payload string) (int, []byte, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader([]byte(payload)))
	if err != nil {
		return 0, nil, "the relay URL is not valid"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	req.Header.Set("User-Agent", "Botdeck-Relay")
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, clip(err.Error(), 300)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return resp.Status, nil, fmt.Sprintf("the server answered HTTP %d", resp.Status)
	}
	if resp.Truncated {
		return resp.Status, nil, "" // too large to be a webhook reply
	}
	return resp.Status, resp.Body, ""
}

// webhookReply executes a Bot API call the owner's server answered with
// ({"method": "sendMessage", …}), as Telegram would. Its result is not
// seen by anyone (as with Telegram), so a failure goes to the bot's log.
func (w *Worker) webhookReply(ctx context.Context, bot *models.Bot, token string, updateID int64, body []byte) {
	method, params, ok := ParseWebhookReply(body)
	if !ok {
		return
	}
	if w.Replies != nil {
		if err := w.Replies(ctx, bot.ID, updateID, method, params); err != nil {
			w.log.WarnContext(ctx, "relay: queue webhook reply", "bot", bot.ID, "err", err)
		}
		return
	}
	// Bounded well inside the lease, which the caller holds meanwhile.
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Lease/3)
	defer cancel()
	status, answer, err := w.tg.CallJSON(ctx, token, method, params)
	if err == nil && status == http.StatusOK {
		return
	}
	detail := fmt.Sprint(err)
	if err == nil {
		detail = clip(string(answer), 500)
	}
	if lerr := models.InsertLogs(ctx, w.db, &models.BotLog{BotID: bot.ID, Level: models.LogError, Source: models.SourceTelegram,
		Message: "The webhook reply " + method + " from the relay target failed.", Detail: detail}); lerr != nil {
		w.log.WarnContext(ctx, "relay: write bot log", "bot", bot.ID, "err", lerr)
	}
}

// ParseWebhookReply reads a webhook reply: a JSON object with a "method"
// naming a Bot API method. It returns the method and the other fields as
// the call's JSON parameters. Methods that would take the bot's updates
// away from Botdeck or log it out (getUpdates, setWebhook, deleteWebhook,
// logOut, close) are not executed.
func ParseWebhookReply(body []byte) (string, []byte, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return "", nil, false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", nil, false
	}
	var method string
	if json.Unmarshal(fields["method"], &method) != nil || !validMethod(method) || telegram.IsManagedMethod(method) {
		return "", nil, false
	}
	delete(fields, "method")
	params, err := json.Marshal(fields)
	if err != nil {
		return "", nil, false
	}
	return method, params, true
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the relay URL"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
