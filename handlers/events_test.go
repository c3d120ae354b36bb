package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
)

// botEvent reads a bot event's data.
func botEvent(t *testing.T, f apptest.Frame) (apptest.StreamEvent, events.BotData) {
	t.Helper()
	if f.Event != "bot" {
		t.Fatalf("want a bot event, got %q: %s", f.Event, f.Data)
	}
	e := f.JSON(t)
	var d events.BotData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return e, d
}

func TestEventStreamSendsTheCallersEventsOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		bob := env.SignUp(t, "bob@example.com")
		aliceBot := env.ConnectBot(t, alice, "alice_bot")
		bobBot := env.ConnectBot(t, bob, "bob_bot")

		s := alice.Stream(t, "/api/events")
		if s.Header().Get("Content-Type") != "text/event-stream" || s.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("headers: %v", s.Header())
		}
		if f := s.Next(t); f.Retry == "" {
			t.Fatalf("the stream starts with the reconnection delay: %+v", f)
		}
		if f := s.Next(t); !f.HasID || f.Event != "" {
			t.Fatalf("then the position to resume from: %+v", f)
		}
		// Through an API key too, and the same for Bob.
		key := bob.NewAPIKey(t, "live")
		b := bob.WithAPIKey(key).Stream(t, "/api/events")

		alice.Post(t, "/api/bots/"+aliceBot.ID+"/stop", nil).Expect(t, http.StatusOK)
		bob.Post(t, "/api/bots/"+bobBot.ID+"/stop", nil).Expect(t, http.StatusOK)

		e, d := botEvent(t, s.NextEvent(t))
		if e.BotID != aliceBot.ID || d.Status != "stopped" || s.LastEventID == "" {
			t.Fatalf("alice got %+v %+v", e, d)
		}
		// Events reach streams in order: had Alice's reached Bob, it would
		// come before his own.
		if e, _ := botEvent(t, b.NextEvent(t)); e.BotID != bobBot.ID {
			t.Fatalf("bob got alice's event: %+v", e)
		}
		alice.Post(t, "/api/bots/"+aliceBot.ID+"/start", nil).Expect(t, http.StatusOK)
		if e, d := botEvent(t, s.NextEvent(t)); e.BotID != aliceBot.ID || d.Status != "active" {
			t.Fatalf("alice got %+v %+v", e, d)
		}
	})
}

func TestEventStreamFiltersAndRefusesBadRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		mallory := env.SignUp(t, "mallory@example.com")
		one := env.ConnectBot(t, alice, "one_bot")
		two := env.ConnectBot(t, alice, "two_bot")

		env.Client().Get(t, "/api/events").Expect(t, http.StatusUnauthorized)
		mallory.Get(t, "/api/events?bot="+one.ID).Expect(t, http.StatusNotFound)
		if r := alice.Get(t, "/api/events?kind=gossip").Expect(t, http.StatusUnprocessableEntity); r.Fields(t)["kind[0]"] == nil {
			t.Fatalf("fields: %v", r.Fields(t))
		}
		if r := alice.Get(t, "/api/events?botId="+one.ID).Expect(t, http.StatusUnprocessableEntity); r.ErrorCode(t) != "unknown_field" || r.Fields(t)["botId"] == nil {
			t.Fatalf("a misspelt filter must not be ignored: %s", r.Text())
		}
		for _, id := range []string{"x", "5.9", "-1", strings.Repeat("1.", 200) + "1"} {
			if r := alice.Get(t, "/api/events", "Last-Event-ID", id).Expect(t, http.StatusBadRequest); r.ErrorCode(t) != "invalid_last_event_id" {
				t.Fatalf("Last-Event-ID %q: %s", id, r.Text())
			}
		}

		s := alice.Stream(t, "/api/events?bot="+two.ID+"&kind=bot&kind=broadcast")
		alice.Post(t, "/api/bots/"+one.ID+"/stop", nil).Expect(t, http.StatusOK)
		alice.Post(t, "/api/bots/"+two.ID+"/stop", nil).Expect(t, http.StatusOK)
		if e, _ := botEvent(t, s.NextEvent(t)); e.BotID != two.ID {
			t.Fatalf("the filter lets only %s through: %+v", two.ID, e)
		}
	})
}

func TestEventStreamReplaysWhatAReconnectingClientMissed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		bot := env.ConnectBot(t, alice, "replay_bot")
		s := alice.Stream(t, "/api/events")
		alice.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		s.NextEvent(t)
		last := s.LastEventID
		s.Close() // the browser lost the connection

		alice.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
		alice.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)

		again := alice.Stream(t, "/api/events", "Last-Event-ID", last)
		var statuses []string
		for range 2 {
			_, d := botEvent(t, again.NextEvent(t))
			statuses = append(statuses, d.Status)
		}
		if strings.Join(statuses, ",") != "active,stopped" {
			t.Fatalf("replayed %v", statuses)
		}
		alice.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
		if _, d := botEvent(t, again.NextEvent(t)); d.Status != "active" {
			t.Fatalf("live after the replay: %+v", d)
		}

		// The query parameter works like the header.
		q := alice.Stream(t, "/api/events?lastEventId="+last)
		if _, d := botEvent(t, q.NextEvent(t)); d.Status != "active" {
			t.Fatalf("replay through lastEventId: %+v", d)
		}
	})
}

func TestEventStreamKeepsAliveWithinOneRateLimitedRequest(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		s := alice.Stream(t, "/api/events")
		if got := s.Header().Get("X-RateLimit-Remaining"); got != "4" {
			t.Fatalf("opening the stream counts one request: remaining %q of 5", got)
		}
		comments := 0
		for comments < 5 {
			if f := s.Next(t); f.Comment == "keep-alive" {
				comments++
			}
		}
		ws := alice.Workspace(t) // a second request of this minute
		var aliceID string       // read directly: one more request would change the count
		if err := env.App.DB.NewSelect().Table("users").Column("id").Where("email = ?", "alice@example.com").Scan(context.Background(), &aliceID); err != nil {
			t.Fatal(err)
		}
		pub := func(text string) {
			err := env.App.Events.Publish(context.Background(), env.App.DB, events.Event{Scope: ws, Kind: events.KindNotification, Subject: aliceID,
				Data: json.RawMessage(fmt.Sprintf(`{"title":%q}`, text))})
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range 8 {
			pub(fmt.Sprint("note ", i))
			if f := s.NextEvent(t); !strings.Contains(f.Data, fmt.Sprintf(`"note %d"`, i)) {
				t.Fatalf("event %d: %s", i, f.Data)
			}
		}
		r := alice.Get(t, "/api/me").Expect(t, http.StatusOK)
		if got := r.Header.Get("X-RateLimit-Remaining"); got != "2" {
			t.Fatalf("keep-alives and events are not requests: remaining %q, want 2", got)
		}
	}, apptest.Config(func(c *config.Config) { c.APIRateLimit = 5 }), apptest.Events(func(c *events.Config) { c.KeepAlive = 20 * time.Millisecond }))
}

func TestEventStreamsPerAccountAreCapped(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		first := alice.Stream(t, "/api/events")
		alice.Stream(t, "/api/events?kind=bot")
		r := alice.Get(t, "/api/events").Expect(t, http.StatusTooManyRequests)
		if r.ErrorCode(t) != "too_many_streams" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s %v", r.Text(), r.Header)
		}
		// Another account is not affected.
		env.SignUp(t, "bob@example.com").Stream(t, "/api/events")
		// A closed stream gives its place back (once the server notices).
		first.Close()
		apptest.Eventually(t, 20*time.Second, "a place freed", func() bool {
			return env.App.Events.Subscribers() == 2
		})
		alice.Stream(t, "/api/events")
	}, apptest.Events(func(c *events.Config) { c.MaxStreams = 2 }))
}

// TestAnEventOnOneInstanceReachesAStreamOnAnother runs two Botdecks on one
// database (as two servers behind a load balancer would): a bot stopped
// through instance A shows up on a stream served by instance B.
func TestAnEventOnOneInstanceReachesAStreamOnAnother(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d)
			b := apptest.Start(t, d, apptest.Config(func(c *config.Config) {
				c.DatabaseURL, c.SecretKeyFile = a.App.Config.DatabaseURL, a.App.Config.SecretKeyFile
			}))
			onA := a.SignUp(t, "alice@example.com")
			bot := a.ConnectBot(t, onA, "shared_bot")
			key := onA.NewAPIKey(t, "dashboard")
			onB := b.Client().WithAPIKey(key)

			s := onB.Stream(t, "/api/events")
			onA.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
			if e, d := botEvent(t, s.NextEvent(t)); e.BotID != bot.ID || d.Status != "stopped" {
				t.Fatalf("instance B streamed %+v %+v", e, d)
			}
			// And a reconnect to instance A resumes where B left off.
			last := s.LastEventID
			s.Close()
			onA.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
			back := onA.Stream(t, "/api/events", "Last-Event-ID", last)
			if _, d := botEvent(t, back.NextEvent(t)); d.Status != "active" {
				t.Fatalf("replay on instance A: %+v", d)
			}
		})
	}
}

// TestBroadcastProgressIsStreamed follows a broadcast from the stream
// alone: queued, running with growing counts, done with every message
// counted, published by the sender as it goes.
func TestBroadcastProgressIsStreamed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "news@example.com")
		bot := env.ConnectBot(t, c, "news_bot")
		seedAudience(t, env, bot.ID, 30, time.Now())
		s := c.Stream(t, "/api/events?kind=broadcast&bot="+bot.ID)
		id := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "Extra!"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)

		var seen []events.BroadcastData
		for len(seen) == 0 || seen[len(seen)-1].Status != "done" {
			f := s.NextEvent(t)
			e := f.JSON(t)
			var d events.BroadcastData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			if f.Event != "broadcast" || e.Subject != id || d.ID != id || e.BotID != bot.ID || d.Total != 30 {
				t.Fatalf("event %s: %s", f.Event, f.Data)
			}
			if n := len(seen); n > 0 && d.Sent < seen[n-1].Sent {
				t.Fatalf("counts went back: %+v after %+v", d, seen[n-1])
			}
			seen = append(seen, d)
		}
		last := seen[len(seen)-1]
		if seen[0].Status != "queued" || last.Sent != 30 || last.Pending != 0 {
			t.Fatalf("first %+v, last %+v", seen[0], last)
		}
	}, apptest.Workers())
}

// TestAStatusChangedWhileProcessingAnUpdateIsStreamed: losing admin
// rights in a campaign's chat arrives as an update; the bot's warning is
// published inside the transaction that processes it.
func TestAStatusChangedWhileProcessingAnUpdateIsStreamed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		w.create(t, "Watched", false)
		s := w.owner.Stream(t, "/api/events?kind=bot")
		w.promote(t, false)
		if e, d := botEvent(t, s.NextEvent(t)); e.BotID != w.bot.ID || d.Status != "warning" || !strings.Contains(d.StatusReason, "Fans of Go") {
			t.Fatalf("demotion: %+v %+v", e, d)
		}
		w.promote(t, true)
		if _, d := botEvent(t, s.NextEvent(t)); d.Status != "active" || d.StatusReason != "" {
			t.Fatalf("promotion: %+v", d)
		}
	}, apptest.Webhooks())
}

// TestBotPageFollowsItsStatus: the bot page opens the bot's event stream
// and its status part refreshes from GET /bots/{id}/status.
func TestBotPageFollowsItsStatus(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, c, "live_bot")
		page := c.Get(t, "/bots/"+bot.ID).Expect(t, http.StatusOK).Text()
		for _, want := range []string{`hx-ext="sse"`, `sse-connect="/api/events?bot=` + bot.ID + `&amp;kind=bot&amp;notifications=true"`,
			`id="bot-status" hx-get="/bots/` + bot.ID + `/status" hx-trigger="sse:bot, sse:reset"`} {
			if !strings.Contains(page, want) {
				t.Errorf("bot page lacks %s", want)
			}
		}
		c.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		part := c.Get(t, "/bots/"+bot.ID+"/status", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.HasPrefix(strings.TrimSpace(part), `<div id="bot-status"`) || !strings.Contains(part, "Start") || strings.Contains(part, "<html") {
			t.Fatalf("status part: %s", part)
		}
		env.SignUp(t, "other@example.com").Get(t, "/bots/"+bot.ID+"/status", "HX-Request", "true").Expect(t, http.StatusNotFound)
	})
}

// TestAStreamCanCarryTheMembersNotifications: with notifications=true a
// stream narrowed to one bot's status also carries the caller's own
// notifications, of any bot, raised on another instance — so a page needs
// one connection for its live parts and its bell.
func TestAStreamCanCarryTheMembersNotifications(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d)
			b := twinOf(t, a)
			owner := a.SignUp(t, "onestream@example.com")
			watched, other := a.ConnectBot(t, owner, "watched_bot"), a.ConnectBot(t, owner, "other_bot")
			seedAudience(t, a, other.ID, 1, time.Now())
			onB := b.Client().WithAPIKey(owner.NewAPIKey(t, "stream"))
			if r := onB.Get(t, "/api/events?notifications=maybe").Expect(t, http.StatusBadRequest); r.Fields(t)["notifications"] == nil {
				t.Fatalf("fields: %s", r.Text())
			}
			s := onB.Stream(t, "/api/events?bot="+watched.ID+"&kind=bot&notifications=true")

			finishBroadcast(t, a, owner, other.ID)                                     // the owner's notification: through
			owner.Post(t, "/api/bots/"+other.ID+"/stop", nil).Expect(t, http.StatusOK) // another bot: filtered out
			owner.Post(t, "/api/bots/"+watched.ID+"/stop", nil).Expect(t, http.StatusOK)

			if f := s.NextEvent(t).JSON(t); f.Kind != "notification" || f.BotID != other.ID || !strings.Contains(string(f.Data), `"kind":"broadcast_done"`) {
				t.Fatalf("first event %+v %s, want the broadcast_done notification", f, f.Data)
			}
			if e, _ := botEvent(t, s.NextEvent(t)); e.BotID != watched.ID {
				t.Fatalf("second event %+v, want the watched bot's status", e)
			}
		})
	}
}
