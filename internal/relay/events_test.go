package relay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// relayEvents counts the relay events stored for botID.
func relayEvents(t *testing.T, env *apptest.Env, botID string) []models.EventRecord {
	t.Helper()
	var recs []models.EventRecord
	if err := env.App.DB.NewSelect().Model(&recs).Where("bot_id = ?", botID).Where("kind = ?", string(events.KindRelay)).
		Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return recs
}

func relayData(t *testing.T, raw []byte) events.RelayData {
	t.Helper()
	var d events.RelayData
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("relay event data %s: %v", raw, err)
	}
	return d
}

// TestRelayEventsFollowDeliveries: the relay raises one relay event per
// change (its owner's save, a delivered batch, a failed attempt), carrying
// the relay as stored, and a browser connected to another instance
// (PostgreSQL) or the same one (SQLite) gets each once.
func TestRelayEventsFollowDeliveries(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, rc, _ := setup(t, env)
		// The owner's save raised one event: on, nothing waiting.
		apptest.Eventually(t, 10*time.Second, "the save's relay event", func() bool { return len(relayEvents(t, env, bot.ID)) == 1 })
		if d := relayData(t, []byte(relayEvents(t, env, bot.ID)[0].Data)); d.State != "ok" || d.Backlog != 0 {
			t.Fatalf("event after the save: %+v", d)
		}

		// A browser on another instance follows the bot's relay events.
		viewer := env
		if env.Dialect != "sqlite" {
			viewer = apptest.Start(t, env.Dialect, apptest.Config(func(c *config.Config) { c.DatabaseURL = env.App.Config.DatabaseURL }))
		}
		owner := viewer.Client()
		owner.Post(t, "/api/auth/login", map[string]any{"email": "relay@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		stream := owner.Stream(t, "/api/events?bot="+bot.ID+"&kind=relay")

		// Two updates are delivered in one batch: one event, the cursor on the last.
		push(t, env, bot, 2)
		env.Process(t)
		w := worker(env, "solo", fast)
		ctx := context.Background()
		w.DeliverDue(ctx)
		want, _ := storedIDs(t, env, bot.ID)
		if got := rc.received(); !sameIDs(got, want) {
			t.Fatalf("relayed %v, want %v", got, want)
		}
		e := stream.NextEvent(t).JSON(t)
		if d := relayData(t, e.Data); e.Kind != "relay" || e.Subject != bot.ID || d.State != "ok" || d.Backlog != 0 ||
			d.DeliveredThrough != want[1] || d.LastError != "" {
			t.Fatalf("event after delivering %v: %+v %+v", want, e, d)
		}

		// The server fails the next one: the event says failing, with the reason and the backlog.
		rc.answer.Store(func(int64) (int, string) { return 503, "down" })
		push(t, env, bot, 1)
		env.Process(t)
		w.DeliverDue(ctx)
		e = stream.NextEvent(t).JSON(t)
		if d := relayData(t, e.Data); d.State != "failing" || d.Backlog != 1 || d.DeliveredThrough != want[1] ||
			d.LastError != "the server answered HTTP 503" {
			t.Fatalf("event after a failed attempt: %+v", d)
		}

		// Each change was raised once: the save, the batch, the failure.
		apptest.Eventually(t, 10*time.Second, "three relay events", func() bool { return len(relayEvents(t, env, bot.ID)) >= 3 })
		env.App.Relays.Close() // waits for a publication under way
		if n := len(relayEvents(t, env, bot.ID)); n != 3 {
			t.Fatalf("%d relay events, want 3 (one per change)", n)
		}
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}
