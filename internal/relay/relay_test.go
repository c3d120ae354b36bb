package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/internal/relay"
	"github.com/botdeck/botdeck/internal/safehttp"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// receiver is the owner's bot server: it records what arrives and answers
// as answer says.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	ids      []int64
	bodies   map[int64]string
	secrets  []string
	inFlight atomic.Int32
	overlap  atomic.Bool
	answer   atomic.Value // func(updateID int64) (status int, body string)
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{bodies: map[int64]string{}}
	rc.answer.Store(func(int64) (int, string) { return 200, "" })
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc.inFlight.Add(1) > 1 {
			rc.overlap.Store(true)
		}
		defer rc.inFlight.Add(-1)
		body, _ := io.ReadAll(r.Body)
		var u struct {
			UpdateID int64 `json:"update_id"`
		}
		json.Unmarshal(body, &u)
		status, reply := rc.answer.Load().(func(int64) (int, string))(u.UpdateID)
		if status/100 == 2 {
			rc.mu.Lock()
			rc.ids = append(rc.ids, u.UpdateID)
			rc.bodies[u.UpdateID] = string(body)
			rc.secrets = append(rc.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
			rc.mu.Unlock()
		}
		if reply != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]int64(nil), rc.ids...)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func allowPrivate(c *config.Config) { c.RelayAllowPrivate = true }

var fast = relay.Config{Every: 20 * time.Millisecond, Lease: 5 * time.Second, MinBackoff: 5 * time.Millisecond,
	MaxBackoff: 20 * time.Millisecond, Batch: 7}

func worker(env *apptest.Env, instance string, cfg relay.Config) *relay.Worker {
	return relay.New(env.App.DB, env.App.Bots, env.App.Relays, env.App.BotAPI, safehttp.New(safehttp.Options{AllowPrivate: true}),
		quietLog(), instance, cfg)
}

// setup connects a bot, points its relay at a fresh receiver and returns both.
func setup(t *testing.T, env *apptest.Env) (apptest.Bot, *receiver, *models.Bot) {
	t.Helper()
	owner := env.SignUp(t, "relay@example.com")
	bot := env.ConnectBot(t, owner, "relayed_bot")
	rc := newReceiver(t)
	owner.Put(t, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": rc.URL + "/hook", "enabled": true}).Expect(t, http.StatusOK)
	b, err := models.BotByID(context.Background(), env.App.DB, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	return bot, rc, b
}

func push(t *testing.T, env *apptest.Env, bot apptest.Bot, n int) {
	t.Helper()
	for i := range n {
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprint("U", i)})
		if _, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, fmt.Sprint("hello ", i))); err != nil {
			t.Fatal(err)
		}
	}
}

func storedIDs(t *testing.T, env *apptest.Env, botID string) ([]int64, map[int64]string) {
	t.Helper()
	var ups []models.StoredUpdate
	if err := env.App.DB.NewSelect().Model(&ups).Where("bot_id = ?", botID).Order("update_id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids, payloads := make([]int64, len(ups)), map[int64]string{}
	for i, u := range ups {
		ids[i], payloads[u.UpdateID] = u.UpdateID, u.Payload
	}
	return ids, payloads
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRelayDeliversInOrderExactlyAsStored: every processed update reaches
// the owner's server once, in update_id order, byte for byte as stored,
// with the relay's secret; failures are retried with the later updates
// waiting behind, and every attempt is logged.
func TestRelayDeliversInOrderExactlyAsStored(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, rc, b := setup(t, env)
		fails := atomic.Int32{}
		rc.answer.Store(func(int64) (int, string) {
			if fails.Add(1) <= 3 {
				return 503, "busy"
			}
			return 200, ""
		})
		push(t, env, bot, 12)
		w := worker(env, "solo", fast)
		ctx := context.Background()
		w.DeliverDue(ctx)
		if got := rc.received(); len(got) != 0 {
			t.Fatalf("nothing is relayed before Botdeck processed it: %v", got)
		}
		env.Process(t)
		want, payloads := storedIDs(t, env, bot.ID)
		apptest.Eventually(t, 20*time.Second, "all relayed", func() bool {
			w.DeliverDue(ctx)
			return len(rc.received()) >= len(want)
		})
		if got := rc.received(); !sameIDs(got, want) {
			t.Fatalf("relayed %v, want %v in order, once each", got, want)
		}
		r, _ := models.RelayOf(ctx, env.App.DB, bot.ID)
		secret, _ := env.App.Relays.Secret(r)
		for id, body := range rc.bodies {
			if body != payloads[id] {
				t.Fatalf("update %d relayed as %q, stored as %q", id, body, payloads[id])
			}
		}
		for _, s := range rc.secrets {
			if s != secret || len(secret) < 32 {
				t.Fatalf("secret header %q, want the relay's secret", s)
			}
		}
		if r.DeliveredThrough != want[len(want)-1] || r.Attempts != 0 || r.FailingSince != nil || r.LastDeliveredAt == nil {
			t.Fatalf("relay state after draining: %+v", r)
		}
		var failed, ok []models.RelayDelivery
		failed, _, _ = models.ListRelayDeliveries(ctx, env.App.DB, b.ID, models.DeliveryFailed, models.Window{Limit: 100})
		ok, _, _ = models.ListRelayDeliveries(ctx, env.App.DB, b.ID, models.DeliveryOK, models.Window{Limit: 100})
		if len(failed) != 3 || len(ok) != len(want) || failed[0].UpdateID != want[0] || failed[0].HTTPStatus != 503 ||
			failed[2].Attempts != 1 || ok[len(ok)-1].Attempts != 4 {
			t.Fatalf("deliveries: %d failed %+v, %d ok", len(failed), failed, len(ok))
		}
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}

// TestTwoInstancesNeverDeliverTheSameBot runs two workers on one database
// while updates keep arriving: each is delivered once, in order, never two
// requests of one bot at a time.
func TestTwoInstancesNeverDeliverTheSameBot(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, rc, _ := setup(t, env)
		rc.answer.Store(func(int64) (int, string) { time.Sleep(2 * time.Millisecond); return 200, "" })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		ctxA, stopA := context.WithCancel(ctx)
		defer stopA()
		for i, c := range []context.Context{ctxA, ctx} {
			w := worker(env, fmt.Sprint("instance-", i), fast)
			wg.Go(func() { w.Run(c) })
		}
		for round := range 6 {
			push(t, env, bot, 5)
			env.Process(t)
			if round == 3 {
				stopA() // one instance goes away: the other carries on (after the lease, if A held it)
			}
		}
		want, _ := storedIDs(t, env, bot.ID)
		apptest.Eventually(t, 30*time.Second, "all relayed", func() bool { return len(rc.received()) >= len(want) })
		cancel()
		wg.Wait()
		if got := rc.received(); !sameIDs(got, want) {
			t.Fatalf("relayed %v, want %v", got, want)
		}
		if rc.overlap.Load() {
			t.Fatal("two deliveries of one bot overlapped")
		}
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}

// TestRelayWarnsAfterFailingAndRecovers: a server that keeps failing puts
// the bot in warning (with the reason); when it answers again the backlog
// drains in order and the bot is active again.
func TestRelayWarnsAfterFailingAndRecovers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, rc, _ := setup(t, env)
		down := atomic.Bool{}
		down.Store(true)
		rc.answer.Store(func(int64) (int, string) {
			if down.Load() {
				return 500, ""
			}
			return 200, ""
		})
		push(t, env, bot, 5)
		env.Process(t)
		cfg := fast
		cfg.WarnAfter = 100 * time.Millisecond
		w := worker(env, "solo", cfg)
		ctx := context.Background()
		apptest.Eventually(t, 20*time.Second, "bot in warning", func() bool {
			w.DeliverDue(ctx)
			b, _ := models.BotByID(ctx, env.App.DB, bot.ID)
			return b.Status == models.BotWarning && b.StatusReason != ""
		})
		b, _ := models.BotByID(ctx, env.App.DB, bot.ID)
		if want := "127.0.0.1"; !contains(b.StatusReason, want) || !contains(b.StatusReason, "HTTP 500") {
			t.Fatalf("reason %q should name the host and the answer", b.StatusReason)
		}
		if len(rc.received()) != 0 {
			t.Fatal("nothing delivered while down")
		}
		down.Store(false)
		want, _ := storedIDs(t, env, bot.ID)
		apptest.Eventually(t, 20*time.Second, "drained and active", func() bool {
			w.DeliverDue(ctx)
			b, _ := models.BotByID(ctx, env.App.DB, bot.ID)
			return len(rc.received()) == len(want) && b.Status == models.BotActive
		})
		if got := rc.received(); !sameIDs(got, want) {
			t.Fatalf("after the outage: %v, want %v", got, want)
		}
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}

// TestWebhookReplyIsExecuted: a method call in the server's answer is
// sent to Telegram, as Telegram itself would.
func TestWebhookReplyIsExecuted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, rc, _ := setup(t, env)
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		rc.answer.Store(func(int64) (int, string) {
			return 200, fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":"pong from my server"}`, u.ID)
		})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "ping"))
		env.Process(t)
		w := worker(env, "solo", fast)
		apptest.Eventually(t, 20*time.Second, "reply sent", func() bool {
			w.DeliverDue(context.Background())
			for _, m := range env.Telegram.SentMessagesTo(bot.Fake.Token, u.ID) {
				if m.Text == "pong from my server" {
					return true
				}
			}
			return false
		})
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}

func TestParseWebhookReplyRefusesManagedMethods(t *testing.T) {
	for body, want := range map[string]string{
		`{"method":"sendMessage","chat_id":1,"text":"x"}`: "sendMessage",
		`{"method":"setWebhook","url":"https://evil"}`:    "",
		`{"method":"deleteWebhook"}`:                      "",
		`{"method":"../getMe"}`:                           "",
		`{"text":"no method"}`:                            "",
		`ok`:                                              "",
		``:                                                "",
	} {
		m, params, ok := relay.ParseWebhookReply([]byte(body))
		if m != want || ok != (want != "") {
			t.Errorf("%s: got %q %v", body, m, ok)
		}
		if ok && contains(string(params), "method") {
			t.Errorf("%s: params still hold the method: %s", body, params)
		}
	}
}

// TestGivesUpAfterADayAndRetentionKeepsTheBacklog: an update failing a day
// after it was received is skipped (logged) so the line moves on; until the
// relay delivered them, retention keeps updates past their retention.
func TestGivesUpAfterADayAndRetentionKeepsTheBacklog(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.Start(t, d, apptest.Webhooks(), apptest.Config(allowPrivate))
			bot, rc, _ := setup(t, env)
			push(t, env, bot, 3)
			env.Process(t)
			ids, _ := storedIDs(t, env, bot.ID)
			ctx := context.Background()
			old := models.Now().Add(-40 * 24 * time.Hour)
			env.App.DB.NewUpdate().Model((*models.StoredUpdate)(nil)).Set("received_at = ?", old).Where("bot_id = ?", bot.ID).Exec(ctx)
			n, err := jobs.NewRetention(env.App.DB, quietLog(), 30*24*time.Hour).Prune(ctx)
			if err != nil || n != 0 {
				t.Fatalf("pruned %d (%v): updates the relay still has to deliver must stay", n, err)
			}
			rc.answer.Store(func(id int64) (int, string) {
				if id == ids[0] {
					return 500, ""
				}
				return 200, ""
			})
			w := worker(env, "solo", fast)
			apptest.Eventually(t, 20*time.Second, "the rest delivered", func() bool {
				w.DeliverDue(ctx)
				return len(rc.received()) == 2
			})
			failed, _, _ := models.ListRelayDeliveries(ctx, env.App.DB, bot.ID, models.DeliveryFailed, models.Window{Limit: 10})
			if len(failed) != 1 || failed[0].UpdateID != ids[0] || !contains(failed[0].Error, "given up") {
				t.Fatalf("the stale update is given up once, logged: %+v", failed)
			}
			if n, err := jobs.NewRetention(env.App.DB, quietLog(), 30*24*time.Hour).Prune(ctx); err != nil || n != 3 {
				t.Fatalf("once relayed they are pruned: %d %v", n, err)
			}
			// The delivery log is kept for the retention period too.
			env.App.DB.NewUpdate().Model((*models.RelayDelivery)(nil)).Set("at = ?", old).Where("update_id = ?", ids[0]).Exec(ctx)
			jobs.NewRetention(env.App.DB, quietLog(), 30*24*time.Hour).Prune(ctx)
			if left, _, _ := models.ListRelayDeliveries(ctx, env.App.DB, bot.ID, "", models.Window{Limit: 10}); len(left) != 2 {
				t.Fatalf("old delivery log entries are pruned: %+v", left)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestWebhookReplyGoesThroughTheOutbox: with the app's wiring, a webhook
// reply is queued on the bot's outbox (its rate limit, once per update) and
// recorded in the conversation as coming through the relay.
func TestWebhookReplyGoesThroughTheOutbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "relay-outbox@example.com")
		bot := env.ConnectBot(t, owner, "relay_outbox_bot")
		if _, err := env.App.DB.NewDelete().Model((*models.Reply)(nil)).Where("bot_id = ?", bot.ID).Exec(context.Background()); err != nil {
			t.Fatal(err) // only the owner's server answers
		}
		rc := newReceiver(t)
		owner.Put(t, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": rc.URL + "/hook", "enabled": true}).Expect(t, http.StatusOK)
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		rc.answer.Store(func(int64) (int, string) {
			return 200, fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":"pong via the outbox"}`, u.ID)
		})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "ping"))
		env.Process(t)
		w := worker(env, "solo", fast)
		w.Replies = env.App.Relay.Replies
		apptest.Eventually(t, 20*time.Second, "reply sent", func() bool {
			w.DeliverDue(context.Background())
			env.App.Outbox.SendDue(context.Background())
			for _, m := range env.Telegram.SentMessagesTo(bot.Fake.Token, u.ID) {
				if m.Text == "pong via the outbox" {
					return true
				}
			}
			return false
		})
		var via string
		for _, m := range owner.Get(t, fmt.Sprintf("/api/bots/%s/users/%d/messages", bot.ID, u.ID)).Expect(t, http.StatusOK).List(t) {
			if m := m.(map[string]any); m["text"] == "pong via the outbox" {
				via, _ = m["via"].(string)
			}
		}
		if via != "relay" {
			t.Fatalf("the reply is in the conversation via the relay, got %q", via)
		}
	}, apptest.Webhooks(), apptest.Config(allowPrivate))
}
