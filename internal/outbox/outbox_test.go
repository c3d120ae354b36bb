package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newOutbox builds one instance's outbox over env's database.
func newOutbox(t *testing.T, env *apptest.Env, instance string, cfg outbox.Config) *outbox.Outbox {
	t.Helper()
	o, err := outbox.New(context.Background(), env.App.DB, env.App.Config.DatabaseURL, env.App.Telegram, env.App.Bots,
		outbox.StoredFiles{DB: env.App.DB}, nil,
		quietLog(), instance, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// run runs o until the test ends.
func run(t *testing.T, o *outbox.Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func enqueue(t *testing.T, env *apptest.Env, o *outbox.Outbox, msgs ...outbox.Message) {
	t.Helper()
	if err := o.Enqueue(context.Background(), env.App.DB, msgs...); err != nil {
		t.Fatal(err)
	}
}

func text(bot apptest.Bot, chat int64, s string, prio int) outbox.Message {
	m := outbox.Text(bot.ID, chat, s, "", nil)
	m.Priority, m.Origin = prio, outbox.OriginDashboard
	if prio == outbox.PriorityBroadcast {
		m.Origin = outbox.OriginBroadcast
	}
	return m
}

func statuses(t *testing.T, env *apptest.Env, botID string) map[string]int {
	t.Helper()
	rows, err := models.OutboxOfBot(context.Background(), env.App.DB, botID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status]++
	}
	return out
}

func TestOutboxSendsByPriorityThenAge(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "prio@example.com")
		bot := env.ConnectBot(t, owner, "prio_bot")
		o := newOutbox(t, env, "a", outbox.Config{Workers: 1})
		for i := range 5 {
			enqueue(t, env, o, text(bot, int64(1000+i), fmt.Sprint("broadcast ", i), outbox.PriorityBroadcast))
		}
		for i := range 2 {
			enqueue(t, env, o, text(bot, int64(2000+i), fmt.Sprint("greeting ", i), outbox.PriorityGreeting))
		}
		for i := range 3 {
			enqueue(t, env, o, text(bot, int64(3000+i), fmt.Sprint("reply ", i), outbox.PriorityPerson))
		}
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "all sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) == 10 })
		var got []string
		for _, m := range env.Telegram.SentMessages(bot.Fake.Token) {
			got = append(got, m.Text)
		}
		want := []string{"reply 0", "reply 1", "reply 2", "greeting 0", "greeting 1",
			"broadcast 0", "broadcast 1", "broadcast 2", "broadcast 3", "broadcast 4"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order:\n got %v\nwant %v", got, want)
		}
		apptest.Eventually(t, 10*time.Second, "recorded", func() bool { return statuses(t, env, bot.ID)[models.OutboxSent] == 10 })
	})
}

func TestOutboxKeysMakeEnqueueIdempotent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "idem@example.com")
		bot := env.ConnectBot(t, owner, "idem_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		m := text(bot, 42, "once", outbox.PriorityPerson)
		m.Key = "update:7:0"
		enqueue(t, env, o, m)
		enqueue(t, env, o, m)
		other := text(bot, 42, "no key", outbox.PriorityPerson)
		enqueue(t, env, o, other, other)
		if n := statuses(t, env, bot.ID)[models.OutboxQueued]; n != 3 {
			t.Fatalf("queued %d, want 3 (one keyed, two without a key)", n)
		}
	})
}

// TestOutboxStaysUnderTheRateLimit queues more than two seconds' worth
// of messages for one bot whose fake enforces Telegram's 30/s: none is
// refused with 429, and no one-second window holds more than the rate
// (with one message of slack for the window's edges).
func TestOutboxStaysUnderTheRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "rate@example.com")
		bot := env.ConnectBot(t, owner, "rate_bot")
		if err := env.Telegram.SetSendRate(bot.Fake.Token, 30); err != nil {
			t.Fatal(err)
		}
		o := newOutbox(t, env, "a", outbox.Config{})
		var msgs []outbox.Message
		for i := range 75 {
			msgs = append(msgs, text(bot, int64(5000+i), fmt.Sprint("m", i), outbox.PriorityPerson))
		}
		enqueue(t, env, o, msgs...)
		run(t, o)
		apptest.Eventually(t, 30*time.Second, "all sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) == 75 })
		if n := env.Telegram.RateLimitedCount(bot.Fake.Token); n != 0 {
			t.Fatalf("%d calls were refused with 429", n)
		}
		var at []time.Time
		for _, m := range env.Telegram.SentMessages(bot.Fake.Token) {
			at = append(at, m.SentAt)
		}
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		for i := range at {
			j := i
			for j < len(at) && at[j].Sub(at[i]) < time.Second {
				j++
			}
			if j-i > 31 {
				t.Fatalf("%d messages within one second from %v", j-i, at[i])
			}
		}
	})
}

// TestOutboxPacesOneChat sends several messages to one person: they
// arrive in order, and after the burst at most about one a second.
func TestOutboxPacesOneChat(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "chat@example.com")
		bot := env.ConnectBot(t, owner, "chat_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		for i := range 5 {
			enqueue(t, env, o, text(bot, 77, fmt.Sprint("part ", i), outbox.PriorityPerson))
		}
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "all sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) == 5 })
		sent := env.Telegram.SentMessages(bot.Fake.Token)
		for i, m := range sent {
			if m.Text != fmt.Sprint("part ", i) {
				t.Fatalf("message %d is %q: a chat's messages must arrive in order", i, m.Text)
			}
		}
		// A burst of 3, then 1/s: the 5th comes at least ~2s after the 1st.
		if d := sent[4].SentAt.Sub(sent[0].SentAt); d < 1500*time.Millisecond {
			t.Fatalf("5 messages to one chat in %v: the chat's pace was not kept", d)
		}
	})
}

// TestTwoInstancesSendEachMessageOnce runs two outboxes (two instances) on
// one database: every message goes out exactly once.
func TestTwoInstancesSendEachMessageOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "two@example.com")
		var bots []apptest.Bot
		for i := range 3 {
			bots = append(bots, env.ConnectBot(t, owner, fmt.Sprintf("two_%d_bot", i)))
		}
		a := newOutbox(t, env, "instance-a", outbox.Config{ScanEvery: 50 * time.Millisecond})
		b := newOutbox(t, env, "instance-b", outbox.Config{ScanEvery: 50 * time.Millisecond})
		run(t, a)
		run(t, b)
		for i := range 60 {
			bot := bots[i%3]
			o := a
			if i%2 == 1 {
				o = b
			}
			enqueue(t, env, o, text(bot, int64(9000+i), fmt.Sprint("m", i), outbox.PriorityPerson))
		}
		for _, bot := range bots {
			apptest.Eventually(t, 30*time.Second, "sent", func() bool { return statuses(t, env, bot.ID)[models.OutboxSent] == 20 })
		}
		seen := map[int64]int{}
		for _, bot := range bots {
			for _, m := range env.Telegram.SentMessages(bot.Fake.Token) {
				seen[m.ChatID]++
			}
		}
		if len(seen) != 60 {
			t.Fatalf("%d chats got a message, want 60", len(seen))
		}
		for chat, n := range seen {
			if n != 1 {
				t.Fatalf("chat %d got %d messages", chat, n)
			}
		}
	})
}

// TestOutboxAfterACrash: an instance claimed a message and died (its
// lease expires). The next holder counts that message unconfirmed — never
// sent again — and sends the rest.
func TestOutboxAfterACrash(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "crash@example.com")
		bot := env.ConnectBot(t, owner, "crash_bot")
		o := newOutbox(t, env, "survivor", outbox.Config{ScanEvery: 50 * time.Millisecond})
		for i := range 3 {
			enqueue(t, env, o, text(bot, int64(100+i), fmt.Sprint("m", i), outbox.PriorityPerson))
		}
		// The dead instance: took the lease, claimed the first message.
		now := models.Now()
		epoch, ok, err := models.AcquireOutboxLease(ctx, env.App.DB, bot.ID, "ghost", now.Add(time.Second), now)
		if err != nil || !ok {
			t.Fatalf("ghost lease: %v %v", ok, err)
		}
		claimed, err := models.ClaimOutbox(ctx, env.App.DB, bot.ID, "ghost", epoch, now, nil)
		if err != nil || claimed == nil {
			t.Fatalf("ghost claim: %v %v", claimed, err)
		}
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "the rest sent", func() bool {
			st := statuses(t, env, bot.ID)
			return st[models.OutboxSent] == 2 && st[models.OutboxUnconfirmed] == 1
		})
		for _, m := range env.Telegram.SentMessages(bot.Fake.Token) {
			if m.ChatID == claimed.ChatID {
				t.Fatal("the message in doubt was sent again")
			}
		}
	})
}

// TestOutboxOutcomes: 429 waits and sends the same message, 5xx is
// retried, 403 marks the user as having blocked the bot, 400 fails with
// Telegram's reason.
func TestOutboxOutcomes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "outcomes@example.com")
		bot := env.ConnectBot(t, owner, "outcomes_bot")
		o := newOutbox(t, env, "a", outbox.Config{Backoff: 50 * time.Millisecond, Workers: 1})

		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Blocker"})
		receive(t, env, bot, telegramtest.MessageUpdate(u, "/start"))
		env.Process(t)
		if err := env.Telegram.SetBlocked(bot.Fake.Token, u.ID, true); err != nil {
			t.Fatal(err)
		}
		run(t, o)
		// The starter reply's answers to the blocker are refused (403)
		// first, so the failures below meet only the messages they are for.
		apptest.Eventually(t, 20*time.Second, "starter answers settled", func() bool {
			st := statuses(t, env, bot.ID)
			return st[models.OutboxQueued] == 0 && st[models.OutboxSending] == 0
		})

		// 429 once, then fine.
		must(t, env.Telegram.Fail(bot.Fake.Token, "sendMessage", telegramtest.FailSpec{Code: 429, RetryAfter: 1, Times: 1}))
		enqueue(t, env, o, text(bot, 11, "after flood", outbox.PriorityPerson))
		apptest.Eventually(t, 20*time.Second, "sent after 429", func() bool { return len(env.Telegram.SentMessagesTo(bot.Fake.Token, 11)) == 1 })

		// 500 twice, then fine.
		must(t, env.Telegram.Fail(bot.Fake.Token, "sendMessage", telegramtest.FailSpec{Code: 500, Times: 2}))
		enqueue(t, env, o, text(bot, 12, "after 500", outbox.PriorityPerson))
		apptest.Eventually(t, 20*time.Second, "sent after 500s", func() bool { return len(env.Telegram.SentMessagesTo(bot.Fake.Token, 12)) == 1 })

		// 403 from a user who blocked the bot.
		enqueue(t, env, o, text(bot, u.ID, "hello?", outbox.PriorityPerson))
		apptest.Eventually(t, 20*time.Second, "user marked", func() bool {
			bu, err := models.BotUserByID(ctx, env.App.DB, bot.ID, u.ID)
			return err == nil && bu.BotBlocked
		})

		// 400: bad markup is refused for good, with the reason.
		enqueue(t, env, o, outbox.Message{BotID: bot.ID, ChatID: 13, Method: "sendMessage", Origin: outbox.OriginReply,
			Params: map[string]any{"text": "<b>oops", "parse_mode": "HTML"}})
		// (The /start above was answered by the bot's starter reply: to the
		// blocker too, so refused as well.)
		apptest.Eventually(t, 20*time.Second, "all settled", func() bool {
			st := statuses(t, env, bot.ID)
			return st[models.OutboxQueued] == 0 && st[models.OutboxSending] == 0
		})
		if st := statuses(t, env, bot.ID); st[models.OutboxSent] != 2 || st[models.OutboxFailed] != 3 {
			t.Fatalf("outcomes: %v", st)
		}
		rows, _ := models.OutboxOfBot(ctx, env.App.DB, bot.ID)
		for _, r := range rows {
			switch r.ChatID {
			case 11:
				if r.Attempts != 1 {
					t.Fatalf("a 429 must not count as an attempt: %d", r.Attempts)
				}
			case 12:
				if r.Attempts != 3 {
					t.Fatalf("500, 500, ok is 3 attempts, got %d", r.Attempts)
				}
			case 13:
				if r.Status != models.OutboxFailed || r.Error == "" || r.MessageID != 0 {
					t.Fatalf("400: %+v", r)
				}
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var nextUpdateID = 1000

// receive stores an update as the webhook would.
func receive(t *testing.T, env *apptest.Env, bot apptest.Bot, u telego.Update) {
	t.Helper()
	nextUpdateID++
	u.UpdateID = nextUpdateID
	raw, err := json.Marshal(u)
	must(t, err)
	if _, err := env.App.Ingest.Receive(context.Background(), bot.ID, raw); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxUploadsOnceThenUsesTheFileID sends a stored photo to two
// people: the first call carries the bytes, the second Telegram's file_id.
func TestOutboxUploadsOnceThenUsesTheFileID(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "upload@example.com")
		bot := env.ConnectBot(t, owner, "upload_bot")
		up := &models.Upload{ID: models.NewID(models.UploadIDPrefix), OwnerID: owner.Workspace(t), Name: "cat.png",
			ContentType: "image/png", Data: []byte("\x89PNG fake bytes")}
		must(t, models.InsertUpload(ctx, env.App.DB, up))
		o := newOutbox(t, env, "a", outbox.Config{Workers: 1})
		run(t, o)
		msg := replies.Message{Text: "<b>Cat</b>", ParseMode: replies.ModeHTML, Photo: up.ID}
		enqueue(t, env, o, outbox.FromReply(bot.ID, 501, msg))
		apptest.Eventually(t, 20*time.Second, "first sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) == 1 })
		var fileID string
		apptest.Eventually(t, 10*time.Second, "file id kept", func() bool {
			fileID, _ = models.UploadFileID(ctx, env.App.DB, up.ID, bot.ID)
			return fileID != ""
		})
		enqueue(t, env, o, outbox.FromReply(bot.ID, 502, msg))
		apptest.Eventually(t, 20*time.Second, "second sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) == 2 })
		sent := env.Telegram.SentMessages(bot.Fake.Token)
		if got := string(sent[0].Params["photo"]); got != `"attach://photo"` {
			t.Fatalf("first send: photo = %s, want the bytes", got)
		}
		if got := string(sent[1].Params["photo"]); got != `"`+fileID+`"` {
			t.Fatalf("second send: photo = %s, want file_id %s", got, fileID)
		}
		if sent[0].Message.Caption != "Cat" || sent[1].ParseMode != "HTML" {
			t.Fatalf("caption: %+v", sent[0].Message)
		}
	})
}

// TestOutboxStopsForABotThatCannotSend: a revoked token fails the message
// and puts the bot in error; what is still queued for a bot that cannot
// send fails with the reason instead of waiting forever.
func TestOutboxStopsForABotThatCannotSend(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "revoked@example.com")
		bot := env.ConnectBot(t, owner, "revoked_bot")
		o := newOutbox(t, env, "a", outbox.Config{Workers: 1})
		must(t, env.Telegram.Fail(bot.Fake.Token, "sendMessage", telegramtest.FailSpec{Code: 401}))
		enqueue(t, env, o, text(bot, 21, "first", outbox.PriorityPerson), text(bot, 22, "second", outbox.PriorityPerson))
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "both failed", func() bool { return statuses(t, env, bot.ID)[models.OutboxFailed] == 2 })
		b, err := models.BotByID(ctx, env.App.DB, bot.ID)
		must(t, err)
		if b.Status != models.BotError {
			t.Fatalf("bot status %q after a 401", b.Status)
		}
		enqueue(t, env, o, text(bot, 23, "third", outbox.PriorityPerson))
		apptest.Eventually(t, 20*time.Second, "the third failed", func() bool { return statuses(t, env, bot.ID)[models.OutboxFailed] == 3 })
		rows, _ := models.OutboxOfBot(ctx, env.App.DB, bot.ID)
		if rows[0].Error != "401 Unauthorized" || rows[2].Error != "Not sent: Telegram rejects the token of @revoked_bot." {
			t.Fatalf("reasons: %q / %q", rows[0].Error, rows[2].Error)
		}
		if n := len(env.Telegram.SentMessages(bot.Fake.Token)); n != 0 {
			t.Fatalf("%d sent", n)
		}
	})
}

// TestOutboxDropsExpiredMessages: a message past its expiry (a join
// requester's 5-minute window) fails unsent.
func TestOutboxDropsExpiredMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "late@example.com")
		bot := env.ConnectBot(t, owner, "late_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		late := text(bot, 31, "too late", outbox.PriorityGreeting)
		late.Expires = time.Now().Add(-time.Second)
		enqueue(t, env, o, late, text(bot, 32, "in time", outbox.PriorityGreeting))
		if _, err := o.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows, _ := models.OutboxOfBot(context.Background(), env.App.DB, bot.ID)
		if rows[0].Status != models.OutboxFailed || rows[0].Error != outbox.TooLate || rows[1].Status != models.OutboxSent {
			t.Fatalf("rows: %+v", rows)
		}
		if sent := env.Telegram.SentMessages(bot.Fake.Token); len(sent) != 1 || sent[0].ChatID != 32 {
			t.Fatalf("sent: %+v", sent)
		}
	})
}

// TestOutboxObserversGetBatchesAndSurviveOneBadMessage: observers learn
// every final outcome inside a transaction, possibly several messages at
// once; when they fail on one message the others are still observed, each
// on its own, and every outcome is recorded whatever the observers did.
func TestOutboxObserversGetBatchesAndSurviveOneBadMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "observe@example.com")
		bot := env.ConnectBot(t, owner, "observe_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		var mu sync.Mutex
		observed := map[int64]string{}
		o.Observe(outbox.OriginDashboard, func(ctx context.Context, db bun.IDB, msgs []*models.OutboxMessage) error {
			for _, m := range msgs {
				if m.ChatID == 13 {
					return errors.New("this one cannot be recorded")
				}
			}
			// Inside the recorder's transaction: the write is visible to it.
			var n int
			if err := db.NewRaw("SELECT count(*) FROM outbox WHERE bot_id = ?", bot.ID).Scan(ctx, &n); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				observed[m.ChatID] = m.Status
			}
			return nil
		})
		for _, chat := range []int64{11, 12, 13, 14} {
			enqueue(t, env, o, text(bot, chat, "hi", outbox.PriorityPerson))
		}
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "all recorded", func() bool { return statuses(t, env, bot.ID)[models.OutboxSent] == 4 })
		apptest.Eventually(t, 20*time.Second, "observed", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(observed) == 3
		})
		mu.Lock()
		defer mu.Unlock()
		for _, chat := range []int64{11, 12, 14} {
			if observed[chat] != models.OutboxSent {
				t.Fatalf("chat %d observed as %q: %v", chat, observed[chat], observed)
			}
		}
	})
}

// TestOutboxRecordsEverythingBeforeStopping: outcomes are written in
// batches after the calls; a stopped outbox writes all of them before Run
// returns, so no sent message is left "sending" to be counted unconfirmed.
func TestOutboxRecordsEverythingBeforeStopping(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "stop@example.com")
		bot := env.ConnectBot(t, owner, "stop_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		for i := range 12 {
			enqueue(t, env, o, text(bot, int64(500+i), "hi", outbox.PriorityPerson))
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { o.Run(ctx); close(done) }()
		apptest.Eventually(t, 20*time.Second, "some sent", func() bool { return len(env.Telegram.SentMessages(bot.Fake.Token)) >= 4 })
		cancel()
		<-done
		calls := len(env.Telegram.SentMessages(bot.Fake.Token))
		st := statuses(t, env, bot.ID)
		if st[models.OutboxSending] != 0 || st[models.OutboxSent] != calls || st[models.OutboxQueued] != 12-calls {
			t.Fatalf("after stopping with %d calls made: %v", calls, st)
		}
	})
}

// TestOutboxOneChatsBacklogDoesNotHoldUpOthers: a chat with more queued
// messages than the sender looks at in one go (its pace lets one through a
// second) never hides another chat's message behind them.
func TestOutboxOneChatsBacklogDoesNotHoldUpOthers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "backlog@example.com")
		bot := env.ConnectBot(t, owner, "backlog_bot")
		o := newOutbox(t, env, "a", outbox.Config{})
		for i := range 30 {
			enqueue(t, env, o, text(bot, 77, fmt.Sprint("part ", i), outbox.PriorityPerson))
		}
		enqueue(t, env, o, text(bot, 88, "the other chat", outbox.PriorityPerson))
		run(t, o)
		apptest.Eventually(t, 20*time.Second, "the other chat answered", func() bool {
			return len(env.Telegram.SentMessagesTo(bot.Fake.Token, 88)) == 1
		})
		// Chat 77 goes 3 at once, then one a second: 15 would take 12 s.
		if n := len(env.Telegram.SentMessagesTo(bot.Fake.Token, 77)); n >= 15 {
			t.Fatalf("chat 88 waited for %d of chat 77's messages", n)
		}
	})
}
