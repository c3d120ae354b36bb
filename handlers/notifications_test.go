package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"

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

// TestBroadcastDoneIsNotifiedOnceWithTwoInstancesSending runs the real
// background workers on two instances: the broadcast ends once, the
// notification is raised once, and a stream on the other instance hears it.
func TestBroadcastDoneIsNotifiedOnceWithTwoInstancesSending(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d, apptest.Workers())
			b := twinOf(t, a, apptest.Workers())
			owner := a.SignUp(t, "bcdone@example.com")
			bot := a.ConnectBot(t, owner, "bcdone_bot")
			onB := b.Client().WithAPIKey(owner.NewAPIKey(t, "stream"))
			me := owner.Get(t, "/api/me").Data(t)["id"].(string)
			s := onB.Stream(t, "/api/events?kind=notification&subject="+me)
			seedAudience(t, a, bot.ID, 4, time.Now())
			id := owner.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "Sale"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
			apptest.Eventually(t, 60*time.Second, "the broadcast to finish", func() bool {
				return owner.Get(t, "/api/broadcasts/"+id).Data(t)["status"] == "done"
			})
			f := s.NextEvent(t).JSON(t)
			if f.Kind != "notification" || f.Subject != me || f.BotID != bot.ID || !strings.Contains(string(f.Data), `"kind":"broadcast_done"`) {
				t.Fatalf("the other instance streamed %+v %s", f, f.Data)
			}
			ds := notifications(t, owner, models.NotifyBroadcastDone)
			if len(ds) != 1 || ds[0]["url"] != "/broadcasts/"+id || ds[0]["body"] != "4 sent, 0 failed, 0 blocked the bot." {
				t.Fatalf("broadcast_done: %v", ds)
			}
		})
	}
}

// finishBroadcast creates a broadcast of the bot and finishes it as the
// sender does when every recipient has an outcome.
func finishBroadcast(t *testing.T, env *apptest.Env, owner *apptest.Client, botID string) string {
	t.Helper()
	ctx := context.Background()
	id := owner.Post(t, "/api/bots/"+botID+"/broadcasts", map[string]any{"text": "x"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
	if ok, err := models.StartBroadcast(ctx, env.App.DB, id, models.Now()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := env.App.DB.NewUpdate().Model((*models.BroadcastRecipient)(nil)).Set("status = ?", models.RecipientSent).
		Where("broadcast_id = ?", id).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if done, err := env.App.BroadcastFeed.Finish(ctx, id); err != nil || !done {
		t.Fatal(done, err)
	}
	return id
}

// TestNotificationsAPIAndSettings: the list's shape, filters and
// pagination, marking read (one, all, another member's ignored), and the
// settings: a kind off in the app is not listed, off everywhere is not
// stored, defaults where never changed; strict input.
func TestNotificationsAPIAndSettings(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "notes@example.com")
		other := env.SignUp(t, "other-notes@example.com")
		bot := env.ConnectBot(t, owner, "notes_bot")
		seedAudience(t, env, bot.ID, 1, time.Now())
		raiseBroadcastDone := func(n int) []string {
			var ids []string
			for range n {
				ids = append(ids, finishBroadcast(t, env, owner, bot.ID))
			}
			return ids
		}

		// Defaults.
		set := owner.Get(t, "/api/me/notification-settings").Expect(t, http.StatusOK).Data(t)
		if len(set) != len(models.NotificationKinds) || set["bot_error"].(map[string]any)["telegram"] != true ||
			set["new_conversation"].(map[string]any)["telegram"] != false || set["new_conversation"].(map[string]any)["inApp"] != true {
			t.Fatalf("default settings: %v", set)
		}

		raiseBroadcastDone(3)
		res := owner.Get(t, "/api/notifications?limit=2").Expect(t, http.StatusOK).JSON(t)
		list := res["data"].([]any)
		p := res["pagination"].(map[string]any)
		if len(list) != 2 || p["total"] != 3.0 || p["totalPages"] != 2.0 || res["unread"] != 3.0 {
			t.Fatalf("first page: %v", res)
		}
		first := list[0].(map[string]any)
		if !models.LooksLikeID("ntf", first["id"].(string)) || first["kind"] != "broadcast_done" || first["readAt"] != nil || first["createdAt"] == nil {
			t.Fatalf("a notification: %v", first)
		}
		if got := other.Get(t, "/api/notifications").Expect(t, http.StatusOK).List(t); len(got) != 0 {
			t.Fatalf("another account sees %v", got)
		}

		// Mark one read; another member's attempt changes nothing.
		id := first["id"].(string)
		if d := other.Post(t, "/api/notifications/read", map[string]any{"ids": []string{id}}).Expect(t, http.StatusOK).Data(t); d["read"] != 0.0 {
			t.Fatalf("another account marked %v", d)
		}
		if d := owner.Post(t, "/api/notifications/read", map[string]any{"ids": []string{id}}).Expect(t, http.StatusOK).Data(t); d["read"] != 1.0 || d["unread"] != 2.0 {
			t.Fatalf("mark one: %v", d)
		}
		unread := owner.Get(t, "/api/notifications?unread=true").Expect(t, http.StatusOK).List(t)
		if len(unread) != 2 {
			t.Fatalf("unread after marking one: %v", unread)
		}
		if all := notifications(t, owner, ""); all[0]["readAt"] == nil {
			t.Fatalf("readAt not set: %v", all[0])
		}
		if d := owner.Post(t, "/api/notifications/read", map[string]any{"all": true}).Expect(t, http.StatusOK).Data(t); d["read"] != 2.0 || d["unread"] != 0.0 {
			t.Fatalf("mark all: %v", d)
		}

		// Strict input.
		for _, body := range []map[string]any{{}, {"ids": []string{id}, "all": true}, {"all": true, "zz": 1}} {
			owner.Post(t, "/api/notifications/read", body).Expect(t, http.StatusUnprocessableEntity)
		}
		owner.Put(t, "/api/me/notification-settings", map[string]any{"bot_panic": map[string]any{"inApp": true}}).Expect(t, http.StatusUnprocessableEntity)
		owner.Put(t, "/api/me/notification-settings", map[string]any{"bot_error": map[string]any{"loud": true}}).Expect(t, http.StatusUnprocessableEntity)
		owner.Get(t, "/api/notifications?limit=0").Expect(t, http.StatusUnprocessableEntity)

		// broadcast_done off in the app, on Telegram: not listed, not counted,
		// kept for the Telegram sender. Off everywhere: nothing stored.
		set = owner.Put(t, "/api/me/notification-settings", map[string]any{"broadcast_done": map[string]any{"inApp": false, "telegram": true}}).
			Expect(t, http.StatusOK).Data(t)
		if bd := set["broadcast_done"].(map[string]any); bd["inApp"] != false || bd["telegram"] != true || set["bot_error"].(map[string]any)["inApp"] != true {
			t.Fatalf("saved settings: %v", set)
		}
		hidden := raiseBroadcastDone(1)[0]
		if got := notifications(t, owner, models.NotifyBroadcastDone); len(got) != 3 {
			t.Fatalf("a kind off in the app is listed: %d", len(got))
		}
		var row models.Notification
		if err := env.App.DB.NewSelect().Model(&row).Where("dedupe_key = ?", "broadcast_done:"+hidden).Scan(ctx); err != nil ||
			row.InApp || row.TelegramState != models.TelegramPending {
			t.Fatalf("the Telegram-only row: %+v %v", row, err)
		}
		owner.Put(t, "/api/me/notification-settings", map[string]any{"broadcast_done": map[string]any{"inApp": false, "telegram": false}}).Expect(t, http.StatusOK)
		off := raiseBroadcastDone(1)[0]
		if n, err := env.App.DB.NewSelect().Model((*models.Notification)(nil)).Where("dedupe_key = ?", "broadcast_done:"+off).Count(ctx); err != nil || n != 0 {
			t.Fatalf("a kind off everywhere was stored: %d %v", n, err)
		}
		// Telegram off: in the app only.
		owner.Put(t, "/api/me/notification-settings", map[string]any{"broadcast_done": map[string]any{"inApp": true, "telegram": false}}).Expect(t, http.StatusOK)
		quiet := raiseBroadcastDone(1)[0]
		if err := env.App.DB.NewSelect().Model(&row).Where("dedupe_key = ?", "broadcast_done:"+quiet).Scan(ctx); err != nil ||
			!row.InApp || row.TelegramState != models.TelegramNone {
			t.Fatalf("the in-app-only row: %+v %v", row, err)
		}
	})
}

// TestNotificationPagesAndBell: the bell in the header counts unread
// notifications, the page lists them with an empty state, its forms mark
// read and come back, and the settings form saves every kind (unchecked
// boxes mean off).
func TestNotificationPagesAndBell(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "bell@example.com")
		bot := env.ConnectBot(t, owner, "bell_bot")
		page := owner.Get(t, "/notifications").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `<span class="sr-only">Notifications, none unread</span>`) || !strings.Contains(page, "No notifications yet") {
			t.Fatalf("empty page:\n%s", page)
		}
		seedAudience(t, env, bot.ID, 1, time.Now())
		finishBroadcast(t, env, owner, bot.ID)
		page = owner.Get(t, "/bots").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `<span class="sr-only">Notifications, 1 unread</span>`) {
			t.Fatal("the bell on every page counts the unread notification")
		}
		bell := owner.Get(t, "/notifications/bell", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(bell, `id="notification-bell"`) || !strings.Contains(bell, `data-unread="1"`) || strings.Contains(bell, "<html") {
			t.Fatalf("bell fragment:\n%s", bell)
		}
		page = owner.Get(t, "/notifications?unread=true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Broadcast of @bell_bot finished") || !strings.Contains(page, "Mark all as read") {
			t.Fatalf("unread page:\n%s", page)
		}
		n := notifications(t, owner, "")[0]["id"].(string)
		res := owner.Post(t, "/notifications/read", url.Values{"ids": {n}, "next": {"/notifications?unread=true"}}).Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/notifications?unread=true" {
			t.Fatalf("back to %q", loc)
		}
		res = owner.Post(t, "/notifications/read", url.Values{"all": {"true"}, "next": {"https://evil.example/"}}).Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/notifications" {
			t.Fatalf("an outside next is not followed: %q", loc)
		}
		page = owner.Get(t, "/notifications?unread=true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "All caught up") || !strings.Contains(page, `<span class="sr-only">Notifications, none unread</span>`) {
			t.Fatalf("after marking read:\n%s", page)
		}

		// Settings: the form sends every kind; unchecked means off.
		form := url.Values{"form": {"true"}, "bot_error.inApp": {"true"}, "bot_error.telegram": {"true"}, "broadcast_done.telegram": {"true"}}
		owner.Post(t, "/account/notifications", form).Expect(t, http.StatusSeeOther)
		set := owner.Get(t, "/api/me/notification-settings").Data(t)
		if be := set["bot_error"].(map[string]any); be["inApp"] != true || be["telegram"] != true {
			t.Fatalf("bot_error: %v", set)
		}
		if bd := set["broadcast_done"].(map[string]any); bd["inApp"] != false || bd["telegram"] != true {
			t.Fatalf("broadcast_done: %v", set)
		}
		if bw := set["bot_warning"].(map[string]any); bw["inApp"] != false || bw["telegram"] != false {
			t.Fatalf("bot_warning: %v", set)
		}
		page = owner.Get(t, "/account/notifications").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `aria-label="Bot errors on Telegram"`) || !strings.Contains(page, "Notification settings saved.") ||
			!strings.Contains(page, "No Telegram account is linked yet") {
			t.Fatalf("settings page:\n%s", page)
		}
	})
}

// linkTelegram links c's Telegram account (user u) through bot, as the
// account page's link does.
func linkTelegram(t *testing.T, env *apptest.Env, c *apptest.Client, bot apptest.Bot, u telego.User) {
	t.Helper()
	d := c.Post(t, "/api/me/telegram-link", map[string]any{"botId": bot.ID}).Expect(t, http.StatusOK).Data(t)
	say(t, env, bot, u, linkStart(t, d["url"].(string)))
	if got := c.Get(t, "/api/me/telegram-link").Expect(t, http.StatusOK).Data(t); got["linked"] != true {
		t.Fatalf("not linked: %v", got)
	}
}

// notificationTexts are the notifications bot sent to chat.
func notificationTexts(env *apptest.Env, bot apptest.Bot, chat int64) []string {
	var out []string
	for _, m := range env.Telegram.SentMessagesTo(bot.Fake.Token, chat) {
		if strings.HasPrefix(m.Text, "🔔") {
			out = append(out, m.Text)
		}
	}
	return out
}

// TestNotificationsReachLinkedMembersOnTelegram: two instances run the
// Telegram sender at once; each notification goes once, only to members
// who linked their account, from the bot concerned when the member uses
// it (else from the bot they linked through), at most 5 a minute (the rest
// counted in the next one), and never when Telegram is off for the kind.
func TestNotificationsReachLinkedMembersOnTelegram(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a := apptest.Start(t, d, apptest.Webhooks())
			b := twinOf(t, a)
			linked := a.SignUp(t, "linked@example.com")
			unlinked := a.SignUp(t, "unlinked@example.com")
			home := a.ConnectBot(t, linked, "home_bot")
			shop := a.ConnectBot(t, linked, "shop_bot")
			other := a.ConnectBot(t, unlinked, "other_bot")
			me := a.Telegram.AddUser(telegramtest.UserSpec{ID: 8801, FirstName: "Mia"})
			linkTelegram(t, a, linked, home, me)
			seedAudience(t, a, home.ID, 1, time.Now())
			seedAudience(t, a, shop.ID, 1, time.Now())
			seedAudience(t, a, other.ID, 1, time.Now())
			send := func() {
				onBoth(a, b, func(env *apptest.Env) {
					if _, err := env.App.Notifier.SendDue(ctx); err != nil {
						t.Error(err)
					}
				})
				if _, err := a.App.Outbox.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
			}

			// One about shop_bot (Mia never started it: home_bot sends), one
			// for the unlinked member (nothing sent, skipped with the reason).
			finishBroadcast(t, a, linked, shop.ID)
			finishBroadcast(t, a, unlinked, other.ID)
			send()
			got := notificationTexts(a, home, me.ID)
			if len(got) != 1 || !strings.Contains(got[0], "Broadcast of @shop_bot finished") {
				t.Fatalf("home_bot sent %q", got)
			}
			if n := len(a.Telegram.SentMessagesTo(other.Fake.Token, 0)); n != 0 {
				t.Fatalf("other_bot sent %d messages for an unlinked member", n)
			}
			var row models.Notification
			if err := a.App.DB.NewSelect().Model(&row).Where("bot_id = ?", other.ID).Scan(ctx); err != nil ||
				row.TelegramState != models.TelegramSkipped || !strings.Contains(row.TelegramNote, "No Telegram account") {
				t.Fatalf("unlinked member's notification: %+v %v", row, err)
			}

			// Mia starts shop_bot: now shop_bot itself tells her.
			seedBotUsers(t, a, shop.ID, models.BotUser{UserID: me.ID, FirstName: "Mia", StartedAt: models.Now()})
			finishBroadcast(t, a, linked, shop.ID)
			send()
			if got := notificationTexts(a, shop, me.ID); len(got) != 1 {
				t.Fatalf("shop_bot sent %q", got)
			}

			// A burst: 2 sent so far this minute, 3 more go, 4 are held back.
			for range 7 {
				finishBroadcast(t, a, linked, home.ID)
			}
			send()
			if got := notificationTexts(a, home, me.ID); len(got) != 4 { // 1 earlier + 3
				t.Fatalf("within the limit home_bot sent %d: %q", len(got), got)
			}
			var limited int64
			limited, err := a.App.DB.NewSelect().Model((*models.Notification)(nil)).Where("telegram_state = ?", models.TelegramLimited).Count(ctx)
			if err != nil || limited != 4 {
				t.Fatalf("held back: %d %v", limited, err)
			}
			if n := len(notifications(t, linked, models.NotifyBroadcastDone)); n != 9 {
				t.Fatalf("held-back notifications stay in the app: %d", n)
			}
			// A minute later the next one counts them.
			if _, err := a.App.DB.NewUpdate().Model((*models.Notification)(nil)).Set("telegram_at = ?", models.Now().Add(-2*time.Minute)).
				Where("telegram_state = ?", models.TelegramSent).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			finishBroadcast(t, a, linked, home.ID)
			send()
			got = notificationTexts(a, home, me.ID)
			if len(got) != 5 || !strings.HasSuffix(got[4], "(and 4 more notifications in Botdeck)") {
				t.Fatalf("after the minute: %q", got)
			}

			// Telegram off for the kind: in the app only.
			linked.Put(t, "/api/me/notification-settings", map[string]any{"broadcast_done": map[string]any{"inApp": true, "telegram": false}}).Expect(t, http.StatusOK)
			finishBroadcast(t, a, linked, home.ID)
			send()
			if got := notificationTexts(a, home, me.ID); len(got) != 5 {
				t.Fatalf("sent with Telegram off: %q", got)
			}
		})
	}
}
