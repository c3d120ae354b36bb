package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// Retention prunes what must not grow without bound: raw updates older
// than the retention period (their counts and daily series live on in
// bot_daily and bot_update_kinds), message bodies past their own
// retention when one is set, cached profile photos nobody opened for
// photoKeep, live events past events.Retention, relay delivery logs older
// than the retention period, notifications older than
// models.NotificationsKept, and expired sessions.
// Deleting is idempotent, so several instances may run it without
// coordination.
type Retention struct {
	db   *bun.DB
	log  *slog.Logger
	keep time.Duration
	// Messages is how long message bodies are kept (0: forever); set it
	// before Run.
	Messages time.Duration
	every    time.Duration
	slices   int
}

// photoKeep is how long an unviewed cached profile photo is kept: viewed
// ones are refreshed daily, so this only drops photos of people nobody
// looked at in a month (they are fetched again if someone does).
const photoKeep = 30 * 24 * time.Hour

// NewRetention prunes raw updates older than keep, every hour.
func NewRetention(db *bun.DB, log *slog.Logger, keep time.Duration) *Retention {
	return &Retention{db: db, log: log, keep: keep, every: time.Hour, slices: 5000}
}

// Run prunes now and then every hour until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes raw updates and finished outbox messages past retention
// and old cached photos (in
// slices, so a long backlog never holds one huge transaction) and expired
// sessions. It returns how many raw updates it deleted.
func (r *Retention) Prune(ctx context.Context) (int64, error) {
	now := models.Now()
	total, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneUpdates(ctx, r.db, now.Add(-r.keep), r.slices)
	})
	if err != nil {
		return total, err
	}
	if r.Messages > 0 {
		if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
			return models.PruneMessageBodies(ctx, r.db, now.Add(-r.Messages), r.slices)
		}); err != nil {
			return total, err
		}
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneUserPhotos(ctx, r.db, now.Add(-photoKeep), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneEvents(ctx, r.db, now.Add(-events.Retention), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		// What bots said is kept as long as what they were told.
		return models.PruneOutbox(ctx, r.db, now.Add(-r.keep), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneActiveDays(ctx, r.db, models.Day(now.AddDate(0, 0, -models.ActiveDaysKept)), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneRelayDeliveries(ctx, r.db, now.Add(-r.keep), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := r.inSlices(ctx, func(ctx context.Context) (int64, error) {
		return models.PruneNotifications(ctx, r.db, now.Add(-models.NotificationsKept), r.slices)
	}); err != nil {
		return total, err
	}
	if _, err := models.DeleteExpiredSessions(ctx, r.db, now); err != nil {
		return total, err
	}
	return total, nil
}

// inSlices calls prune, which deletes at most r.slices rows, until a call
// deletes fewer, and returns how many rows were deleted in all.
func (r *Retention) inSlices(ctx context.Context, prune func(context.Context) (int64, error)) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		n, err := prune(ctx)
		total += n
		if err != nil || n < int64(r.slices) {
			return total, err
		}
	}
	return total, nil
}
