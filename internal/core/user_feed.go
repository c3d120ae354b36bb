package core

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/models"
)

// userFeedEvery is the shortest time between two users events of one
// bot: a bot may gain hundreds of users a second, its users page needs a
// refresh now and then.
const userFeedEvery = time.Second

// UserFeed tells open users pages (and API streams) that people joined a
// bot's audience. It is an ingest batch hook: a batch that added users
// asks, once it has committed, for a users event, which is published at
// once or at the end of the current interval (events.Throttle), so the
// last arrivals always reach the page however fast users come.
type UserFeed struct {
	db       *bun.DB
	bus      *events.Bus
	log      *slog.Logger
	throttle *events.Throttle
}

// NewUserFeed returns the feed; Close it at shutdown.
func NewUserFeed(db *bun.DB, bus *events.Bus, log *slog.Logger) *UserFeed {
	f := &UserFeed{db: db, bus: bus, log: log}
	f.throttle = events.NewThrottle(userFeedEvery, f.publish)
	return f
}

// HandleBatch asks for an event after the commit when the batch added users.
func (f *UserFeed) HandleBatch(_ context.Context, _ bun.Tx, botID string, evs []*ingest.Event) error {
	for _, ev := range evs {
		if ev.NewUser {
			evs[len(evs)-1].AfterCommit(func(context.Context) { f.throttle.Touch(botID) })
			return nil
		}
	}
	return nil
}

// Close drops pending publications and waits for running ones.
func (f *UserFeed) Close() { f.throttle.Close() }

func (f *UserFeed) publish(botID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bot, err := models.BotByID(ctx, f.db, botID)
	if err != nil {
		f.log.WarnContext(ctx, "user feed: read bot", "bot", botID, "err", err)
		return
	}
	if err := f.bus.Publish(ctx, f.db, events.UsersJoined(bot.OwnerID, bot.ID, bot.TotalUsers)); err != nil {
		f.log.WarnContext(ctx, "user feed: publish", "bot", botID, "err", err)
	}
}
