package ingest

import (
	"context"
	"time"

	"github.com/botdeck/botdeck/models"
)

// Group commit: concurrent Receive calls (Telegram delivers up to 40 at
// once per bot) are stored by a few storer goroutines, each writing every
// request waiting at that moment in one multi-row INSERT and one commit.
// Each caller still returns only after the commit that holds its row, so
// "2xx only once durably stored" holds, but the database does one fsync
// per group instead of one per update.
const (
	storers      = 2
	maxStoreRows = 256
)

type storeReq struct {
	rec  *models.StoredUpdate
	done chan storeRes
}

type storeRes struct {
	isNew bool
	err   error
}

// startStorers runs the storer goroutines until ctx ends.
func (p *Pipeline) startStorers(ctx context.Context) {
	for range storers {
		p.storersDone.Go(func() { p.storeLoop(ctx) })
	}
}

func (p *Pipeline) storeLoop(ctx context.Context) {
	batch := make([]storeReq, 0, maxStoreRows)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-p.stores:
			batch = append(batch[:0], r)
		}
	drain:
		for len(batch) < maxStoreRows {
			select {
			case r := <-p.stores:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		p.storeBatch(ctx, batch)
	}
}

// storeBatch writes a group; duplicates (already stored, or twice in the
// group) are reported as not new.
func (p *Pipeline) storeBatch(ctx context.Context, batch []storeReq) {
	recs := make([]*models.StoredUpdate, len(batch))
	for i, r := range batch {
		recs[i] = r.rec
	}
	start := time.Now()
	inserted, err := models.StoreUpdates(context.WithoutCancel(ctx), p.db, recs)
	p.metrics.storeSeconds.Observe(time.Since(start).Seconds())
	isNew := make(map[models.UpdateKey]bool, len(inserted))
	for _, k := range inserted {
		isNew[k] = true
	}
	for _, r := range batch {
		k := models.UpdateKey{BotID: r.rec.BotID, UpdateID: r.rec.UpdateID}
		res := storeRes{err: err}
		if err == nil && isNew[k] {
			res.isNew = true
			delete(isNew, k) // the same update twice in one group is new once
		}
		r.done <- res
	}
}

// store hands rec to a storer and waits for its commit.
func (p *Pipeline) store(ctx context.Context, rec *models.StoredUpdate) (bool, error) {
	req := storeReq{rec: rec, done: make(chan storeRes, 1)}
	select {
	case p.stores <- req:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-p.closed:
		return false, errClosed
	}
	// Once handed over, wait for the outcome even if the caller gives up:
	// the row may be committed, and the answer decides the queueing.
	res := <-req.done
	return res.isNew, res.err
}
