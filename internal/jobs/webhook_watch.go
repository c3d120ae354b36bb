package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/models"
)

// WebhookWatch asks Telegram (getWebhookInfo) whether each running webhook
// bot's updates reach Botdeck, and puts a bot whose delivery fails in
// warning until it works again (core.Bots.CheckWebhook). Each check is
// claimed in the database first, so several instances share the work and
// a bot is asked about once per interval whatever their number.
type WebhookWatch struct {
	db    *bun.DB
	bots  *core.Bots
	log   *slog.Logger
	every time.Duration // how often each bot is checked
	batch int
}

// defaultWebhookCheck is how often a bot's delivery is checked unless
// configured (BOTDECK_WEBHOOK_CHECK): soon enough that an owner learns of
// an outage within minutes, rarely enough to cost Telegram one cheap call
// per bot every few minutes.
const defaultWebhookCheck = 5 * time.Minute

// NewWebhookWatch checks every running webhook bot once per every.
func NewWebhookWatch(db *bun.DB, bots *core.Bots, log *slog.Logger, every time.Duration) *WebhookWatch {
	if every <= 0 {
		every = defaultWebhookCheck
	}
	return &WebhookWatch{db: db, bots: bots, log: log, every: every, batch: 100}
}

// Run checks the bots that are due, a few times per interval (so the
// checks spread out), until ctx ends.
func (w *WebhookWatch) Run(ctx context.Context) {
	t := time.NewTicker(max(w.every/5, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := w.CheckDue(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "webhook watch", "err", err)
		}
	}
}

// CheckDue checks every bot not checked within the interval and returns how
// many this instance checked. Telegram being unreachable for one bot is
// logged and skipped: it says nothing about the bot's webhook.
func (w *WebhookWatch) CheckDue(ctx context.Context) (int, error) {
	checked := 0
	for ctx.Err() == nil {
		now := models.Now()
		due := now.Add(-w.every)
		bots, err := models.WebhookBotsToCheck(ctx, w.db, due, w.batch)
		if err != nil {
			return checked, err
		}
		for i := range bots {
			ok, err := models.ClaimWebhookCheck(ctx, w.db, &bots[i], now, due)
			if err != nil {
				return checked, err
			}
			if !ok {
				continue // another instance has it
			}
			checked++
			if err := w.bots.CheckWebhook(ctx, &bots[i]); err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "check webhook", "bot", bots[i].ID, "err", err)
			}
		}
		if len(bots) < w.batch {
			break
		}
	}
	return checked, ctx.Err()
}
