package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/botdeck/botdeck/internal/core"
)

// Scheduler starts scheduled broadcasts when their time comes: every
// Every (1 s) it asks core.Broadcasts.StartDue to freeze the audience of
// each due broadcast and queue it for the Broadcaster. Any number of
// instances may run it: the start is claimed in the database by the
// freezing transaction's conditional UPDATE (scheduled → queued), so each
// broadcast starts exactly once, on whichever instance commits first, and
// within Every plus the freeze of its audience of its time. It also
// freezes the audience of broadcasts created as preparing
// (core.Broadcasts.PrepareDue), the same way: exactly once.
type Scheduler struct {
	broadcasts *core.Broadcasts
	log        *slog.Logger
	Every      time.Duration
}

// NewScheduler returns the scheduler of this instance.
func NewScheduler(b *core.Broadcasts, log *slog.Logger) *Scheduler {
	return &Scheduler{broadcasts: b, log: log, Every: time.Second}
}

// Run starts due broadcasts until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "scheduler: start due broadcasts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick freezes what is preparing and starts what is due now, and returns
// how many broadcasts this instance queued.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.broadcasts.PrepareDue(ctx, 10)
		total += n
		if err != nil {
			return total, err
		}
		if n < 10 {
			break
		}
	}
	for {
		n, err := s.broadcasts.StartDue(ctx, 50)
		total += n
		if err != nil || n < 50 {
			return total, err
		}
	}
}
