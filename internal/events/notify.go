package events

import (
	"time"
)

// notifyAfter are the NOTIFYs sent after the latest publish, counted from
// it: publishing happens inside a transaction that commits a little later,
// so the readers (on every instance, this one included) are woken a few
// times until it has; the reader's safety poll catches a transaction that
// takes longer.
var notifyAfter = []time.Duration{0, 5 * time.Millisecond, 25 * time.Millisecond, 100 * time.Millisecond,
	400 * time.Millisecond, 1500 * time.Millisecond}

// notifySoon asks the notifier to wake the readers. On PostgreSQL the
// NOTIFY is not part of the publishing transaction: a transaction that
// notifies takes PostgreSQL's database-wide notification lock at commit
// and holds it until its commit is flushed, so every publishing
// transaction (each ingest batch that records messages, each answer the
// outbox records) would commit one after another. One goroutine per
// instance sends them instead, on its own connection and folded together.
func (b *Bus) notifySoon() {
	b.notifyOnce.Do(func() { go b.notifier() }) // ends with the bus's context
	select {
	case b.notifyCh <- struct{}{}:
	default: // one is pending already
	}
}

func (b *Bus) notifier() {
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-b.notifyCh:
		}
		last := time.Now()
		for i := 0; i < len(notifyAfter); i++ {
			t := time.NewTimer(time.Until(last.Add(notifyAfter[i])))
			select {
			case <-b.ctx.Done():
				t.Stop()
				return
			case <-b.notifyCh:
				t.Stop()
				// Published again: the looks start over from this
				// publish, the next one shortly (not at once, so a steady
				// stream of publishes costs one NOTIFY per 5 ms at most).
				last, i = time.Now(), 0
				continue
			case <-t.C:
			}
			if _, err := b.db.ExecContext(b.ctx, "SELECT pg_notify(?, '')", b.channel); err != nil && b.ctx.Err() == nil {
				b.log.Warn("events: notify", "err", err)
			}
		}
	}
}
