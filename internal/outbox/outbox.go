package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// DefaultRate is how many calls per second a bot makes at most: Telegram's
// limit of about 30 messages per second across chats.
const DefaultRate = 30

// Telegram is what the outbox needs from the Bot API client.
type Telegram interface {
	Call(ctx context.Context, token, method string, params map[string]any) (json.RawMessage, error)
	CallWithUpload(ctx context.Context, token, method string, params map[string]any, up telegram.Upload) (json.RawMessage, error)
}

// Bots reads bot tokens and notes Telegram's verdicts on a bot (a revoked
// token puts the bot in error).
type Bots interface {
	Token(b *models.Bot) (string, error)
	NoteTelegramError(ctx context.Context, b *models.Bot, err error)
}

// Files turns a stored upload into what Telegram needs: its file_id for
// this bot once known, else its bytes. May be nil: messages with uploads
// then fail.
type Files interface {
	// File returns the upload's file_id for the bot ("" when not known
	// yet) and, only when there is none, its name, type and bytes.
	File(ctx context.Context, uploadID, botID string) (fileID string, up telegram.Upload, err error)
	// Remember stores the file_id Telegram gave the upload for the bot.
	Remember(ctx context.Context, uploadID, botID, fileID string) error
}

// Config tunes the outbox; zero values take the defaults.
type Config struct {
	Rate        float64       // calls per second per bot (DefaultRate)
	Workers     int           // requests in flight per bot (4)
	Lease       time.Duration // a bot's sending lease without renewal (15s)
	ScanEvery   time.Duration // how often bots with due messages are looked for (1s)
	IdleRelease time.Duration // a bot's sender with nothing to do gives its lease up after this (2s)
	MaxAttempts int           // tries of a message that fails transiently (4)
	Backoff     time.Duration // wait before the first retry, doubled each time (2s)
	MaxBackoff  time.Duration // longest wait between retries (1m)
	SendTimeout time.Duration // bound on one call (30s)
	// ChatRate and ChatBurst pace messages to one private chat (1/s, burst
	// 3); groups get GroupRate (20/min) with the same burst.
	ChatRate  float64
	GroupRate float64
	ChatBurst float64
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Lease, 15*time.Second)
	def(&c.ScanEvery, time.Second)
	def(&c.IdleRelease, 2*time.Second)
	def(&c.Backoff, 2*time.Second)
	def(&c.MaxBackoff, time.Minute)
	def(&c.SendTimeout, 30*time.Second)
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.ChatRate <= 0 {
		c.ChatRate = 1
	}
	if c.GroupRate <= 0 {
		c.GroupRate = 20.0 / 60
	}
	if c.ChatBurst <= 0 {
		c.ChatBurst = 3
	}
	return c
}

// Outbox queues what bots say and sends it. See doc.go.
type Outbox struct {
	db       *bun.DB
	dbURL    string
	tg       Telegram
	bots     Bots
	files    Files
	log      *slog.Logger
	instance string
	cfg      Config
	gates    *Gates
	pg       bool
	channel  string

	wakes     chan wakeReq
	observers map[string][]Observer
	records   *recorder

	mu        sync.Mutex
	running   map[string]*botRun
	elsewhere map[string]time.Time // bots another instance was found sending for, until when not to ask again
	wg        sync.WaitGroup
}

// New returns the outbox of this instance. databaseURL is the one db was
// opened with (the PostgreSQL listener opens its own connection); gates
// are shared with the broadcaster (nil: the outbox's own).
func New(ctx context.Context, db *bun.DB, databaseURL string, tg Telegram, bots Bots, files Files, gates *Gates,
	log *slog.Logger, instance string, cfg Config) (*Outbox, error) {
	cfg = cfg.withDefaults()
	if gates == nil {
		gates = NewGates(cfg.Rate)
	}
	o := &Outbox{db: db, dbURL: databaseURL, tg: tg, bots: bots, files: files, log: log, instance: instance, cfg: cfg,
		gates: gates, pg: sqldialect.IsPostgres(db), wakes: make(chan wakeReq, 1024), running: map[string]*botRun{},
		elsewhere: map[string]time.Time{}, observers: map[string][]Observer{}}
	o.records = newRecorder(o)
	if o.pg {
		var schema string
		if err := db.NewRaw("SELECT coalesce(current_schema(), 'public')").Scan(ctx, &schema); err != nil {
			return nil, fmt.Errorf("outbox: read current schema: %w", err)
		}
		o.channel = channelFor(schema)
	}
	return o, nil
}

// channelFor names the NOTIFY channel of one schema, so deployments (and
// tests) sharing a PostgreSQL database in different schemas do not wake
// each other.
func channelFor(schema string) string {
	if schema == "public" {
		return "botdeck_outbox"
	}
	name := "botdeck_outbox." + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = "botdeck_outbox." + hex.EncodeToString(sum[:8])
	}
	return name
}

// Gates returns the per-bot rate limiters this outbox sends through.
func (o *Outbox) Gates() *Gates { return o.gates }

// Enqueue queues msgs inside db — normally the caller's transaction, so a
// message exists if and only if the change that decided it commits. The
// bots' senders are woken: on PostgreSQL by a NOTIFY delivered at commit
// to every instance, and on this instance at once.
func (o *Outbox) Enqueue(ctx context.Context, db bun.IDB, msgs ...Message) error {
	bots, err := o.insert(ctx, db, msgs)
	if err != nil {
		return err
	}
	for _, id := range bots {
		if o.pg {
			if _, err := db.NewRaw("SELECT pg_notify(?, ?)", o.channel, id).Exec(ctx); err != nil {
				return fmt.Errorf("outbox: notify: %w", err)
			}
		}
		o.Wake(id)
	}
	return nil
}

// EnqueueQuiet queues msgs inside tx like Enqueue but wakes no sender: the
// caller calls the returned function once tx has committed (not if it
// rolled back). The messages are then visible, so this instance's sender
// finds them at its first look instead of guessing when the commit lands,
// and PostgreSQL's NOTIFY is sent, after the commit and on its own, only
// when another instance holds the bot's lease. A NOTIFY inside the
// transaction would take PostgreSQL's database-wide notification lock at
// commit and hold it until the commit is on disk, so every transaction
// that queues a message would commit one after another (the answering
// hook's, at 1,000 answers a second over many bots, see docs/BENCHMARKS.md).
// If the process dies between the commit and the call, the outbox's scan
// finds the messages within ScanEvery.
func (o *Outbox) EnqueueQuiet(ctx context.Context, tx bun.Tx, msgs ...Message) (committed func(), err error) {
	bots, err := o.insert(ctx, tx, msgs)
	if err != nil || len(bots) == 0 {
		return func() {}, err
	}
	return func() {
		for _, id := range bots {
			o.wake(wakeReq{botID: id, committed: true})
		}
	}, nil
}

// insert stores msgs as queued rows and returns the bots they are for.
func (o *Outbox) insert(ctx context.Context, db bun.IDB, msgs []Message) ([]string, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	now := models.Now()
	rows := make([]*models.OutboxMessage, 0, len(msgs))
	var bots []string
	for _, m := range msgs {
		params, err := encodeParams(m)
		if err != nil {
			return nil, fmt.Errorf("outbox: encode %s parameters: %w", m.Method, err)
		}
		row := &models.OutboxMessage{BotID: m.BotID, ChatID: m.ChatID, Method: m.Method, Params: params,
			UploadID: m.Upload, UploadField: m.UploadField, Priority: min(max(m.Priority, 0), priorities-1),
			Origin: m.Origin, OriginRef: m.OriginRef, Status: models.OutboxQueued, NotBefore: m.NotBefore,
			CreatedAt: now, UpdatedAt: now}
		if row.NotBefore.IsZero() {
			row.NotBefore = now
		}
		if !m.Expires.IsZero() {
			exp := m.Expires
			row.ExpiresAt = &exp
		}
		if m.Key != "" {
			key := m.Key
			row.IdemKey = &key
		}
		rows = append(rows, row)
		if !slices.Contains(bots, m.BotID) {
			bots = append(bots, m.BotID)
		}
	}
	if _, err := models.InsertOutbox(ctx, db, rows...); err != nil {
		return nil, err
	}
	return bots, nil
}

// wakeReq asks the Run loop to poke or start a bot's sender. committed
// says the messages are already committed (EnqueueQuiet): if another
// instance sends for the bot, it is notified from here.
type wakeReq struct {
	botID     string
	committed bool
}

// Wake tells this instance's sender that the bot may have messages due.
func (o *Outbox) Wake(botID string) { o.wake(wakeReq{botID: botID}) }

func (o *Outbox) wake(w wakeReq) {
	select {
	case o.wakes <- w:
	default: // the scan finds it
	}
}

// notify wakes the instance that holds the bot's lease: a NOTIFY on its
// own, outside any transaction.
func (o *Outbox) notify(ctx context.Context, botID string) {
	if !o.pg {
		return
	}
	if _, err := o.db.NewRaw("SELECT pg_notify(?, ?)", o.channel, botID).Exec(ctx); err != nil && ctx.Err() == nil {
		o.log.WarnContext(ctx, "outbox: notify", "bot", botID, "err", err)
	}
}

// Run sends until ctx ends, then waits for the calls in flight to be
// recorded.
func (o *Outbox) Run(ctx context.Context) {
	if o.pg {
		o.wg.Go(func() { o.listen(ctx) })
	}
	// The recorder outlives ctx: the bots' runs hand it their last outcomes
	// while they stop.
	stopRecords := make(chan struct{})
	recorded := make(chan struct{})
	o.records.started.Store(true)
	go func() {
		o.records.run(context.WithoutCancel(ctx), stopRecords)
		close(recorded)
	}()
	t := time.NewTicker(o.cfg.ScanEvery)
	defer t.Stop()
	o.scan(ctx)
	for {
		select {
		case <-ctx.Done():
			o.wg.Wait()
			close(stopRecords)
			<-recorded
			o.records.started.Store(false)
			return
		case w := <-o.wakes:
			if !o.start(ctx, w.botID, false, !w.committed) && w.committed {
				o.notify(ctx, w.botID) // another instance sends for it
			}
		case <-t.C:
			o.scan(ctx)
		}
	}
}

// scan starts a sender for each bot with due messages whose lease this
// instance can take.
func (o *Outbox) scan(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	ids, err := models.OutboxBotsDue(ctx, o.db, models.Now(), 1000)
	if err != nil {
		if ctx.Err() == nil {
			o.log.WarnContext(ctx, "outbox: list bots", "err", err)
		}
		return
	}
	for _, id := range ids {
		o.start(ctx, id, true, false)
	}
}

// start pokes the bot's sender on this instance, or starts one when the
// bot's lease can be taken, and says whether the bot is sent for here.
// scan says the caller is the scan rather than a wake-up; woken says a
// message was just queued in a transaction perhaps not committed yet: the
// sender then looks again a few times shortly.
func (o *Outbox) start(ctx context.Context, botID string, scan, woken bool) bool {
	if ctx.Err() != nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if r := o.running[botID]; r != nil {
		r.poke(woken)
		return true
	}
	if !scan && time.Now().Before(o.elsewhere[botID]) {
		return false // a wake-up for a bot another instance sends for
	}
	now := models.Now()
	epoch, ok, err := models.AcquireOutboxLease(ctx, o.db, botID, o.instance, now.Add(o.cfg.Lease), now)
	if err != nil || !ok {
		// Another instance sends for this bot, or the database hiccupped:
		// the next scan tries again.
		if len(o.elsewhere) > 10_000 {
			clear(o.elsewhere)
		}
		o.elsewhere[botID] = time.Now().Add(o.cfg.Lease / 10)
		return false
	}
	delete(o.elsewhere, botID)
	r := newBotRun(o, botID, epoch)
	r.poke(woken)
	botCtx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	o.running[botID] = r
	o.wg.Go(func() {
		r.run(botCtx)
		o.mu.Lock()
		cancel()
		delete(o.running, botID)
		o.mu.Unlock()
		if len(r.wake) > 0 && ctx.Err() == nil {
			// Poked after it decided to stop: start again rather than
			// leave the message to the next scan.
			o.Wake(botID)
		}
	})
	return true
}

// SendDue sends, now and on the caller's goroutine, every message due for
// the bots whose lease this instance can take, and returns how many calls
// it made. Tests and the demo use it to drive the outbox step by step;
// Run does the same continuously.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	ids, err := models.OutboxBotsDue(ctx, o.db, models.Now(), 1000)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		o.mu.Lock()
		_, busy := o.running[id]
		o.mu.Unlock()
		if busy {
			continue
		}
		now := models.Now()
		epoch, ok, err := models.AcquireOutboxLease(ctx, o.db, id, o.instance, now.Add(o.cfg.Lease), now)
		if err != nil {
			return total, err
		}
		if !ok {
			continue
		}
		r := newBotRun(o, id, epoch)
		total += r.drain(ctx)
		r.pending.Wait()
		if err := models.ReleaseOutboxLease(ctx, o.db, id, o.instance, epoch); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Observe registers fn to learn the final outcome (sent, failed,
// unconfirmed) of every message of origin, after it is recorded, in
// batches (see Observer): a campaign records its greetings on the lead
// this way, and conversations the answers sent. fn runs on the outbox's
// recorder and should be quick. Call before Run.
func (o *Outbox) Observe(origin string, fn Observer) {
	o.observers[origin] = append(o.observers[origin], fn)
}
