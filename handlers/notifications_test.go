package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// twinOf starts a second Botdeck on a's database, keys and fake Bot API:
// another instance of the same deployment.
func twinOf(t *testing.T, a *apptest.Env, opts ...apptest.Option) *apptest.Env {
	t.Helper()
	opts = append([]apptest.Option{apptest.Config(func(c *config.Config) {
		c.DatabaseURL, c.SecretKeyFile, c.TelegramAPIURL = a.App.Config.DatabaseURL, a.App.Config.SecretKeyFile, a.App.Config.TelegramAPIURL
	})}, opts...)
	return apptest.Start(t, a.Dialect, opts...)
}

// onBoth runs fn on both instances at the same moment, and waits.
func onBoth(a, b *apptest.Env, fn func(env *apptest.Env)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, env := range []*apptest.Env{a, b, a, b} {
		wg.Go(func() {
			<-start
			fn(env)
		})
	}
	close(start)
	wg.Wait()
}

// notifications lists c's notifications (newest first), optionally only
// those of kind.
func notifications(t *testing.T, c *apptest.Client, kind string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range c.Get(t, "/api/notifications?limit=100").Expect(t, http.StatusOK).List(t) {
		n := it.(map[string]any)
		if kind == "" || n["kind"] == kind {
			out = append(out, n)
		}
	}
	return out
}

func titles(ns []map[string]any) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n["title"].(string)
	}
	return out
}

const throwingCode = `
logic['fail'] = () => {
  throw new Error('kaput');
};
`

// TestEachNotificationIsRaisedOnceAcrossTwoInstances raises every kind of
// notification on two instances of one deployment at the same moment
// (each instance seeing the same change): each event is notified once.
func TestEachNotificationIsRaisedOnceAcrossTwoInstances(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a := apptest.Start(t, d, apptest.Webhooks(), apptest.Config(func(c *config.Config) { c.RelayAllowPrivate = true }))
			b := twinOf(t, a)
			owner := a.SignUp(t, "twins@example.com")
			bot := a.ConnectBot(t, owner, "twin_notes_bot")
			token := bot.Fake.Token
			loadBot := func(env *apptest.Env) *models.Bot {
				bb, err := models.BotByID(ctx, env.App.DB, bot.ID)
				if err != nil {
					t.Error(err)
				}
				return bb
			}

			// Nothing yet: a healthy bot notifies nothing.
			if ns := notifications(t, owner, ""); len(ns) != 0 {
				t.Fatalf("a new account has notifications: %v", ns)
			}

			// bot_warning: another tool takes the webhook; both instances check.
			info, secret, err := a.Telegram.WebhookInfo(token)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.App.Telegram.SetWebhook(ctx, token, telegram.WebhookParams{URL: "https://other.example/hook"}); err != nil {
				t.Fatal(err)
			}
			onBoth(a, b, func(env *apptest.Env) {
				if err := env.App.Bots.CheckWebhook(ctx, loadBot(env)); err != nil {
					t.Error(err)
				}
			})
			ws := notifications(t, owner, models.NotifyBotWarning)
			if len(ws) != 1 || !strings.HasSuffix(ws[0]["title"].(string), "needs attention") ||
				!strings.Contains(ws[0]["body"].(string), "other.example") || ws[0]["url"] != "/bots/"+bot.ID || ws[0]["botId"] != bot.ID {
				t.Fatalf("bot_warning after two checks: %v", ws)
			}
			// Fixed: recovered, once.
			if err := a.App.Telegram.SetWebhook(ctx, token, telegram.WebhookParams{URL: info.URL, SecretToken: secret}); err != nil {
				t.Fatal(err)
			}
			onBoth(a, b, func(env *apptest.Env) {
				if err := env.App.Bots.CheckWebhook(ctx, loadBot(env)); err != nil {
					t.Error(err)
				}
			})
			if ws := notifications(t, owner, models.NotifyBotWarning); len(ws) != 2 || !strings.HasSuffix(ws[0]["title"].(string), "recovered") {
				t.Fatalf("bot_warning after the fix: %v", titles(ws))
			}

			// bot_error: both instances learn Telegram rejects the token.
			onBoth(a, b, func(env *apptest.Env) {
				env.App.Bots.NoteTelegramError(ctx, loadBot(env), fmt.Errorf("getMe: %w", telegram.ErrUnauthorized))
			})
			if es := notifications(t, owner, models.NotifyBotError); len(es) != 1 || !strings.HasSuffix(es[0]["title"].(string), "stopped working") {
				t.Fatalf("bot_error: %v", titles(es))
			}
			owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
			if es := notifications(t, owner, models.NotifyBotError); len(es) != 2 || !strings.HasSuffix(es[0]["title"].(string), "recovered") {
				t.Fatalf("bot_error after the restart: %v", titles(es))
			}

			// relay_failing: the relay's delivery fails, then works again. The
			// bot's warning it causes is told once, as relay_failing.
			owner.Put(t, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": "http://127.0.0.1:9/hook", "enabled": true}).Expect(t, http.StatusOK)
			onBoth(a, b, func(env *apptest.Env) {
				if err := env.App.Relays.SetWarning(ctx, bot.ID, "relay.example answers 500"); err != nil {
					t.Error(err)
				}
			})
			if d := owner.Get(t, "/api/bots/"+bot.ID).Data(t); d["status"] != models.BotWarning {
				t.Fatalf("a failing relay puts the bot in warning: %v", d["status"])
			}
			onBoth(a, b, func(env *apptest.Env) {
				if err := env.App.Relays.SetWarning(ctx, bot.ID, ""); err != nil {
					t.Error(err)
				}
			})
			rs := notifications(t, owner, models.NotifyRelayFailing)
			if len(rs) != 2 || !strings.HasSuffix(rs[1]["title"].(string), "is failing") || rs[1]["body"] != "relay.example answers 500" ||
				!strings.HasSuffix(rs[0]["title"].(string), "recovered") {
				t.Fatalf("relay_failing: %v", rs)
			}
			if ws := notifications(t, owner, models.NotifyBotWarning); len(ws) != 2 {
				t.Fatalf("the relay's warning is not told twice: %v", titles(ws))
			}

			// handler_errors: the editor's test runs are not notified (the
			// editor shows their errors); a burst of failures on both
			// instances is one notification.
			owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": throwingCode}).Expect(t, http.StatusOK)
			owner.Post(t, "/api/bots/"+bot.ID+"/code/test", map[string]any{"method": "POST", "path": "fail"}).Expect(t, http.StatusOK)
			if hs := notifications(t, owner, models.NotifyHandlerErrors); len(hs) != 0 {
				t.Fatalf("a test run from the editor was notified: %v", hs)
			}
			onBoth(a, b, func(env *apptest.Env) {
				for range 3 {
					call(t, env, "POST", "/custom/"+bot.ID+"/fail", "{}").Expect(t, http.StatusInternalServerError)
				}
			})
			hs := notifications(t, owner, models.NotifyHandlerErrors)
			if len(hs) != 1 || !strings.Contains(hs[0]["body"].(string), "kaput") || hs[0]["url"] != "/bots/"+bot.ID+"/logs" {
				t.Fatalf("handler_errors after 12 failures: %v", hs)
			}

			// broadcast_failed: both instances stop a running broadcast on errors.
			seedAudience(t, a, bot.ID, 2, time.Now())
			bcID := owner.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "hi"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
			if ok, err := models.StartBroadcast(ctx, a.App.DB, bcID, models.Now()); err != nil || !ok {
				t.Fatalf("start broadcast: %v %v", ok, err)
			}
			onBoth(a, b, func(env *apptest.Env) {
				if _, err := env.App.BroadcastFeed.Stop(ctx, bcID, models.BroadcastPaused, "Paused by Botdeck: 5 of the last 5 messages failed."); err != nil {
					t.Error(err)
				}
			})
			if fs := notifications(t, owner, models.NotifyBroadcastFailed); len(fs) != 1 || fs[0]["url"] != "/broadcasts/"+bcID ||
				!strings.Contains(fs[0]["body"].(string), "5 of the last 5") {
				t.Fatalf("broadcast_failed: %v", fs)
			}

			// new_conversation: a person's first message, processed by both
			// instances; their second message and a reply start nothing.
			ann := a.Telegram.AddUser(telegramtest.UserSpec{ID: 9101, FirstName: "Ann"})
			bob := a.Telegram.AddUser(telegramtest.UserSpec{ID: 9102, FirstName: "Bob"})
			for _, m := range []struct {
				who  int
				text string
			}{{0, "hello there"}, {0, "again"}, {1, "hi"}} {
				u := ann
				if m.who == 1 {
					u = bob
				}
				if res, err := a.Telegram.Push(token, telegramtest.MessageUpdate(u, m.text)); err != nil || !res.Delivered {
					t.Fatalf("push: %+v %v", res, err)
				}
				onBoth(a, b, func(env *apptest.Env) { env.Process(t) })
			}
			cs := notifications(t, owner, models.NotifyNewConversation)
			if len(cs) != 2 || cs[1]["url"] != "/bots/"+bot.ID+"/users/9101" || cs[1]["body"] != "hello there" ||
				cs[0]["url"] != "/bots/"+bot.ID+"/users/9102" {
				t.Fatalf("new_conversation: %v", cs)
			}
		})
	}
}
