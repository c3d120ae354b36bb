package ingest

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/models"
)

// Config tunes the pipeline; zero values take the defaults.
type Config struct {
	Workers    int           // concurrent batch processors, each owning a share of the bots (default 8 on PostgreSQL, 2 on SQLite)
	BatchSize  int           // most updates per processing transaction (default 1,000; see docs/BENCHMARKS.md)
	BatchWait  time.Duration // how long a worker waits to fill a batch (default 5ms)
	QueueSize  int           // in-memory hand-off between receive and process, all workers together (default 10,000)
	SweepEvery time.Duration // how often stored-but-unprocessed updates are looked for (default 1s)
	SweepAge   time.Duration // how old such an update must be to be swept (default 10s)
}

func (c Config) withDefaults(pg bool) Config {
	if c.Workers <= 0 {
		// Each bot's batch is one transaction, mostly waiting for round
		// trips and its commit: on PostgreSQL more of them in flight keep
		// up with many bots at once (1,000 updates/s over 50 bots, see
		// docs/BENCHMARKS.md) and their commits share WAL flushes. SQLite
		// has one writer: more workers would only queue on it.
		c.Workers = 2
		if pg {
			c.Workers = 8
		}
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.BatchWait <= 0 {
		c.BatchWait = 5 * time.Millisecond
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 10_000
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = time.Second
	}
	if c.SweepAge <= 0 {
		c.SweepAge = 10 * time.Second
	}
	return c
}

// Hook acts on processed updates inside the processing transaction, so
// what it writes commits together with the update's claim (campaign leads,
// for instance). A hook must not call Telegram: it records work for a job.
type Hook interface {
	Handle(ctx context.Context, tx bun.Tx, ev *Event) error
}

// BatchHook acts on all of one bot's processed updates of a batch at once
// (in update_id order), inside the processing transaction, after every
// Hook: for work that is cheaper set-based, such as reading the state of
// all the batch's users in one query. The same rules as for Hook apply.
type BatchHook interface {
	HandleBatch(ctx context.Context, tx bun.Tx, botID string, evs []*Event) error
}

// Event is one update being processed.
type Event struct {
	BotID   string
	Update  *Update
	Effects Effects
	Date    time.Time // when it happened (Telegram's date, else when received)
	// NewUser is set on the first event of a user this batch added to the
	// bot's audience (the user had never been seen).
	NewUser bool

	afterCommit []func(context.Context)
}

// AfterCommit asks for fn to run once the processing transaction has
// committed, in update_id order with the bot's other updates and before its
// next batch: for work that must not hold the transaction open, such as
// running the bot's code. It runs at most once: not if the transaction
// fails (the update is processed again, and asks again), nor after a crash
// between the commit and the call.
func (ev *Event) AfterCommit(fn func(context.Context)) { ev.afterCommit = append(ev.afterCommit, fn) }

// Pipeline stores and processes updates.
type Pipeline struct {
	db      *bun.DB
	log     *slog.Logger
	cfg     Config
	queues  []chan pending // one per worker; a bot's updates always use the same one
	hooks   []Hook
	batched []BatchHook
	metrics *metrics

	mu       sync.Mutex
	failures map[models.UpdateKey]int // processing attempts that failed, for poison detection

	stores      chan storeReq
	stopStorers context.CancelFunc
	storersDone sync.WaitGroup
	closed      chan struct{}
}

var errClosed = errors.New("ingest: pipeline closed")

// pending is a stored update waiting to be processed. The receiver only
// peeks at its id and kind; the full decode happens in the worker, off the
// request path.
type pending struct {
	botID      string
	id         int64
	kind       string
	raw        []byte
	receivedAt time.Time
}

func (it pending) decode() (*Update, error) { return Decode(it.raw) }

// New returns a pipeline that can store at once; call Run to process and
// Close to stop storing.
func New(db *bun.DB, log *slog.Logger, reg prometheus.Registerer, cfg Config) *Pipeline {
	cfg = cfg.withDefaults(sqldialect.IsPostgres(db))
	p := &Pipeline{db: db, log: log, cfg: cfg,
		metrics: newMetrics(reg), failures: map[models.UpdateKey]int{},
		stores: make(chan storeReq, maxStoreRows), closed: make(chan struct{})}
	for range cfg.Workers {
		p.queues = append(p.queues, make(chan pending, max(1, cfg.QueueSize/cfg.Workers)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stopStorers = cancel
	p.startStorers(ctx)
	return p
}

// Close stops the storers; Receive fails afterwards.
func (p *Pipeline) Close() {
	close(p.closed)
	p.stopStorers()
	p.storersDone.Wait()
}

// AddHook registers a hook; call before Run.
func (p *Pipeline) AddHook(h Hook) { p.hooks = append(p.hooks, h) }

// AddBatchHook registers a batch hook; call before Run.
func (p *Pipeline) AddBatchHook(h BatchHook) { p.batched = append(p.batched, h) }

// Receive stores one raw update for a bot and queues it for processing.
// It returns once the update is durably stored (or known from before:
// stored is then false and nothing else happens). An error means nothing
// was stored: the caller must answer non-2xx so Telegram retries.
func (p *Pipeline) Receive(ctx context.Context, botID string, raw []byte) (stored bool, err error) {
	raw = stripNUL(raw)
	id, kind, err := Peek(raw)
	if err != nil {
		p.metrics.received.WithLabelValues("rejected").Inc()
		return false, err
	}
	payload := string(raw)
	if !utf8.ValidString(payload) {
		// PostgreSQL refuses invalid UTF-8 in text; Telegram never sends it,
		// but a bad relay must not make an update unstorable forever.
		payload = strings.ToValidUTF8(payload, "\uFFFD")
	}
	now := models.Now()
	isNew, err := p.store(ctx, &models.StoredUpdate{
		BotID: botID, UpdateID: id, Kind: kind, Payload: payload, ReceivedAt: now,
	})
	if err != nil {
		p.metrics.received.WithLabelValues("error").Inc()
		return false, err
	}
	if !isNew {
		p.metrics.received.WithLabelValues("duplicate").Inc()
		return false, nil
	}
	p.metrics.received.WithLabelValues("stored").Inc()
	select {
	case p.queueOf(botID) <- pending{botID: botID, id: id, kind: kind, raw: raw, receivedAt: now}:
	default:
		// The processors are behind: the sweeper will find it in the table.
		p.metrics.overflow.Inc()
	}
	return true, nil
}

// Run processes queued and left-behind updates until ctx ends.
func (p *Pipeline) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range p.queues {
		wg.Go(func() { p.work(ctx, q) })
	}
	wg.Go(func() { p.sweep(ctx) })
	wg.Wait()
}

// queueOf returns the queue of the worker that owns botID. Updates change
// state that depends on their order (a block then an unblock, a join then a
// leave), so one bot's updates must never be processed by two workers at
// once: each bot belongs to exactly one worker, which applies its updates
// in the order they were stored (update_id order within a batch).
func (p *Pipeline) queueOf(botID string) chan pending {
	// FNV-1a over the id, inline: this runs for every delivery, and
	// hash/fnv would allocate a hasher and a copy of the id each time.
	h := uint32(2166136261)
	for i := 0; i < len(botID); i++ {
		h = (h ^ uint32(botID[i])) * 16777619
	}
	return p.queues[h%uint32(len(p.queues))]
}

// queued is how many updates wait in all queues.
func (p *Pipeline) queued() int {
	n := 0
	for _, q := range p.queues {
		n += len(q)
	}
	return n
}

// work takes updates off its queue in batches.
func (p *Pipeline) work(ctx context.Context, queue chan pending) {
	batch := make([]pending, 0, p.cfg.BatchSize)
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-queue:
			batch = append(batch[:0], it)
		}
		timer := time.NewTimer(p.cfg.BatchWait)
	fill:
		for len(batch) < p.cfg.BatchSize {
			select {
			case it := <-queue:
				batch = append(batch, it)
			case <-timer.C:
				break fill
			}
		}
		timer.Stop()
		p.metrics.queue.Set(float64(p.queued()))
		p.processBatch(context.WithoutCancel(ctx), batch)
	}
}

// sweep periodically processes updates that were stored but never
// processed: the queue was full, or the process died after storing.
func (p *Pipeline) sweep(ctx context.Context) {
	t := time.NewTicker(p.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := p.ProcessStored(ctx, p.cfg.SweepAge); err != nil && ctx.Err() == nil {
			p.log.WarnContext(ctx, "sweep unprocessed updates", "err", err)
		}
	}
}

// ProcessStored processes every stored update older than age that is not
// processed yet, and returns how many it looked at. Tests and the demo call
// it with age 0 to process synchronously.
func (p *Pipeline) ProcessStored(ctx context.Context, age time.Duration) (int, error) {
	total := 0
	for {
		rows, err := models.UnprocessedUpdates(ctx, p.db, models.Now().Add(-age), p.cfg.BatchSize)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		batch := make([]pending, 0, len(rows))
		for _, r := range rows {
			batch = append(batch, pending{botID: r.BotID, id: r.UpdateID, kind: r.Kind, raw: []byte(r.Payload), receivedAt: r.ReceivedAt})
		}
		p.processBatch(ctx, batch)
		total += len(rows)
		if len(rows) < p.cfg.BatchSize {
			return total, nil
		}
	}
}
