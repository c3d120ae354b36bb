package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// demoBroadcastRate is the demo's sending rate (messages per second per
// bot): slow enough that a running broadcast can be watched for a while.
const demoBroadcastRate = 8

var broadcastTexts = []struct{ text, audience string }{
	{"<b>Storm warning</b> for tomorrow afternoon — keep an umbrella close. 🌧", "activeLast7Days"},
	{"<b>New:</b> our support team now answers on weekends too. Just write here any time.", "all"},
	{"Flash sale: <i>20% off everything</i> until midnight. Reply /deals to see them.", "activeLast30Days"},
	{"Thanks for being with us! Tell us how we're doing: reply with a number from 1 to 5.", "all"},
}

// seedBroadcasts sends one broadcast to completion (the history shows a
// finished one) and starts another that is still running when the owner
// looks.
func (w *world) seedBroadcasts(ctx context.Context) error {
	done, err := w.broadcast(ctx, w.bots[2], 0)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		bc, _, err := w.app.Broadcasts.Get(ctx, w.ws, done.ID)
		if err != nil {
			return err
		}
		if bc.Status == models.BroadcastDone {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, err = w.broadcast(ctx, w.bots[0], 1)
	return err
}

// broadcast queues text i of broadcastTexts on db through the real path.
func (w *world) broadcast(ctx context.Context, db *demoBot, i int) (*models.Broadcast, error) {
	b, err := w.app.Broadcasts.Bot(ctx, w.ws, db.id)
	if err != nil {
		return nil, err
	}
	html := "HTML"
	t := broadcastTexts[i%len(broadcastTexts)]
	bc, err := w.app.Broadcasts.Create(ctx, b, contract.CreateBroadcastRequest{Text: t.text, ParseMode: &html, Audience: t.audience})
	if err != nil {
		return nil, fmt.Errorf("demo broadcast: %w", err)
	}
	return bc, nil
}

// keepBroadcasting starts another broadcast on some bot when none is
// running, so the progress page always has something to show.
func (w *world) keepBroadcasting(ctx context.Context, n int) {
	for _, db := range w.bots {
		if active, err := w.app.Broadcasts.ActiveOnBot(ctx, db.id); err != nil || active > 0 {
			return
		}
	}
	w.broadcast(ctx, w.bots[w.rng.IntN(len(w.bots))], n) //nolint:errcheck // the next round tries again
}
