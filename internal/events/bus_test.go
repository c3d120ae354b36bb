package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/sqldialect"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// shared is one database that several buses (instances) may open.
type shared struct {
	t   *testing.T
	url string
	db  *bun.DB
}

func eachDB(t *testing.T, fn func(t *testing.T, s *shared)) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			url := dbtest.URL(t, d)
			s := &shared{t: t, url: url, db: open(t, url)}
			if _, err := database.Migrate(context.Background(), s.db); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

func open(t *testing.T, url string) *bun.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// bus starts an instance's bus on its own connection pool.
func (s *shared) bus(cfg events.Config) *events.Bus {
	s.t.Helper()
	b, err := events.New(context.Background(), open(s.t, s.url), s.url, quiet, cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(b.Close)
	return b
}

func (s *shared) isPG() bool { return sqldialect.IsPostgres(s.db) }

func note(scope, text string) events.Event {
	return events.Event{Scope: scope, Kind: events.KindNotification, Data: json.RawMessage(fmt.Sprintf(`{"text":%q}`, text))}
}

func textOf(t *testing.T, e events.Event) string {
	t.Helper()
	var d struct{ Text string }
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatalf("data %s: %v", e.Data, err)
	}
	return d.Text
}

func publish(t *testing.T, b *events.Bus, db bun.IDB, e events.Event) {
	t.Helper()
	if err := b.Publish(context.Background(), db, e); err != nil {
		t.Fatal(err)
	}
}

func subscribe(t *testing.T, b *events.Bus, scope string, from *events.Cursor, f events.Filter) *events.Subscription {
	t.Helper()
	sub, err := b.Subscribe(context.Background(), scope, from, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// receive collects deliveries until n events arrived (generous deadline:
// the machine may be loaded) and returns them with the last cursor.
func receive(t *testing.T, sub *events.Subscription, n int) ([]events.Event, events.Cursor) {
	t.Helper()
	var got []events.Event
	var cur events.Cursor
	deadline := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case d, ok := <-sub.C():
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, sub.Err())
			}
			got = append(got, d.Events...)
			cur = d.Cursor
		case <-deadline:
			t.Fatalf("received %d of %d events", len(got), n)
		}
	}
	if len(got) > n {
		t.Fatalf("received %d events, want %d: %+v", len(got), n, got)
	}
	return got, cur
}

// receiveUntil reads sub until an event with the given text arrives. A
// live subscription may also see events published just before it started
// (the reader had not passed them yet); only the marker matters.
func receiveUntil(t *testing.T, sub *events.Subscription, text string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case d, ok := <-sub.C():
			if !ok {
				t.Fatalf("subscription ended before %q: %v", text, sub.Err())
			}
			for _, e := range d.Events {
				if textOf(t, e) == text {
					return
				}
			}
		case <-deadline:
			t.Fatalf("%q never arrived", text)
		}
	}
}

func texts(t *testing.T, evs []events.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, textOf(t, e))
	}
	return strings.Join(out, ",")
}

func TestPublishReachesSubscribersOfItsScopeOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		alice := subscribe(t, b, "usr_alice", nil, events.Filter{})
		alice2 := subscribe(t, b, "usr_alice", nil, events.Filter{})
		bob := subscribe(t, b, "usr_bob", nil, events.Filter{})

		publish(t, b, s.db, events.BotStatus("usr_alice", "bot_1", "warning", "Webhook delivery fails"))
		publish(t, b, s.db, note("usr_bob", "for bob"))

		got, _ := receive(t, alice, 1)
		e := got[0]
		if e.Kind != events.KindBot || e.BotID != "bot_1" || e.Subject != "bot_1" || e.Scope != "usr_alice" || e.ID <= 0 || e.At.IsZero() {
			t.Fatalf("event: %+v", e)
		}
		if string(e.Data) != `{"status":"warning","statusReason":"Webhook delivery fails"}` {
			t.Fatalf("data: %s", e.Data)
		}
		if got, _ := receive(t, alice2, 1); got[0].ID != e.ID {
			t.Fatalf("every subscriber of a scope gets the event: %+v", got)
		}
		// Bob's own event is published after Alice's, and events are
		// delivered in order: had Alice's reached him, it would come first.
		if got, _ := receive(t, bob, 1); got[0].Kind != events.KindNotification || textOf(t, got[0]) != "for bob" {
			t.Fatalf("bob got %+v", got)
		}
		publish(t, b, s.db, note("usr_alice", "second"))
		if got, _ := receive(t, alice, 1); textOf(t, got[0]) != "second" {
			t.Fatalf("alice must not get bob's event: %+v", got)
		}
	})
}

func TestFilterByBotKindAndSubject(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{BotID: "bot_2", Kinds: []events.Kind{events.KindBroadcast}, Subject: "bc_2"})
		publish(t, b, s.db, events.BotStatus("usr_a", "bot_2", "active", ""))
		publish(t, b, s.db, events.BroadcastProgress("usr_a", "bot_1", events.BroadcastData{ID: "bc_1", Status: "running"}))
		publish(t, b, s.db, events.BroadcastProgress("usr_a", "bot_2", events.BroadcastData{ID: "bc_9", Status: "running"}))
		publish(t, b, s.db, events.BroadcastProgress("usr_a", "bot_2", events.BroadcastData{ID: "bc_2", Status: "done", Total: 3, Sent: 3}))
		got, _ := receive(t, sub, 1)
		if got[0].Subject != "bc_2" || !strings.Contains(string(got[0].Data), `"status":"done"`) {
			t.Fatalf("got %+v", got)
		}
	})
}

// A member's stream carries their own notifications, never another
// member's of the same workspace.
func TestNotificationsReachOnlyTheirMember(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		ann := subscribe(t, b, "ws_a", nil, events.Filter{Member: "usr_ann"})
		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_bob", ID: "ntf_1", Title: "for bob"}))
		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_ann", ID: "ntf_2", Title: "for ann"}))
		got, _ := receive(t, ann, 1)
		if got[0].Subject != "usr_ann" || !strings.Contains(string(got[0].Data), "for ann") {
			t.Fatalf("ann got %+v", got)
		}
	})
}

func TestAnEventOfARolledBackTransactionIsNeverDelivered(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		boom := errors.New("the change failed")
		err := s.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			publish(t, b, tx, note("usr_a", "rolled back"))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		publish(t, b, s.db, note("usr_a", "committed 1"))
		publish(t, b, s.db, note("usr_a", "committed 2"))
		if got, _ := receive(t, sub, 2); texts(t, got) != "committed 1,committed 2" {
			t.Fatalf("got %s", texts(t, got))
		}
	})
}

func TestAnEventIsDeliveredWhenItsTransactionCommits(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		ctx := context.Background()
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		publish(t, b, tx, note("usr_a", "slow transaction"))
		if s.isPG() {
			// A later transaction takes a higher id and commits first: its
			// event is delivered, and the slow one still is when it commits.
			publish(t, b, s.db, note("usr_a", "quick"))
			first, cur := receive(t, sub, 1)
			if textOf(t, first[0]) != "quick" || len(cur.Gaps) != 1 || cur.Gaps[0] >= first[0].ID {
				t.Fatalf("got %s with cursor %v", texts(t, first), cur)
			}
		}
		select {
		case d := <-sub.C():
			t.Fatalf("an uncommitted event was delivered: %+v", d)
		default:
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		got, cur := receive(t, sub, 1)
		if textOf(t, got[0]) != "slow transaction" || len(cur.Gaps) != 0 {
			t.Fatalf("got %s, cursor %v", texts(t, got), cur)
		}
	})
}

func TestReplayAfterLastEventID(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		publish(t, b, s.db, note("usr_a", "1"))
		publish(t, b, s.db, note("usr_a", "2"))
		_, seen := receive(t, sub, 2)
		sub.Close()

		// Away: more happens, for this account and another.
		publish(t, b, s.db, note("usr_a", "3"))
		publish(t, b, s.db, note("usr_b", "not yours"))
		publish(t, b, s.db, note("usr_a", "4"))
		// Wait until the reader has passed them, so they are not live.
		watch := subscribe(t, b, "usr_b", nil, events.Filter{})
		publish(t, b, s.db, note("usr_b", "marker"))
		receiveUntil(t, watch, "marker")

		again := subscribe(t, b, "usr_a", &seen, events.Filter{})
		if again.Reset || texts(t, again.Replay) != "3,4" {
			t.Fatalf("replay %s (reset %v)", texts(t, again.Replay), again.Reset)
		}
		if again.Start.Last < again.Replay[1].ID {
			t.Fatalf("start cursor %v is before the replayed events", again.Start)
		}
		publish(t, b, s.db, note("usr_a", "5"))
		five, after5 := receive(t, again, 1)
		if textOf(t, five[0]) != "5" {
			t.Fatalf("live after replay: %s", texts(t, five))
		}
		// From the cursor a delivery ended with, nothing is replayed twice;
		// from just before it, exactly that event.
		if same := subscribe(t, b, "usr_a", &after5, events.Filter{}); len(same.Replay) != 0 || same.Reset {
			t.Fatalf("replay from the latest cursor: %s", texts(t, same.Replay))
		}
		before5 := events.Cursor{Last: five[0].ID - 1}
		if same := subscribe(t, b, "usr_a", &before5, events.Filter{}); texts(t, same.Replay) != "5" {
			t.Fatalf("replay from before 5: %s", texts(t, same.Replay))
		}
	})
}

func TestReplayOutOfIDOrderCommits(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		if !s.isPG() {
			t.Skip("SQLite serializes writers: ids always commit in order")
		}
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		ctx := context.Background()
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck
		publish(t, b, tx, note("usr_a", "late"))
		publish(t, b, s.db, note("usr_a", "early"))
		_, cur := receive(t, sub, 1) // the client disconnects here, knowing the gap
		sub.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		marker := subscribe(t, b, "usr_m", nil, events.Filter{})
		publish(t, b, s.db, note("usr_m", "marker"))
		receive(t, marker, 1)

		again := subscribe(t, b, "usr_a", &cur, events.Filter{})
		if texts(t, again.Replay) != "late" {
			t.Fatalf("an event that committed after a higher id must be replayed: %q", texts(t, again.Replay))
		}
	})
}

func TestReplayBeyondWhatIsKeptResets(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{ReplayLimit: 3})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		publish(t, b, s.db, note("usr_a", "0"))
		_, seen := receive(t, sub, 1)
		for i := range 4 {
			publish(t, b, s.db, note("usr_a", fmt.Sprint(i+1)))
		}
		receive(t, sub, 4)
		if again := subscribe(t, b, "usr_a", &seen, events.Filter{}); !again.Reset || len(again.Replay) != 0 {
			t.Fatalf("more than ReplayLimit missed must reset: %+v", again)
		}
		future := events.Cursor{Last: seen.Last + 1000}
		if again := subscribe(t, b, "usr_a", &future, events.Filter{}); !again.Reset {
			t.Fatal("a cursor this log never reached must reset")
		}
		if _, err := s.db.NewDelete().TableExpr("events").Where("1 = 1").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if again := subscribe(t, b, "usr_a", &seen, events.Filter{}); !again.Reset {
			t.Fatal("a cursor older than what the log keeps must reset")
		}
	})
}

func TestASlowSubscriberIsDroppedWithoutSlowingOthers(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{Buffer: 2})
		slow := subscribe(t, b, "usr_a", nil, events.Filter{})
		fast := subscribe(t, b, "usr_a", nil, events.Filter{})
		for i := range 4 {
			publish(t, b, s.db, note("usr_a", fmt.Sprint(i)))
			receive(t, fast, 1) // one delivery per event
		}
		n := 0
		for range slow.C() {
			n++
		}
		if n != 2 || !errors.Is(slow.Err(), events.ErrLagging) {
			t.Fatalf("the slow subscriber got %d deliveries, then %v", n, slow.Err())
		}
		publish(t, b, s.db, note("usr_a", "after"))
		if got, _ := receive(t, fast, 1); textOf(t, got[0]) != "after" {
			t.Fatal(texts(t, got))
		}
		if b.Subscribers() != 1 {
			t.Fatalf("%d subscribers left", b.Subscribers())
		}
	})
}

func TestCloseEndsSubscriptionsAndPublishGoesOn(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		b.Close()
		if _, ok := <-sub.C(); ok || !errors.Is(sub.Err(), events.ErrClosed) {
			t.Fatalf("subscription after close: %v", sub.Err())
		}
		if _, err := b.Subscribe(context.Background(), "usr_a", nil, events.Filter{}); !errors.Is(err, events.ErrClosed) {
			t.Fatalf("subscribe after close: %v", err)
		}
		publish(t, b, s.db, note("usr_a", "still recorded")) // for the other instances
		other := s.bus(events.Config{})
		seen := events.Cursor{}
		again := subscribe(t, other, "usr_a", &seen, events.Filter{})
		if texts(t, again.Replay) != "still recorded" {
			t.Fatalf("replay on another instance: %q", texts(t, again.Replay))
		}
	})
}

func TestAnEventReachesSubscribersOfAnotherInstance(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		a, b := s.bus(events.Config{}), s.bus(events.Config{})
		onB := subscribe(t, b, "usr_a", nil, events.Filter{})
		onA := subscribe(t, a, "usr_a", nil, events.Filter{})
		err := s.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			return a.Publish(ctx, tx, note("usr_a", "from A"))
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range []*events.Subscription{onA, onB} {
			if got, _ := receive(t, sub, 1); textOf(t, got[0]) != "from A" {
				t.Fatal(texts(t, got))
			}
		}
	})
}

func TestTheListenerReconnectsAndCatchesUp(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		if !s.isPG() {
			t.Skip("LISTEN/NOTIFY is PostgreSQL's")
		}
		// No safety poll within the test: only the listener wakes b.
		b := s.bus(events.Config{PollEvery: time.Hour, ListenReconnect: 300 * time.Millisecond})
		a := s.bus(events.Config{})
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		ctx := context.Background()
		listener := func() (pid int) {
			s.db.NewRaw("SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE application_name = ?", b.Channel()).Scan(ctx, &pid) //nolint:errcheck
			return pid
		}
		waitFor(t, "the listener connects", func() bool { return listener() != 0 })
		publish(t, a, s.db, note("usr_a", "before"))
		receive(t, sub, 1)

		// What a PostgreSQL restart does to the listening connection.
		old := listener()
		if _, err := s.db.ExecContext(ctx, "SELECT pg_terminate_backend(?)", old); err != nil {
			t.Fatal(err)
		}
		publish(t, a, s.db, note("usr_a", "while reconnecting"))
		waitFor(t, "the listener reconnects", func() bool { p := listener(); return p != 0 && p != old })
		publish(t, a, s.db, note("usr_a", "after"))
		if got, _ := receive(t, sub, 2); texts(t, got) != "while reconnecting,after" {
			t.Fatalf("got %s", texts(t, got))
		}
	})
}

func TestPublishRefusesBadEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		bad := []events.Event{
			{Kind: events.KindBot},
			{Scope: "usr_a", Kind: "gossip"},
			{Scope: "usr_a", Kind: events.KindBot, Data: json.RawMessage(`[1]`)},
			{Scope: "usr_a", Kind: events.KindBot, Data: json.RawMessage(`{"a":`)},
			{Scope: "usr_a", Kind: events.KindBot, Data: json.RawMessage(`{"a":"` + strings.Repeat("x", events.MaxDataBytes) + `"}`)},
		}
		for _, e := range bad {
			if err := b.Publish(context.Background(), s.db, e); err == nil {
				t.Errorf("published %+v", e)
			}
		}
		sub := subscribe(t, b, "usr_a", nil, events.Filter{})
		publish(t, b, s.db, events.Event{Scope: "usr_a", Kind: events.KindBot, Data: json.RawMessage("{\n  \"status\": \"active\"\n}")})
		if got, _ := receive(t, sub, 1); string(got[0].Data) != `{"status":"active"}` {
			t.Fatalf("data is compacted to fit one SSE line: %s", got[0].Data)
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPublishAllDeliversEveryEventInOrderOnEveryInstance: several events
// of one transaction, one statement, reach both instances in order, and
// a bad one refuses them all.
func TestPublishAllDeliversEveryEventInOrderOnEveryInstance(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		a, b := s.bus(events.Config{}), s.bus(events.Config{})
		onA := subscribe(t, a, "usr_a", nil, events.Filter{})
		onB := subscribe(t, b, "usr_a", nil, events.Filter{})
		err := s.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
			return a.PublishAll(ctx, tx, note("usr_a", "one"), note("usr_b", "other scope"), note("usr_a", "two"), note("usr_a", "three"))
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range []*events.Subscription{onA, onB} {
			if got, _ := receive(t, sub, 3); texts(t, got) != "one,two,three" {
				t.Fatalf("got %s", texts(t, got))
			}
		}
		if err := a.PublishAll(context.Background(), s.db, note("usr_a", "fine"), events.Event{Kind: events.KindBot}); err == nil {
			t.Fatal("an event without a scope is refused")
		}
	})
}

// A member reconnecting with Last-Event-ID is replayed their own
// notifications only, as live delivery gives them.
func TestReplayLeavesOutOtherMembersNotifications(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		ann := subscribe(t, b, "ws_a", nil, events.Filter{Member: "usr_ann"})
		publish(t, b, s.db, events.BotStatus("ws_a", "bot_1", "active", ""))
		_, seen := receive(t, ann, 1)
		ann.Close()

		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_bob", ID: "ntf_1", Title: "for bob"}))
		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_ann", ID: "ntf_2", Title: "for ann"}))
		watch := subscribe(t, b, "ws_a", nil, events.Filter{})
		publish(t, b, s.db, note("ws_a", "marker"))
		receiveUntil(t, watch, "marker")

		again := subscribe(t, b, "ws_a", &seen, events.Filter{Member: "usr_ann", Kinds: []events.Kind{events.KindNotification}})
		if again.Reset || len(again.Replay) != 1 || again.Replay[0].Subject != "usr_ann" {
			t.Fatalf("replay %+v (reset %v)", again.Replay, again.Reset)
		}
	})
}

// With Notifications, a stream narrowed to one bot's events also carries
// the member's own notifications (of any bot), live and on replay, and
// still never another member's.
func TestAStreamCanAlsoCarryTheMembersNotifications(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shared) {
		b := s.bus(events.Config{})
		f := events.Filter{BotID: "bot_2", Kinds: []events.Kind{events.KindBot}, Member: "usr_ann", Notifications: true}
		sub := subscribe(t, b, "ws_a", nil, f)
		publish(t, b, s.db, events.BotStatus("ws_a", "bot_1", "active", ""))
		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_bob", ID: "ntf_1", Title: "for bob"}))
		publish(t, b, s.db, events.NotificationChanged("ws_a", "bot_1", events.NotificationData{UserID: "usr_ann", ID: "ntf_2", Title: "for ann"}))
		publish(t, b, s.db, events.BotStatus("ws_a", "bot_2", "warning", "down"))
		got, _ := receive(t, sub, 2)
		if got[0].Kind != events.KindNotification || got[0].Subject != "usr_ann" || got[1].Kind != events.KindBot || got[1].BotID != "bot_2" {
			t.Fatalf("live: %+v", got)
		}
		again := subscribe(t, b, "ws_a", &events.Cursor{Last: got[0].ID - 1}, f)
		if again.Reset || len(again.Replay) != 2 || again.Replay[0].ID != got[0].ID || again.Replay[1].ID != got[1].ID {
			t.Fatalf("replay %+v (reset %v), want %+v", again.Replay, again.Reset, got)
		}
	})
}
