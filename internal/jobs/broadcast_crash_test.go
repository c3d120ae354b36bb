package jobs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// The crash tests check the guarantees described on jobs.Broadcaster.
// Each ends by counting, in the fake Bot API, the messages every chat
// received.

// TestBroadcastSurvivesStopsAtRandomPoints stops the sender again and
// again by cancelling its context at a random moment — between the claim
// and the request, while a request is in flight, between the answer and
// the record, while waiting for the bucket — and starts a new instance
// each time, until the broadcast is done: every recipient is messaged
// exactly once and nothing is in doubt.
func TestBroadcastSurvivesStopsAtRandomPoints(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "stops@example.com")
		const n = 150
		bot := audienceBot(t, env, owner, "stops_bot", n)
		bc := queue(t, env, bot.ID, "stop and go")
		// A loaded machine may stop an instance before it sends anything:
		// the test fails only when many restarts in a row make no progress,
		// and each such restart lets the next instance run longer.
		restarts, stalls, sent := 0, 0, int64(0)
		for cur := reload(t, env, bc.ID); cur.Status != models.BroadcastDone; cur = reload(t, env, bc.ID) {
			if cur.Sent > sent {
				sent, stalls = cur.Sent, 0
			} else if stalls++; stalls > 200 {
				t.Fatalf("the broadcast makes no progress: %d restarts, %d sent", restarts, sent)
			}
			b := newBroadcaster(env, fmt.Sprint("instance-", restarts), 200, fastConfig())
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { b.Run(ctx); close(done) }()
			time.Sleep(time.Duration(5+rand.IntN(60)) * time.Millisecond * time.Duration(1+stalls/10))
			cancel()
			<-done
			restarts++
		}
		bc = reload(t, env, bc.ID)
		if bc.Sent != n || bc.Unconfirmed != 0 {
			t.Fatalf("after %d restarts: %+v", restarts, bc)
		}
		expectExactlyOnce(t, env, bot.Fake.Token, "stop and go", n, nil)
		t.Logf("%d restarts", restarts)
	})
}

// TestBroadcastCrashAfterTelegramAnswered kills the sender at the worst
// moment — Telegram has accepted a message and the sender dies before
// recording it — without releasing its lease. A new instance takes over
// once the lease expires: the messages that were in flight are counted
// unconfirmed and not sent again, everyone else gets theirs, and every
// recipient ends up messaged exactly once.
func TestBroadcastCrashAfterTelegramAnswered(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "crash@example.com")
		const n = 120
		bot := audienceBot(t, env, owner, "crash_bot", n)
		bc := queue(t, env, bot.ID, "crash after send")
		killAt := int64(10 + rand.IntN(80))
		var sends atomic.Int64
		a := newBroadcaster(env, "doomed", 400, fastConfig())
		a.CrashAfterSend(func(string, int64) bool { return sends.Add(1) == killAt })
		stopA := running(t, a)
		apptest.Eventually(t, 20*time.Second, "the crash", a.Dead)
		stopA()
		l, _ := models.BroadcastLeaseOf(context.Background(), env.App.DB, bot.ID)
		if l.LeaseOwner != "doomed" {
			t.Fatalf("a dead sender does not release its lease: %+v", l)
		}

		running(t, newBroadcaster(env, "restarted", 400, fastConfig()))
		bc = waitStatus(t, env, bc.ID, models.BroadcastDone, 30*time.Second)
		expectExactlyOnce(t, env, bot.Fake.Token, "crash after send", n, nil)
		if bc.Unconfirmed < 1 || bc.Unconfirmed > int64(4) || bc.Sent+bc.Unconfirmed != n {
			t.Fatalf("in flight at the crash (1 to Workers=4) are unconfirmed, the rest sent: %+v", bc)
		}
		t.Logf("killed after %d sends: %d unconfirmed", killAt, bc.Unconfirmed)
	})
}

// TestBroadcastCrashBeforeTheRequestLeft kills the sender after it claimed
// a recipient and before the request left. That message never reached
// Telegram, but nothing can tell this crash from the one above: the
// recipient is counted unconfirmed and is not messaged — at most once,
// never twice.
func TestBroadcastCrashBeforeTheRequestLeft(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "early@example.com")
		const n = 80
		bot := audienceBot(t, env, owner, "early_bot", n)
		bc := queue(t, env, bot.ID, "crash before send")
		victim := crashBeforeSendThenRestart(t, env, 30)
		bc = waitStatus(t, env, bc.ID, models.BroadcastDone, 30*time.Second)
		expectExactlyOnce(t, env, bot.Fake.Token, "crash before send", n, map[int64]bool{victim: true})
		rows, _ := models.RecipientsOf(context.Background(), env.App.DB, bc.ID)
		for _, r := range rows {
			if r.UserID == victim && r.Status != models.RecipientUnconfirmed {
				t.Fatalf("the recipient in flight at the crash: %+v", r)
			}
		}
		expectCountersAddUp(t, bc)
	})
}

// crashBeforeSendThenRestart runs a sender that dies after its nth claim,
// before that request leaves (its lease is not released), then a new
// sender in its place; it returns the user whose claim it died on.
func crashBeforeSendThenRestart(t *testing.T, env *apptest.Env, nth int64) (victim int64) {
	t.Helper()
	var claims, victimID atomic.Int64
	a := newBroadcaster(env, "doomed", 400, fastConfig())
	a.CrashBeforeSend(func(_ string, userID int64) bool {
		if claims.Add(1) == nth {
			victimID.Store(userID)
			return true
		}
		return false
	})
	stopA := running(t, a)
	apptest.Eventually(t, 20*time.Second, "the crash", a.Dead)
	stopA()
	running(t, newBroadcaster(env, "restarted", 400, fastConfig()))
	return victimID.Load()
}

// TestTwoBroadcastersNeverSendTheSameMessageTwice runs two instances on
// one database (PostgreSQL in CI) with several bots and broadcasts, and
// stops one of them half-way. Every recipient of every broadcast is
// messaged exactly once, and each bot stays within its rate: Telegram
// (the fake, allowing 25/s) never answers 429, which it would if both
// instances sent for the same bot at 20/s each.
func TestTwoBroadcastersNeverSendTheSameMessageTwice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "two@example.com")
		const users = 60
		type sent struct {
			bot  apptest.Bot
			text string
			id   string
		}
		var all []sent
		for i := range 2 {
			bot := audienceBot(t, env, owner, fmt.Sprint("twin_", i, "_bot"), users)
			env.Telegram.SetSendRate(bot.Fake.Token, 25)
			for j := range 2 {
				text := fmt.Sprintf("bot %d broadcast %d", i, j)
				all = append(all, sent{bot: bot, text: text, id: queue(t, env, bot.ID, text).ID})
			}
		}
		cfg := fastConfig()
		stopA := running(t, newBroadcaster(env, "instance-a", 20, cfg))
		running(t, newBroadcaster(env, "instance-b", 20, cfg))
		var once sync.Once
		apptest.Eventually(t, 30*time.Second, "half-way", func() bool {
			var sum int64
			for _, s := range all {
				sum += reload(t, env, s.id).Sent
			}
			if sum >= int64(len(all)*users/2) {
				once.Do(stopA)
				return true
			}
			return false
		})
		for _, s := range all {
			waitStatus(t, env, s.id, models.BroadcastDone, 60*time.Second)
			expectExactlyOnce(t, env, s.bot.Fake.Token, s.text, users, nil)
		}
		for i := 0; i < len(all); i += 2 {
			s := all[i]
			if n := env.Telegram.RateLimitedCount(s.bot.Fake.Token); n != 0 {
				t.Errorf("%s: Telegram refused %d messages for flooding: two instances sent for one bot", s.bot.ID, n)
			}
		}
	})
}
