package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/models"
)

// Retention is how long events stay in the table for replay (jobs.Retention
// prunes them). A stream that was away longer gets a reset.
const Retention = time.Hour

// Config tunes the bus; zero values take the defaults.
type Config struct {
	PollEvery       time.Duration // safety read when no wake-up came (1s on SQLite, 5s on PostgreSQL)
	GapHorizon      time.Duration // how long a skipped id is waited for (2m: longer than any transaction)
	Buffer          int           // deliveries a subscriber may fall behind before it is dropped (32)
	ReplayLimit     int           // events a reconnecting stream may replay; beyond, it gets a reset (1000)
	KeepAlive       time.Duration // an idle stream sends a comment this often (20s)
	MaxStreams      int           // concurrent streams per account on one instance (20)
	ListenReconnect time.Duration // wait before the PostgreSQL listener connects again (1s)
}

func (c Config) withDefaults(pg bool) Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if pg {
		def(&c.PollEvery, 5*time.Second)
	} else {
		def(&c.PollEvery, time.Second)
	}
	def(&c.GapHorizon, 2*time.Minute)
	def(&c.KeepAlive, 20*time.Second)
	def(&c.ListenReconnect, time.Second)
	if c.Buffer <= 0 {
		c.Buffer = 32
	}
	if c.ReplayLimit <= 0 {
		c.ReplayLimit = 1000
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 20
	}
	return c
}

// Errors a subscription ends with, and Subscribe's refusals.
var (
	ErrClosed  = errors.New("events: the bus is closed (the server is shutting down)")
	ErrLagging = errors.New("events: the subscriber fell too far behind")
)

const (
	readPage = 500  // rows per read of the log
	maxGaps  = 1000 // skipped ids remembered at most (the oldest are forgotten first)
	// startWindow is how far below the newest id a starting reader looks
	// for ids still missing (transactions in flight when it started).
	startWindow = 64
	// startGapLife is how long those are waited for: they are mostly old
	// rollbacks, and a real transaction in flight commits within seconds.
	startGapLife = 10 * time.Second
	fastPoll     = 2 * time.Millisecond
)

// Bus publishes events and delivers them to this instance's subscribers.
type Bus struct {
	db      *bun.DB
	pg      bool
	dbURL   string
	channel string // PostgreSQL NOTIFY channel: one per database schema
	log     *slog.Logger
	cfg     Config

	ctx    context.Context // ends at Close; the reader and listener run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	startMu sync.Mutex
	started bool

	mu     sync.Mutex
	closed bool
	pos    position
	subs   map[string]map[*Subscription]struct{} // by scope

	published atomic.Int64 // SQLite: the highest id this process published

	notifyOnce sync.Once
	notifyCh   chan struct{} // PostgreSQL: something was published (see notifySoon)
	readErrAt  time.Time     // when a failed read was last logged (under mu)
}

// New returns the bus of this instance over db. databaseURL is the one db
// was opened with: on PostgreSQL the listener opens its own connection
// with it. Nothing runs until the first Subscribe.
func New(ctx context.Context, db *bun.DB, databaseURL string, log *slog.Logger, cfg Config) (*Bus, error) {
	pg := sqldialect.IsPostgres(db)
	b := &Bus{db: db, pg: pg, dbURL: databaseURL, log: log, cfg: cfg.withDefaults(pg),
		wake: make(chan struct{}, 1), notifyCh: make(chan struct{}, 1), subs: map[string]map[*Subscription]struct{}{}}
	b.pos.gaps = map[int64]int64{}
	b.ctx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if pg {
		var schema string
		if err := db.NewRaw("SELECT coalesce(current_schema(), 'public')").Scan(ctx, &schema); err != nil {
			return nil, fmt.Errorf("events: read current schema: %w", err)
		}
		b.channel = channelFor(schema)
	}
	return b, nil
}

// channelFor names the NOTIFY channel of one schema, so deployments (and
// tests) sharing a PostgreSQL database in different schemas do not wake
// each other. Channel names are identifiers: at most 63 bytes.
func channelFor(schema string) string {
	if schema == "public" {
		return "botdeck_events"
	}
	name := "botdeck_events." + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = "botdeck_events." + hex.EncodeToString(sum[:8])
	}
	return name
}

// Config returns the bus's settings (with defaults filled in).
func (b *Bus) Config() Config { return b.cfg }

// Channel is the PostgreSQL NOTIFY channel ("" on SQLite); the listener's
// connection carries it as its application_name.
func (b *Bus) Channel() string { return b.channel }

// Publish records e inside db — the caller's transaction, or the database
// itself — so it is delivered if and only if db's work commits. It fills
// e's data with "{}" when empty; a bad event (no scope, unknown kind, data
// that is not a small JSON object) is a programming error returned as is.
func (b *Bus) Publish(ctx context.Context, db bun.IDB, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	rec := models.EventRecord{Scope: e.Scope, BotID: e.BotID, Kind: string(e.Kind), Subject: e.Subject, Data: string(e.Data)}
	if err := models.InsertEvent(ctx, db, &rec, ""); err != nil {
		return err
	}
	if b.pg {
		b.notifySoon()
	} else {
		// One process: wake the reader now. Inside a transaction the row is
		// not visible yet; the reader then polls quickly until it is.
		for {
			cur := b.published.Load()
			if rec.ID <= cur || b.published.CompareAndSwap(cur, rec.ID) {
				break
			}
		}
		b.poke()
	}
	return nil
}

// PublishAll records several events inside db with one statement (and
// one NOTIFY): what Publish does for each, for a feature that raises many
// at once (the messages of an ingest batch).
func (b *Bus) PublishAll(ctx context.Context, db bun.IDB, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	recs := make([]*models.EventRecord, len(evs))
	for i := range evs {
		e := &evs[i]
		if err := e.validate(); err != nil {
			return err
		}
		recs[i] = &models.EventRecord{Scope: e.Scope, BotID: e.BotID, Kind: string(e.Kind), Subject: e.Subject, Data: string(e.Data)}
	}
	if err := models.InsertEvents(ctx, db, recs, ""); err != nil {
		return err
	}
	if b.pg {
		b.notifySoon()
	} else {
		last := recs[len(recs)-1].ID
		for {
			cur := b.published.Load()
			if last <= cur || b.published.CompareAndSwap(cur, last) {
				break
			}
		}
		b.poke()
	}
	return nil
}

func (b *Bus) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Close ends every subscription (ErrClosed) and stops the reader and the
// listener. Publish keeps working. Close is idempotent.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for _, set := range b.subs {
		for s := range set {
			b.dropLocked(s, ErrClosed)
		}
	}
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}

// start runs the reader (and on PostgreSQL the listener) from the newest
// event on. It runs once, on the first Subscribe.
func (b *Bus) start() error {
	b.startMu.Lock()
	defer b.startMu.Unlock()
	if b.started {
		return nil
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	_, latest, err := models.EventIDRange(ctx, b.db)
	if err != nil {
		return err
	}
	// Ids just below the newest that are missing may belong to
	// transactions still in flight: wait for them a little.
	ids, err := models.EventIDsAbove(ctx, b.db, max(0, latest-startWindow), startWindow)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.pos.last = latest
	expiresEarly := time.Now().Add(startGapLife - b.cfg.GapHorizon).UnixNano()
	next := max(0, latest-startWindow) + 1
	for _, id := range ids {
		for ; next < id; next++ {
			b.pos.gaps[next] = expiresEarly
		}
		next = id + 1
	}
	b.mu.Unlock()

	b.started = true
	b.wg.Go(b.read)
	if b.pg {
		b.wg.Go(b.listen)
	}
	return nil
}

// read is the reader: it catches up with the log whenever woken or polled,
// until Close.
func (b *Bus) read() {
	timer := time.NewTimer(b.cfg.PollEvery)
	defer timer.Stop()
	fast := fastPoll
	for {
		b.catchUp(b.ctx)
		wait := b.cfg.PollEvery
		if !b.pg && b.published.Load() > b.lastRead() {
			// An event published in a transaction not committed yet (or
			// rolled back): look again soon, less and less often.
			wait, fast = fast, min(fast*2, b.cfg.PollEvery)
		}
		timer.Reset(wait)
		select {
		case <-b.ctx.Done():
			return
		case <-b.wake:
			fast = fastPoll
		case <-timer.C:
		}
	}
}

func (b *Bus) lastRead() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pos.last
}

// catchUp reads every event past the reader's position (and the gaps it
// waits for) and delivers them.
func (b *Bus) catchUp(ctx context.Context) {
	for ctx.Err() == nil {
		b.mu.Lock()
		after, gaps := b.pos.last, b.gapIDsLocked()
		b.mu.Unlock()
		rows, err := models.EventsAfter(ctx, b.db, after, gaps, readPage)
		if err != nil {
			b.logReadError(ctx, err)
			return
		}
		b.mu.Lock()
		b.applyLocked(rows, time.Now())
		b.mu.Unlock()
		if len(rows) < readPage {
			return
		}
	}
}

func (b *Bus) logReadError(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	b.mu.Lock()
	quiet := time.Since(b.readErrAt) < time.Minute
	if !quiet {
		b.readErrAt = time.Now()
	}
	b.mu.Unlock()
	if !quiet {
		b.log.WarnContext(ctx, "events: read the log", "err", err)
	}
}

func (b *Bus) gapIDsLocked() []int64 {
	if len(b.pos.gaps) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(b.pos.gaps))
	for id := range b.pos.gaps {
		ids = append(ids, id)
	}
	return ids
}

// applyLocked moves the position over rows (in id order), delivers their
// events, and forgets gaps past the horizon.
func (b *Bus) applyLocked(rows []models.EventRecord, now time.Time) {
	stamp := now.UnixNano()
	fresh := make([]Event, 0, len(rows))
	for _, r := range rows {
		switch {
		case r.ID > b.pos.last:
			// Ids skipped between the last one and this one belong to
			// transactions that have not committed (or never will).
			for id := max(b.pos.last+1, r.ID-maxGaps); id < r.ID; id++ {
				b.pos.gaps[id] = stamp
			}
			b.pos.last = r.ID
		case b.hasGap(r.ID):
			delete(b.pos.gaps, r.ID)
		default:
			continue // delivered already
		}
		fresh = append(fresh, toEvent(r))
	}
	horizon := now.Add(-b.cfg.GapHorizon).UnixNano()
	for id, since := range b.pos.gaps {
		if since < horizon {
			delete(b.pos.gaps, id)
		}
	}
	for len(b.pos.gaps) > maxGaps {
		oldest := int64(-1)
		for id := range b.pos.gaps {
			if oldest < 0 || id < oldest {
				oldest = id
			}
		}
		delete(b.pos.gaps, oldest)
	}
	if len(fresh) > 0 {
		b.deliverLocked(fresh, b.pos.cursor())
	}
}

func (b *Bus) hasGap(id int64) bool {
	_, ok := b.pos.gaps[id]
	return ok
}

func toEvent(r models.EventRecord) Event {
	e := Event{ID: r.ID, Scope: r.Scope, BotID: r.BotID, Kind: Kind(r.Kind), Subject: r.Subject, Data: []byte(r.Data), At: r.CreatedAt}
	e.frame = encodeFrame(&e)
	return e
}
