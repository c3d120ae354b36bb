package core

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// broadcastFeedEvery is the shortest time between two progress events of
// one broadcast: a broadcast records up to 30 outcomes a second, its page
// needs a few updates.
const broadcastFeedEvery = 300 * time.Millisecond

// BroadcastFeed publishes broadcast progress for open pages and API
// streams: whoever changes a broadcast (the sender, pause/resume/cancel)
// calls Changed, and the broadcast's status and counts as stored are
// published at once, or at the end of the current interval when it was
// published less than broadcastFeedEvery ago. So the last change always
// reaches the page, however fast changes come.
type BroadcastFeed struct {
	db       *bun.DB
	bus      *events.Bus
	log      *slog.Logger
	throttle *events.Throttle
}

// NewBroadcastFeed returns the feed; Close it at shutdown.
func NewBroadcastFeed(db *bun.DB, bus *events.Bus, log *slog.Logger) *BroadcastFeed {
	f := &BroadcastFeed{db: db, bus: bus, log: log}
	f.throttle = events.NewThrottle(broadcastFeedEvery, f.publish)
	return f
}

// Changed says broadcast id changed (status or counts). It never waits.
func (f *BroadcastFeed) Changed(id string) { f.throttle.Touch(id) }

// Close drops pending publications and waits for running ones.
func (f *BroadcastFeed) Close() { f.throttle.Close() }

func (f *BroadcastFeed) publish(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bc, err := models.BroadcastByID(ctx, f.db, id)
	if err != nil {
		f.log.WarnContext(ctx, "broadcast feed: read broadcast", "broadcast", id, "err", err)
		return
	}
	bot, err := models.BotByID(ctx, f.db, bc.BotID)
	if err != nil {
		f.log.WarnContext(ctx, "broadcast feed: read bot", "broadcast", id, "err", err)
		return
	}
	e := events.BroadcastProgress(bot.OwnerID, bot.ID, events.BroadcastData{
		ID: bc.ID, Status: bc.Status, StatusReason: bc.StatusReason, Total: bc.Total, Sent: bc.Sent, Failed: bc.Failed,
		Blocked: bc.Blocked, Skipped: bc.Skipped, Unconfirmed: bc.Unconfirmed, Pending: bc.Pending(),
	})
	if err := f.bus.Publish(ctx, f.db, e); err != nil {
		f.log.WarnContext(ctx, "broadcast feed: publish", "broadcast", id, "err", err)
	}
}

// RecordDelivery records a broadcast message that reached the user, or
// that could not because the user blocked the bot, in the user's
// conversation, inside tx, the transaction that records the outcome.
// Other failures stay in the broadcast's report and the bot's log (and a
// storm of them must pause the broadcast without waiting for more
// writes); unconfirmed ones are not known to have arrived. No message
// event is published: a broadcast sends up to 30 messages a second and
// its progress has its own (throttled) events; pages show these messages
// when they next load.
func (f *BroadcastFeed) RecordDelivery(ctx context.Context, tx bun.IDB, bc *models.Broadcast, userID int64, o models.Outcome) error {
	if o.Status != models.RecipientSent && o.Status != models.RecipientBlocked {
		return nil
	}
	m := &models.Message{BotID: bc.BotID, UserID: userID, Direction: models.DirectionOut, Origin: models.OriginBroadcast,
		Kind: models.MessageText, Text: bc.Text, ParseMode: bc.ParseMode, TelegramID: o.MessageID, Error: o.Error, Buttons: bc.Buttons}
	switch {
	case bc.Photo != "":
		m.Kind, m.Caption, m.Text = models.MessagePhoto, bc.Text, ""
	case bc.Document != "":
		m.Kind, m.Caption, m.Text = models.MessageDocument, bc.Text, ""
	}
	if o.Status == models.RecipientBlocked && m.Error == "" {
		m.Error = "the user blocked the bot"
	}
	return models.InsertMessages(ctx, tx, m)
}

// Finish marks a running broadcast done when no recipient is left pending
// or in flight (models.FinishIfComplete), notifies the owner's members in
// the same transaction, and reports whether it finished.
func (f *BroadcastFeed) Finish(ctx context.Context, id string) (bool, error) {
	var done bool
	err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := models.Now()
		var err error
		if done, err = models.FinishIfComplete(ctx, tx, id, now); err != nil || !done {
			return err
		}
		bc, err := models.BroadcastByID(ctx, tx, id)
		if err != nil {
			return err
		}
		return notifyBroadcast(ctx, tx, f.bus, bc, false, "", now)
	})
	if done {
		f.Changed(id)
	}
	return done, err
}

// Stop moves a running broadcast to status (paused or failed) with the
// reason when Botdeck stops it on errors, notifies the owner's members
// (broadcast_failed) in the same transaction, and reports whether it
// stopped it.
func (f *BroadcastFeed) Stop(ctx context.Context, id, status, reason string) (bool, error) {
	var stopped bool
	err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := models.Now()
		var err error
		stopped, err = models.SetBroadcastStatus(ctx, tx, id, []string{models.BroadcastRunning}, status, reason, now)
		if err != nil || !stopped {
			return err
		}
		bc, err := models.BroadcastByID(ctx, tx, id)
		if err != nil {
			return err
		}
		return notifyBroadcast(ctx, tx, f.bus, bc, true, reason, now)
	})
	if stopped {
		f.Changed(id)
	}
	return stopped, err
}
