package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/models"
)

// uploadCleanupLease names the lease (in notification_leases, the
// table of named leases) held by the instance that cleans uploads.
const uploadCleanupLease = "upload_cleanup"

// UploadCleanup deletes uploads nothing uses (no reply, broadcast or
// outbox message; models.PruneUnusedUploads) once they are older than
// models.UploadsKept, every Every (an hour), in batches of Batch so that
// no statement holds many files' bytes at once. One instance at a time
// does it: the one that holds the named lease, taken for twice Every
// and renewed each round, so it stays with one instance while that
// instance runs and passes to another when it stops.
type UploadCleanup struct {
	db       *bun.DB
	log      *slog.Logger
	instance string
	Every    time.Duration
	Batch    int
}

// NewUploadCleanup returns the uploads cleanup of this instance.
func NewUploadCleanup(db *bun.DB, log *slog.Logger, instance string) *UploadCleanup {
	return &UploadCleanup{db: db, log: log, instance: instance, Every: time.Hour, Batch: 50}
}

// Run cleans now and then every Every until ctx ends, then gives up the
// lease.
func (c *UploadCleanup) Run(ctx context.Context) {
	t := time.NewTicker(c.Every)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := models.ReleaseNotificationLease(rctx, c.db, uploadCleanupLease, c.instance); err != nil {
			c.log.WarnContext(rctx, "upload cleanup: release lease", "err", err)
		}
	}()
	for {
		if _, err := c.Clean(ctx); err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "upload cleanup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Clean deletes unused old uploads, batch by batch, when this instance
// holds (or takes) the lease, and returns how many it deleted.
func (c *UploadCleanup) Clean(ctx context.Context) (int64, error) {
	held, err := models.TakeNotificationLease(ctx, c.db, uploadCleanupLease, c.instance, models.Now(), 2*c.Every)
	if err != nil || !held {
		return 0, err
	}
	before := models.Now().Add(-models.UploadsKept)
	var total int64
	for ctx.Err() == nil {
		n, err := models.PruneUnusedUploads(ctx, c.db, before, c.Batch)
		total += n
		if err != nil || n < int64(c.Batch) {
			return total, err
		}
	}
	return total, ctx.Err()
}
