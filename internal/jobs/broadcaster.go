package jobs

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Broadcaster sends queued broadcasts.
//
// # Who sends what
//
// Sending is leased per bot, not per broadcast (broadcast_leases): the
// instance holding a bot's lease sends all of that bot's queued and
// running broadcasts, round-robin, through one token bucket
// (golang.org/x/time/rate) at the configured rate, and then through the
// bot's gate shared with the outbox (WithGates), where replies to people
// take every free slot first (see internal/outbox). So the bot's rate is
// shared by its broadcasts without any per-message coordination between
// instances, and two instances can never together exceed it. Different
// bots go to whichever instances take them first; a holder renews its
// lease every Lease/3 and gives it up when the bot has nothing left to
// send, so another instance takes over at once after a graceful stop and
// after at most Lease after a crash.
//
// Every lease has an epoch that grows with each new holder. A recipient
// is claimed (status sending, claim = epoch) by one conditional UPDATE that
// also requires the broadcast to be running and the lease to still be
// held in that epoch: a paused or cancelled broadcast, or a sender that
// lost its lease, claims nothing more. Pause, resume and cancel are only
// status changes in the database.
//
// # Crash guarantees
//
// A message goes out in three steps: claim (committed), sendMessage,
// record the answer (committed, with the counters, in one transaction).
//
//   - Stopping (shutdown, lease loss, a context cancelled at any point)
//     never leaves a message in doubt: once claimed, the send and the
//     recording run under a context that ignores cancellation (bounded by
//     SendTimeout). A recipient not yet claimed stays pending; a message
//     Telegram refused with 429 is given back as pending. So after a stop
//     and a restart every recipient gets the message exactly once.
//   - A hard crash (kill -9, power loss) between the claim and the
//     recording leaves the row "sending": Telegram may or may not have
//     accepted it, and the Bot API can tell neither (no idempotency key,
//     no way to read a chat). The next lease holder marks such rows
//     "unconfirmed" (models.MarkInDoubt) and does not send them again:
//     at most once. A duplicate in a user's chat is worse than a gap, and
//     the gap is bounded — at most Workers recipients per bot per crash —
//     and shown to the owner as a count. Should the old holder still be
//     alive after all, its answer replaces the doubt (RecordOutcome).
//   - The same holds for a request whose answer is lost on a live
//     connection (a timeout, a connection broken after the request was
//     written): it is recorded unconfirmed, never resent. Only failures
//     that prove the message was not delivered are retried: 429 (after
//     retry_after, the same message, not counted as an attempt), Bot API
//     5xx answers, and transport failures before the request left (dial,
//     DNS, connection refused) — with back-off, MaxAttempts times in all,
//     then counted failed.
//   - Unconfirmed recipients are sent again only when the owner asks,
//     knowing some may get the message twice (core.Broadcasts.
//     ResendUnconfirmed, "Send unconfirmed again" on the broadcast page).
//
// The crash tests (broadcast_crash_test.go) show each case: a sender
// stopped by cancelling its context at random points, then restarted,
// messages every recipient exactly once; one that dies right after
// Telegram's answer and before the record (the worst moment) also ends
// with every recipient messaged exactly once, the in-flight ones counted
// unconfirmed; one that dies after the claim and before the request
// leaves the in-flight recipients unmessaged and unconfirmed, never
// messaged twice.
type Broadcaster struct {
	db       *bun.DB
	tg       *telegram.Client
	bots     *core.Bots
	feed     *core.BroadcastFeed
	log      *slog.Logger
	instance string
	rate     float64
	cfg      BroadcasterConfig

	gates *outbox.Gates // shared with the outbox: replies go first (nil: none)

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup

	// Test seams (broadcast_export_test.go): dead simulates a process that
	// stopped existing — no more writes, no lease release.
	dead       atomic.Bool
	beforeSend func(broadcastID string, userID int64) (crash bool)
	afterSend  func(broadcastID string, userID int64) (crash bool)
}

// BroadcasterConfig tunes the sender; zero values take the defaults.
type BroadcasterConfig struct {
	ScanEvery   time.Duration // how often bots with work are looked for (1s)
	Lease       time.Duration // how long a bot's lease lasts without renewal (30s)
	Workers     int           // sendMessage requests in flight per bot (4)
	Batch       int           // recipients read per broadcast per round (20)
	MaxAttempts int           // tries of a message that fails transiently (4)
	Backoff     time.Duration // wait before the first retry, doubled each time (2s)
	MaxBackoff  time.Duration // longest wait between retries (1m)
	StormWindow int           // outcomes looked at for an error storm (20)
	SendTimeout time.Duration // bound on one sendMessage (30s)
	IdleWait    time.Duration // pause of a bot's sender with nothing due (250ms)
}

func (c BroadcasterConfig) withDefaults() BroadcasterConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.ScanEvery, time.Second)
	def(&c.Lease, 30*time.Second)
	def(&c.Backoff, 2*time.Second)
	def(&c.MaxBackoff, time.Minute)
	def(&c.SendTimeout, 30*time.Second)
	def(&c.IdleWait, 250*time.Millisecond)
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.StormWindow <= 0 {
		c.StormWindow = 20
	}
	return c
}

// NewBroadcaster returns the sender of this instance; progress goes to feed.
func NewBroadcaster(db *bun.DB, tg *telegram.Client, bots *core.Bots, feed *core.BroadcastFeed, log *slog.Logger, instance string, rate float64) *Broadcaster {
	return &Broadcaster{db: db, tg: tg, bots: bots, feed: feed, log: log, instance: instance, rate: rate,
		cfg: BroadcasterConfig{}.withDefaults(), running: map[string]context.CancelFunc{}}
}

// WithGates makes the broadcaster send through the bots' gates shared
// with the outbox (at outbox.PriorityBroadcast), so every free slot of a
// bot goes to a waiting reply first. Call before Run.
func (b *Broadcaster) WithGates(g *outbox.Gates) *Broadcaster {
	b.gates = g
	return b
}

// WithConfig changes the tuning (before Run) and returns b.
func (b *Broadcaster) WithConfig(cfg BroadcasterConfig) *Broadcaster {
	b.cfg = cfg.withDefaults()
	return b
}

// Run sends broadcasts until ctx ends, then waits for the messages in
// flight to be recorded.
func (b *Broadcaster) Run(ctx context.Context) {
	t := time.NewTicker(b.cfg.ScanEvery)
	defer t.Stop()
	for {
		b.scan(ctx)
		select {
		case <-ctx.Done():
			b.mu.Lock()
			for _, cancel := range b.running {
				cancel()
			}
			b.mu.Unlock()
			b.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// scan starts a sender for each bot with queued or running broadcasts
// whose lease this instance can take.
func (b *Broadcaster) scan(ctx context.Context) {
	if b.dead.Load() || ctx.Err() != nil {
		return
	}
	ids, err := models.BotsWithActiveBroadcasts(ctx, b.db)
	if err != nil {
		if ctx.Err() == nil {
			b.log.WarnContext(ctx, "broadcaster: list bots", "err", err)
		}
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		if _, ok := b.running[id]; ok {
			continue
		}
		now := models.Now()
		if b.gates != nil {
			// Another instance sends this bot's replies: its gate must
			// see the broadcast too, so leave the bot to it.
			if other, err := models.OutboxLeaseHeldByOther(ctx, b.db, id, b.instance, now); err != nil || other {
				continue
			}
		}
		epoch, ok, err := models.AcquireBroadcastLease(ctx, b.db, id, b.instance, now.Add(b.cfg.Lease), now)
		if err != nil || !ok {
			continue // another instance sends for this bot, or the database hiccupped: next scan
		}
		botCtx, cancel := context.WithCancel(ctx)
		b.running[id] = cancel
		s := newBotSender(b, models.Fence{BotID: id, Owner: b.instance, Epoch: epoch})
		b.wg.Go(func() {
			s.run(botCtx)
			b.mu.Lock()
			cancel()
			delete(b.running, id)
			b.mu.Unlock()
		})
	}
}

// die makes this Broadcaster behave like a process that stopped dead:
// nothing more is written, and its leases are left to expire.
func (b *Broadcaster) die() {
	b.dead.Store(true)
	b.mu.Lock()
	for _, cancel := range b.running {
		cancel()
	}
	b.mu.Unlock()
}
