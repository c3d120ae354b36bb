package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// pollTelegram is what polling needs from the Bot API.
type pollTelegram interface {
	GetUpdatesRaw(ctx context.Context, token string, offset int64, limit, timeoutSeconds int, allowed []string) ([]json.RawMessage, error)
}

// PollerConfig tunes long polling; zero values take the defaults.
type PollerConfig struct {
	ScanEvery   time.Duration // how often the set of bots to poll is refreshed (2s)
	PollTimeout time.Duration // getUpdates long-poll timeout (10s)
	Lease       time.Duration // how long a lease lasts without renewal (45s)
	MaxBackoff  time.Duration // longest wait after repeated failures (60s)
}

func (c PollerConfig) withDefaults() PollerConfig {
	if c.ScanEvery <= 0 {
		c.ScanEvery = 2 * time.Second
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 10 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 45 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	return c
}

// Poller long-polls every bot that has no webhook (no public URL). Each bot
// is polled by exactly one instance, the holder of its lease in poll_state;
// the offset is saved only after the updates are stored, so a crash
// re-fetches (and the store deduplicates) rather than loses.
type Poller struct {
	db       *bun.DB
	tg       pollTelegram
	bots     *core.Bots
	ingest   *ingest.Pipeline
	log      *slog.Logger
	cfg      PollerConfig
	instance string

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// NewPoller returns the polling worker of this instance.
func NewPoller(db *bun.DB, tg pollTelegram, bots *core.Bots, in *ingest.Pipeline, log *slog.Logger, instance string, cfg PollerConfig) *Poller {
	return &Poller{db: db, tg: tg, bots: bots, ingest: in, log: log, cfg: cfg.withDefaults(), instance: instance,
		running: map[string]context.CancelFunc{}}
}

// Run starts and stops per-bot pollers as bots come and go, until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.cfg.ScanEvery)
	defer t.Stop()
	for {
		p.scan(ctx)
		select {
		case <-ctx.Done():
			p.mu.Lock()
			for _, cancel := range p.running {
				cancel()
			}
			p.mu.Unlock()
			p.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// scan starts a poller for each pollable bot whose lease this instance can
// take, and stops pollers of bots that are no longer pollable.
func (p *Poller) scan(ctx context.Context) {
	ids, err := models.PollableBotIDs(ctx, p.db)
	if err != nil {
		if ctx.Err() == nil {
			p.log.WarnContext(ctx, "poller: list bots", "err", err)
		}
		return
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, cancel := range p.running {
		if !want[id] {
			cancel()
			delete(p.running, id)
		}
	}
	now := models.Now()
	for _, id := range ids {
		if _, ok := p.running[id]; ok {
			continue
		}
		ok, err := models.AcquirePollLease(ctx, p.db, id, p.instance, now.Add(p.cfg.Lease), now)
		if err != nil || !ok {
			continue // another instance polls it, or the database hiccupped: next scan
		}
		botCtx, cancel := context.WithCancel(ctx)
		p.running[id] = cancel
		p.wg.Go(func() {
			p.pollBot(botCtx, id)
			p.mu.Lock()
			if _, still := p.running[id]; still {
				p.running[id]()
				delete(p.running, id)
			}
			p.mu.Unlock()
		})
	}
}

// pollBot polls one bot until ctx ends, the bot stops being pollable, or
// the lease is lost.
func (p *Poller) pollBot(ctx context.Context, botID string) {
	defer models.ReleasePollLease(context.WithoutCancel(ctx), p.db, botID, p.instance) //nolint:errcheck // expires anyway
	for ctx.Err() == nil {
		bot, err := models.BotByID(ctx, p.db, botID)
		if err != nil || bot.UpdateMode != models.ModePolling || (bot.Status != models.BotActive && bot.Status != models.BotWarning) {
			return
		}
		st, err := models.PollStateOf(ctx, p.db, botID)
		if err != nil {
			p.backoff(ctx, bot, 1, err)
			continue
		}
		token, err := p.bots.Token(bot)
		if err != nil {
			p.log.ErrorContext(ctx, "poller: token", "bot", botID, "err", err)
			return
		}
		raws, err := p.tg.GetUpdatesRaw(ctx, token, st.NextOffset, 100, int(p.cfg.PollTimeout.Seconds()), core.AllowedUpdates)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, telegram.ErrUnauthorized) {
				p.bots.NoteTelegramError(ctx, bot, err)
				p.writeLog(ctx, botID, "Polling stopped: Telegram rejects the token.", err)
				return
			}
			n, _ := models.RecordPollFailure(ctx, p.db, botID, p.instance, err.Error(), models.Now())
			if n == 1 {
				p.writeLog(ctx, botID, "Fetching updates from Telegram failed; Botdeck keeps retrying.", err)
			}
			p.backoff(ctx, bot, n, err)
			continue
		}
		next := st.NextOffset
		stored := true
		for _, raw := range raws {
			if _, err := p.ingest.Receive(ctx, botID, raw); err != nil && !errors.Is(err, ingest.ErrNotAnUpdate) {
				// Not stored: keep the offset so Telegram sends it again.
				p.log.WarnContext(ctx, "poller: store update", "bot", botID, "err", err)
				stored = false
				break
			}
			if id, ok := updateID(raw); ok && id+1 > next {
				next = id + 1
			}
		}
		now := models.Now()
		held, err := models.SavePollProgress(ctx, p.db, botID, p.instance, next, now.Add(p.cfg.Lease), now)
		if err == nil && !held {
			return // another instance took over
		}
		if !stored || err != nil {
			p.backoff(ctx, bot, 1, err)
		}
	}
}

// backoff waits 2^n seconds (capped), or until ctx ends.
func (p *Poller) backoff(ctx context.Context, bot *models.Bot, n int, _ error) {
	d := time.Second << min(n, 10)
	if d > p.cfg.MaxBackoff {
		d = p.cfg.MaxBackoff
	}
	// Keep the lease alive while waiting.
	now := models.Now()
	models.AcquirePollLease(ctx, p.db, bot.ID, p.instance, now.Add(p.cfg.Lease+d), now) //nolint:errcheck
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (p *Poller) writeLog(ctx context.Context, botID, msg string, err error) {
	if lerr := models.InsertLogs(ctx, p.db, &models.BotLog{BotID: botID, Level: models.LogError, Source: models.SourceTelegram,
		Message: msg, Detail: fmt.Sprint(err)}); lerr != nil {
		p.log.WarnContext(ctx, "poller: write bot log", "bot", botID, "err", lerr)
	}
}

func updateID(raw json.RawMessage) (int64, bool) {
	var v struct {
		UpdateID *int64 `json:"update_id"`
	}
	if json.Unmarshal(raw, &v) != nil || v.UpdateID == nil {
		return 0, false
	}
	return *v.UpdateID, true
}
