package outbox

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/models"
)

// Observer learns the final outcome (sent, failed, unconfirmed) of messages
// of one origin, inside the transaction given: the conversation record of
// an answer, a campaign lead's greeting. An error rolls the transaction
// back; the messages are then observed again one at a time, so one bad
// message cannot keep the others' records out.
type Observer func(ctx context.Context, db bun.IDB, msgs []*models.OutboxMessage) error

// outcomeRecord is the final outcome of one claimed message, to be written.
type outcomeRecord struct {
	run *botRun
	m   *models.OutboxMessage
	out models.OutboxOutcome
}

// maxRecordBatch bounds one transaction of outcomes.
const maxRecordBatch = 256

// recorder writes the final outcomes of sent messages for every bot of this
// instance in batches: one transaction for the outcomes that came in while
// the previous one was being written, then one for their observers. At
// 1,000 answers a second over 50 bots, a commit per outcome and another per
// conversation record were most of what the sender cost (see
// docs/BENCHMARKS.md); a batch costs two commits. A message's call is made
// before its outcome is written, as before: a crash in between leaves it
// "sending", and the next lease holder counts it unconfirmed. A bot's run
// waits for its outcomes to be written before it gives up its lease, so a
// new holder never counts a message unconfirmed whose outcome is on its way.
//
// Until Run starts it (SendDue, tests), outcomes are written at once, one
// by one.
type recorder struct {
	o       *Outbox
	started atomic.Bool

	mu    sync.Mutex
	queue []outcomeRecord
	ready chan struct{} // a token: the queue has something
}

func newRecorder(o *Outbox) *recorder {
	return &recorder{o: o, ready: make(chan struct{}, 1)}
}

// add hands an outcome over; the run's pending count goes down when it is
// written.
func (rc *recorder) add(ctx context.Context, rec outcomeRecord) {
	rec.run.pending.Add(1)
	if !rc.started.Load() {
		rc.write(ctx, []outcomeRecord{rec})
		return
	}
	rc.mu.Lock()
	rc.queue = append(rc.queue, rec)
	rc.mu.Unlock()
	select {
	case rc.ready <- struct{}{}:
	default:
	}
}

// run writes outcomes until stop is closed and nothing is left.
func (rc *recorder) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-rc.ready:
		case <-stop:
			for rc.flush(ctx) {
			}
			return
		}
		for rc.flush(ctx) {
		}
	}
}

// flush writes one batch and says whether there was one.
func (rc *recorder) flush(ctx context.Context) bool {
	rc.mu.Lock()
	n := min(len(rc.queue), maxRecordBatch)
	batch := rc.queue[:n:n]
	rc.queue = rc.queue[n:]
	if len(rc.queue) == 0 {
		rc.queue = nil
	}
	rc.mu.Unlock()
	if n == 0 {
		return false
	}
	rc.write(ctx, batch)
	return true
}

// write records a batch of outcomes in one transaction, then tells the
// observers of those that landed.
func (rc *recorder) write(ctx context.Context, batch []outcomeRecord) {
	defer func() {
		for _, rec := range batch {
			rec.run.pending.Done()
		}
	}()
	landed := make([]bool, len(batch))
	err := persist(ctx, func(ctx context.Context) error {
		return rc.o.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			now := models.Now()
			var sent []models.OutboxSentRow
			for i, rec := range batch {
				landed[i] = false
				if rec.out.Status == models.OutboxSent {
					sent = append(sent, models.OutboxSentRow{ID: rec.m.ID, Epoch: rec.run.epoch, MessageID: rec.out.MessageID, At: rec.out.At})
					continue
				}
				ok, err := models.FinishOutbox(ctx, tx, rec.m.ID, rec.run.epoch, rec.out, now)
				if err != nil {
					return err
				}
				landed[i] = ok
			}
			ids, err := models.FinishOutboxSent(ctx, tx, sent, now)
			if err != nil {
				return err
			}
			recorded := make(map[int64]bool, len(ids))
			for _, id := range ids {
				recorded[id] = true
			}
			for i, rec := range batch {
				if rec.out.Status == models.OutboxSent {
					landed[i] = recorded[rec.m.ID]
				}
			}
			return nil
		})
	})
	if err != nil {
		// The rows stay "sending": the next lease holder counts them
		// unconfirmed. Nothing is sent twice.
		for _, rec := range batch {
			rc.o.log.ErrorContext(ctx, "outbox: record outcome", "bot", rec.run.botID, "message", rec.m.ID,
				"status", rec.out.Status, "err", err)
		}
		return
	}
	var done []*models.OutboxMessage
	for i, rec := range batch {
		if landed[i] {
			rec.m.Status, rec.m.Error, rec.m.MessageID = rec.out.Status, rec.out.Error, rec.out.MessageID
			if rec.out.Status == models.OutboxSent && !rec.out.At.IsZero() {
				at := rec.out.At
				rec.m.SentAt = &at
			}
			done = append(done, rec.m)
		}
	}
	rc.o.observe(ctx, done)
}

// observe hands final outcomes to the observers of their origins: all in
// one transaction, or, if that fails, each message in its own.
func (o *Outbox) observe(ctx context.Context, msgs []*models.OutboxMessage) {
	var watched []*models.OutboxMessage
	for _, m := range msgs {
		if len(o.observers[m.Origin]) > 0 {
			watched = append(watched, m)
		}
	}
	if len(watched) == 0 {
		return
	}
	if len(watched) > 1 && o.observeInTx(ctx, watched) == nil {
		return
	}
	for _, m := range watched {
		if err := o.observeInTx(ctx, []*models.OutboxMessage{m}); err != nil {
			o.log.ErrorContext(ctx, "outbox: observe an outcome", "bot", m.BotID, "message", m.ID, "origin", m.Origin, "err", err)
		}
	}
}

// observeInTx runs the observers of msgs, grouped by origin in order of
// first appearance, in one transaction.
func (o *Outbox) observeInTx(ctx context.Context, msgs []*models.OutboxMessage) error {
	var origins []string
	byOrigin := map[string][]*models.OutboxMessage{}
	for _, m := range msgs {
		if _, seen := byOrigin[m.Origin]; !seen {
			origins = append(origins, m.Origin)
		}
		byOrigin[m.Origin] = append(byOrigin[m.Origin], m)
	}
	return o.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, origin := range origins {
			for _, fn := range o.observers[origin] {
				if err := fn(ctx, tx, byOrigin[origin]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
