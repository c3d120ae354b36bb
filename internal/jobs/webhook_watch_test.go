package jobs_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// makeDue forgets when a bot's delivery was last checked, as if the
// interval had passed.
func makeDue(t *testing.T, env *apptest.Env, botID string) {
	t.Helper()
	if _, err := env.App.DB.NewUpdate().Model((*models.Bot)(nil)).Set("webhook_checked_at = NULL").
		Where("id = ?", botID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func checkDue(t *testing.T, w *jobs.WebhookWatch) int {
	t.Helper()
	n, err := w.CheckDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookWatchWarnsWhileDeliveryFailsAndClearsWhenFixed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "watch@example.com")
		bot := env.ConnectBot(t, owner, "watched_bot")
		token := bot.Fake.Token
		watch := jobs.NewWebhookWatch(env.App.DB, env.App.Bots, quietLog(), time.Hour)
		detail := func() map[string]any { return owner.Get(t, "/api/bots/"+bot.ID).Expect(t, http.StatusOK).Data(t) }
		logs := func() string { return owner.Get(t, "/api/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Text() }

		// Healthy: checked once per interval, nothing changes.
		if n := checkDue(t, watch); n != 1 || detail()["status"] != models.BotActive {
			t.Fatalf("healthy bot: checked %d, %v", n, detail())
		}
		if n := checkDue(t, watch); n != 0 {
			t.Fatalf("checked again within the interval: %d", n)
		}

		// Telegram's deliveries are refused (the secret it sends no longer
		// matches), so updates pile up with a recent error.
		info, secret, err := env.Telegram.WebhookInfo(token)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.App.Telegram.SetWebhook(ctx, token, telegram.WebhookParams{URL: info.URL, SecretToken: "not_botdecks"}); err != nil {
			t.Fatal(err)
		}
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		if res, _ := env.Telegram.Push(token, telegramtest.MessageUpdate(ann, "hello?")); res.Delivered {
			t.Fatal("a delivery with the wrong secret must be refused")
		}
		makeDue(t, env, bot.ID)
		checkDue(t, watch)
		d := detail()
		reason, _ := d["statusReason"].(string)
		if d["status"] != models.BotWarning || !strings.Contains(reason, "cannot deliver updates") || !strings.Contains(reason, "1 waiting") {
			t.Fatalf("failing delivery must show warning with the reason: %v", d)
		}
		list := owner.Get(t, "/api/bots?status=warning").Expect(t, http.StatusOK).JSON(t)
		if len(list["data"].([]any)) != 1 {
			t.Fatalf("the warning tab lists the bot: %v", list)
		}
		if !strings.Contains(logs(), "Webhook delivery is failing") {
			t.Fatal("the bot's log tells what went wrong")
		}
		makeDue(t, env, bot.ID)
		checkDue(t, watch) // unchanged: no second log line
		if strings.Count(logs(), "Webhook delivery is failing") != 1 {
			t.Fatal("an unchanged problem is logged once")
		}

		// Fixed: Telegram gets Botdeck's secret again and delivers what waited.
		if err := env.App.Telegram.SetWebhook(ctx, token, telegram.WebhookParams{URL: info.URL, SecretToken: secret}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 5*time.Second, "pending updates delivered", func() bool { return len(env.Telegram.PendingUpdates(token)) == 0 })
		makeDue(t, env, bot.ID)
		checkDue(t, watch)
		if d := detail(); d["status"] != models.BotActive || d["statusReason"] != "" {
			t.Fatalf("fixed delivery clears the warning: %v", d)
		}
		if !strings.Contains(logs(), "Webhook delivery works again") {
			t.Fatal("recovery is logged")
		}

		// Another tool takes the token's webhook: the reason names only the
		// host (the other URL may hold that tool's secrets).
		if err := env.App.Telegram.SetWebhook(ctx, token, telegram.WebhookParams{URL: "https://other.example/hook/SECRET-PATH"}); err != nil {
			t.Fatal(err)
		}
		makeDue(t, env, bot.ID)
		checkDue(t, watch)
		d = detail()
		reason, _ = d["statusReason"].(string)
		if d["status"] != models.BotWarning || !strings.Contains(reason, "other.example") || strings.Contains(reason, "SECRET-PATH") {
			t.Fatalf("webhook taken elsewhere: %v", d)
		}
		// Starting the running bot registers Botdeck's webhook again.
		d = owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK).Data(t)
		if d["status"] != models.BotActive || d["statusReason"] != "" || d["webhookError"] != "" {
			t.Fatalf("start re-registers and clears the warning: %v", d)
		}
		if info, _, _ := env.Telegram.WebhookInfo(token); info.URL != env.URL("/tg/"+bot.ID) {
			t.Fatalf("webhook after start: %q", info.URL)
		}
		calls := env.Telegram.CallCount(token, "setWebhook")
		owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
		if env.Telegram.CallCount(token, "setWebhook") != calls {
			t.Fatal("starting a healthy running bot changes nothing")
		}
		// A stopped bot is not checked.
		owner.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		makeDue(t, env, bot.ID)
		if n := checkDue(t, watch); n != 0 {
			t.Fatal("a stopped bot is not checked")
		}
		owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)

		// A token revoked in BotFather shows as error.
		env.Telegram.RevokeToken(token)
		makeDue(t, env, bot.ID)
		checkDue(t, watch)
		if d := detail(); d["status"] != models.BotError {
			t.Fatalf("revoked token: %v", d)
		}
	}, apptest.Webhooks())
}

// TestWebhookWatchInstancesShareTheChecks runs the watch of three instances
// at once: each bot is checked by exactly one of them.
func TestWebhookWatchInstancesShareTheChecks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "share@example.com")
		const bots = 6
		var tokens []string
		for i := range bots {
			tokens = append(tokens, env.ConnectBot(t, owner, "shared_bot_"+string(rune('a'+i))).Fake.Token)
		}
		var mu sync.Mutex
		total := 0
		var wg sync.WaitGroup
		for range 3 {
			w := jobs.NewWebhookWatch(env.App.DB, env.App.Bots, quietLog(), time.Hour)
			wg.Go(func() {
				n := checkDue(t, w)
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		calls := 0
		for _, token := range tokens {
			calls += env.Telegram.CallCount(token, "getWebhookInfo")
		}
		if total != bots || calls != bots {
			t.Fatalf("checked %d times with %d getWebhookInfo calls, want %d each", total, calls, bots)
		}
	}, apptest.Webhooks())
}
