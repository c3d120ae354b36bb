package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

func TestConnectBotWebhook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "owner@example.com")
		fb := env.Telegram.AddBot(telegramtest.BotSpec{Username: "shop_bot", FirstName: "Shop"})
		res := c.Post(t, "/api/bots", map[string]string{"token": "  " + fb.Token + "\n"}).Expect(t, http.StatusCreated)
		d := res.Data(t)
		if d["username"] != "shop_bot" || d["name"] != "Shop" || d["status"] != "active" || d["updateMode"] != "webhook" || d["webhookSet"] != true {
			t.Fatalf("unexpected bot: %v", d)
		}
		if strings.Contains(res.Text(), fb.Token) || !strings.HasPrefix(d["tokenMasked"].(string), fmt.Sprint(fb.ID)+":") {
			t.Fatalf("the token must only appear masked: %v", d["tokenMasked"])
		}
		id := d["id"].(string)
		if !models.LooksLikeID("bot", id) {
			t.Fatalf("bot id %q is not opaque", id)
		}
		info, secret, err := env.Telegram.WebhookInfo(fb.Token)
		if err != nil || info.URL != env.URL("/tg/"+id) || len(secret) < 16 {
			t.Fatalf("webhook not registered at /tg/{id} with a secret: %+v %q %v", info, secret, err)
		}
		allowed := env.Telegram.AllowedUpdates(fb.Token)
		for _, want := range []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"} {
			if !slices.Contains(allowed, want) {
				t.Errorf("allowed_updates lacks %s: %v", want, allowed)
			}
		}
		// A second bot gets its own secret.
		other := env.ConnectBot(t, c, "other_bot")
		_, secret2, _ := env.Telegram.WebhookInfo(other.Fake.Token)
		if secret2 == secret {
			t.Fatal("bots must not share a webhook secret")
		}
	}, apptest.Webhooks())
}

func TestConnectBotPolling(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "poller@example.com")
		bot := env.ConnectBot(t, c, "poll_bot")
		d := c.Get(t, "/api/bots/"+bot.ID).Expect(t, http.StatusOK).Data(t)
		if d["updateMode"] != "polling" || d["webhookSet"] != false || d["webhookUrl"] != "" {
			t.Fatalf("without a public URL the bot is polled: %v", d)
		}
		if env.Telegram.CallCount(bot.Fake.Token, "deleteWebhook") == 0 {
			t.Fatal("polling needs any old webhook removed")
		}
	})
}

func TestConnectBotFailures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		bob := env.SignUp(t, "bob@example.com")

		for _, bad := range []string{"", "not a token", "123:short", strings.Repeat("9", 300)} {
			res := alice.Post(t, "/api/bots", map[string]string{"token": bad}).Expect(t, http.StatusUnprocessableEntity)
			if bad != "" && res.ErrorCode(t) != "token_invalid" || res.Fields(t)["token"] == nil {
				t.Errorf("token %q: %s", bad, res.Body)
			}
		}

		revoked := env.Telegram.AddBot(telegramtest.BotSpec{Username: "revoked_bot"})
		env.Telegram.RevokeToken(revoked.Token)
		if code := alice.Post(t, "/api/bots", map[string]string{"token": revoked.Token}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "token_invalid" {
			t.Fatalf("a token Telegram rejects: %s", code)
		}

		bot := env.ConnectBot(t, alice, "dup_bot")
		if code := alice.Post(t, "/api/bots", map[string]string{"token": bot.Fake.Token}).Expect(t, http.StatusConflict).ErrorCode(t); code != "bot_exists" {
			t.Fatalf("same account twice: %s", code)
		}
		if code := bob.Post(t, "/api/bots", map[string]string{"token": bot.Fake.Token}).Expect(t, http.StatusConflict).ErrorCode(t); code != "token_exists" {
			t.Fatalf("another account's bot: %s", code)
		}

		// Telegram refusing the webhook leaves nothing behind; a retry works.
		fb := env.Telegram.AddBot(telegramtest.BotSpec{Username: "flaky_bot"})
		env.Telegram.Fail(fb.Token, "setWebhook", telegramtest.FailSpec{Code: 400, Description: "Bad Request: bad webhook: HTTPS url must be provided for webhook", Times: 1})
		res := bob.Post(t, "/api/bots", map[string]string{"token": fb.Token}).Expect(t, http.StatusBadGateway)
		if res.ErrorCode(t) != "webhook_failed" || !strings.Contains(res.Text(), "HTTPS url must be provided") {
			t.Fatalf("webhook failure: %s", res.Body)
		}
		list := bob.Get(t, "/api/bots?status=deleted").JSON(t)
		if n := list["pagination"].(map[string]any)["total"].(float64); n != 0 || len(bob.Get(t, "/api/bots").List(t)) != 0 {
			t.Fatal("a failed connect must leave no bot")
		}
		bob.Post(t, "/api/bots", map[string]string{"token": fb.Token}).Expect(t, http.StatusCreated)

		// Telegram down.
		down := env.Telegram.AddBot(telegramtest.BotSpec{Username: "down_bot"})
		env.Telegram.Fail(down.Token, "getMe", telegramtest.FailSpec{Network: true})
		if code := bob.Post(t, "/api/bots", map[string]string{"token": down.Token}).Expect(t, http.StatusBadGateway).ErrorCode(t); code != "telegram_unavailable" {
			t.Fatalf("network failure: %s", code)
		}
	}, apptest.Webhooks())
}

func TestConnectFormShowsErrorsInline(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "form@example.com")
		page := c.Post(t, "/bots", url.Values{"token": {"garbage"}}).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(page, "does not look like a bot token") || !strings.Contains(page, `value="garbage"`) {
			t.Fatal("the connect form must show the error and keep the input")
		}
		fb := env.Telegram.AddBot(telegramtest.BotSpec{Username: "form_bot"})
		res := c.Post(t, "/bots", url.Values{"token": {fb.Token}}).Expect(t, http.StatusSeeOther)
		if !strings.HasPrefix(res.Header.Get("Location"), "/bots/bot_") {
			t.Fatalf("after connecting, go to the bot: %s", res.Header.Get("Location"))
		}
		botPage := c.Get(t, res.Header.Get("Location")).Expect(t, http.StatusOK).Text()
		if !strings.Contains(botPage, "Connected @form_bot") || strings.Contains(botPage, fb.Token) {
			t.Fatal("bot page: flash missing or token leaked")
		}
	})
}

func TestBotLifecycle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "life@example.com")
		bot := env.ConnectBot(t, c, "life_bot")
		path := "/api/bots/" + bot.ID

		if s := c.Post(t, path+"/stop", nil).Expect(t, http.StatusOK).Data(t)["status"]; s != "stopped" {
			t.Fatalf("stop: %v", s)
		}
		c.Post(t, path+"/stop", nil).Expect(t, http.StatusOK) // idempotent
		setWebhooks := env.Telegram.CallCount(bot.Fake.Token, "setWebhook")
		if s := c.Post(t, path+"/start", nil).Expect(t, http.StatusOK).Data(t)["status"]; s != "active" {
			t.Fatalf("start: %v", s)
		}
		if env.Telegram.CallCount(bot.Fake.Token, "setWebhook") != setWebhooks+1 {
			t.Fatal("start registers the webhook again")
		}

		d := c.Patch(t, path, map[string]any{"description": "  Support bot ", "tags": []string{"Support", "shop", "support"}}).Expect(t, http.StatusOK).Data(t)
		if d["description"] != "Support bot" || fmt.Sprint(d["tags"]) != "[support shop]" {
			t.Fatalf("patch: %v", d)
		}
		c.Patch(t, path, map[string]any{"tags": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}).Expect(t, http.StatusUnprocessableEntity)
		c.Patch(t, path, map[string]any{"description": strings.Repeat("x", 501)}).Expect(t, http.StatusUnprocessableEntity)

		// Disconnect: the webhook goes, history stays, and the bot leaves the default list.
		if s := c.Delete(t, path).Expect(t, http.StatusOK).Data(t)["status"]; s != "deleted" {
			t.Fatalf("delete: %v", s)
		}
		if info, _, _ := env.Telegram.WebhookInfo(bot.Fake.Token); info.URL != "" {
			t.Fatal("disconnecting removes the webhook")
		}
		if len(c.Get(t, "/api/bots").List(t)) != 0 || len(c.Get(t, "/api/bots?status=deleted").List(t)) != 1 {
			t.Fatal("a disconnected bot is listed only under status=deleted")
		}
		c.Post(t, path+"/start", nil).Expect(t, http.StatusConflict)
		c.Patch(t, path, map[string]any{"description": "x"}).Expect(t, http.StatusConflict)

		// Re-adding restores the same bot with its notes.
		res := c.Post(t, "/api/bots", map[string]string{"token": bot.Fake.Token}).Expect(t, http.StatusOK)
		if res.JSON(t)["restored"] != true || res.Data(t)["id"] != bot.ID || res.Data(t)["description"] != "Support bot" || res.Data(t)["status"] != "active" {
			t.Fatalf("restore: %s", res.Body)
		}
		if info, _, _ := env.Telegram.WebhookInfo(bot.Fake.Token); info.URL == "" {
			t.Fatal("a restored bot gets its webhook back")
		}

		// A disconnected bot can be connected by another account, and then
		// the first account can no longer restore it.
		c.Delete(t, path).Expect(t, http.StatusOK)
		other := env.SignUp(t, "new-owner@example.com")
		other.Post(t, "/api/bots", map[string]string{"token": bot.Fake.Token}).Expect(t, http.StatusCreated)
		c.Post(t, "/api/bots", map[string]string{"token": bot.Fake.Token}).Expect(t, http.StatusConflict)
	}, apptest.Webhooks())
}

func TestNewTokenReplacesTheOldOne(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "rotate@example.com")
		bot := env.ConnectBot(t, c, "rotate_bot")
		newToken, err := env.Telegram.RotateToken(bot.Fake.Token)
		if err != nil {
			t.Fatal(err)
		}
		// The old token is now rejected: the bot page shows status error.
		c.Get(t, "/bots/"+bot.ID+"/webhook-info").Expect(t, http.StatusOK)
		d := c.Get(t, "/api/bots/"+bot.ID).Data(t)
		if d["status"] != "error" || d["statusReason"] == "" {
			t.Fatalf("a revoked token must put the bot in error: %v", d)
		}
		c.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusUnprocessableEntity)

		d = c.Post(t, "/api/bots", map[string]string{"token": newToken}).Expect(t, http.StatusCreated).Data(t)
		if d["id"] != bot.ID || d["status"] != "active" {
			t.Fatalf("a new token for a connected bot replaces the old one: %v", d)
		}
	}, apptest.Webhooks())
}

func TestBotListSearchFilterSortPaginate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "lister@example.com")
		ids := map[string]string{}
		for _, u := range []string{"alpha_bot", "beta_bot", "gamma_bot", "delta_bot", "shop_100_bot"} {
			ids[u] = env.ConnectBot(t, c, u).ID
		}
		db := env.App.DB
		ctx := context.Background()
		set := func(id, col string, v any) {
			if _, err := db.NewUpdate().Table("bots").Set("? = ?", bunIdent(col), v).Where("id = ?", id).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		set(ids["beta_bot"], "total_users", 50)
		set(ids["gamma_bot"], "total_users", 7)
		set(ids["delta_bot"], "status", "warning")
		c.Post(t, "/api/bots/"+ids["gamma_bot"]+"/stop", nil).Expect(t, http.StatusOK)
		c.Delete(t, "/api/bots/"+ids["alpha_bot"]).Expect(t, http.StatusOK)
		set(ids["shop_100_bot"], "status", "error")

		usernames := func(res *apptest.Response) []string {
			var out []string
			for _, b := range res.List(t) {
				out = append(out, b.(map[string]any)["username"].(string))
			}
			return out
		}
		res := c.Get(t, "/api/bots").Expect(t, http.StatusOK)
		counts := res.JSON(t)["counts"].(map[string]any)
		if fmt.Sprint(counts) != "map[active:1 deleted:1 error:1 stopped:1 warning:1]" {
			t.Fatalf("counts: %v", counts)
		}
		if got := usernames(res); len(got) != 4 || slices.Contains(got, "alpha_bot") {
			t.Fatalf("default list hides deleted bots: %v", got)
		}
		for status, want := range map[string]string{"active": "beta_bot", "stopped": "gamma_bot", "warning": "delta_bot", "error": "shop_100_bot", "deleted": "alpha_bot"} {
			if got := usernames(c.Get(t, "/api/bots?status="+status)); fmt.Sprint(got) != "["+want+"]" {
				t.Errorf("status=%s: %v", status, got)
			}
		}
		c.Get(t, "/api/bots?status=sleeping").Expect(t, http.StatusUnprocessableEntity)

		if got := usernames(c.Get(t, "/api/bots?q=AMM")); fmt.Sprint(got) != "[gamma_bot]" {
			t.Errorf("q matches a username substring, any case: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots?q=bot+delta")); fmt.Sprint(got) != "[delta_bot]" {
			t.Errorf("q matches the name: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots?q="+url.QueryEscape("_1"))); fmt.Sprint(got) != "[shop_100_bot]" {
			t.Errorf("LIKE wildcards in q are literal: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots?q=%25")); len(got) != 0 {
			t.Errorf("%% matches nothing literally: %v", got)
		}

		if got := usernames(c.Get(t, "/api/bots?sort=name")); fmt.Sprint(got) != "[beta_bot delta_bot gamma_bot shop_100_bot]" {
			t.Errorf("sort=name: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots?sort=users")); got[0] != "beta_bot" || got[1] != "gamma_bot" {
			t.Errorf("sort=users: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots?sort=created")); got[0] != "beta_bot" || got[3] != "shop_100_bot" {
			t.Errorf("sort=created: %v", got)
		}
		if got := usernames(c.Get(t, "/api/bots")); got[0] != "shop_100_bot" {
			t.Errorf("default sort is newest first: %v", got)
		}
		c.Get(t, "/api/bots?sort=random").Expect(t, http.StatusUnprocessableEntity)

		page2 := c.Get(t, "/api/bots?sort=name&limit=3&page=2").Expect(t, http.StatusOK)
		p := page2.JSON(t)["pagination"].(map[string]any)
		if fmt.Sprint(usernames(page2)) != "[shop_100_bot]" || p["total"] != 4.0 || p["totalPages"] != 2.0 || p["page"] != 2.0 || p["limit"] != 3.0 {
			t.Fatalf("page 2: %v %v", usernames(page2), p)
		}
		for _, q := range []string{"limit=0", "limit=101", "page=0", "page=-1", "limit=abc"} {
			res := c.Get(t, "/api/bots?"+q)
			if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d", q, res.StatusCode)
			}
		}

		// The page keeps filters in the URL and renders the same results.
		page := c.Get(t, "/bots?q=amm&sort=name").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "gamma_bot") || strings.Contains(page, ">@beta_bot<") || !strings.Contains(page, `href="/bots?q=amm&amp;sort=name&amp;status=stopped"`) {
			t.Fatal("the list page must filter and keep the filters in its links")
		}
		frag := c.Get(t, "/bots?q=amm", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if strings.Contains(frag, "<html") || !strings.Contains(frag, `id="bots-panel"`) {
			t.Fatal("htmx gets only the panel")
		}
	})
}

func TestBatch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "batch@example.com")
		a, b := env.ConnectBot(t, c, "a_bot"), env.ConnectBot(t, c, "b_bot")
		theirs := env.ConnectBot(t, env.SignUp(t, "other@example.com"), "their_bot")
		list := c.Post(t, "/api/bots/batch", map[string]any{"ids": []string{b.ID, "bot_unknown", theirs.ID, a.ID, b.ID}}).Expect(t, http.StatusOK).List(t)
		var got []string
		for _, x := range list {
			got = append(got, x.(map[string]any)["id"].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint([]string{b.ID, a.ID}) {
			t.Fatalf("batch: %v", got)
		}
		many := make([]string, 101)
		for i := range many {
			many[i] = a.ID
		}
		c.Post(t, "/api/bots/batch", map[string]any{"ids": many}).Expect(t, http.StatusUnprocessableEntity)
		c.Post(t, "/api/bots/batch", map[string]any{"ids": []string{}}).Expect(t, http.StatusUnprocessableEntity)
	})
}

func TestBotPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "pages@example.com")
		empty := c.Get(t, "/bots").Expect(t, http.StatusOK).Text()
		if !strings.Contains(empty, "Connect your first bot") {
			t.Fatal("an account without bots sees the empty state")
		}
		bot := env.ConnectBot(t, c, "page_bot")
		page := c.Get(t, "/bots/"+bot.ID).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"page_bot", "Disconnect", "Stop", `hx-get="/bots/` + bot.ID + `/webhook-info"`} {
			if !strings.Contains(page, want) {
				t.Errorf("bot page lacks %q", want)
			}
		}
		info := c.Get(t, "/bots/"+bot.ID+"/webhook-info", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(info, "Waiting updates") {
			t.Fatalf("webhook info fragment: %s", info)
		}
		c.Post(t, "/bots/"+bot.ID, url.Values{"description": {"Hello"}, "tagsText": {"a, b"}}).Expect(t, http.StatusSeeOther)
		res := c.Post(t, "/bots/"+bot.ID, url.Values{"description": {strings.Repeat("x", 600)}, "tagsText": {"ok"}}).Expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text(), "at most 500 characters") {
			t.Fatal("edit errors are shown on the page")
		}
		c.Post(t, "/bots/"+bot.ID+"/stop", url.Values{}).Expect(t, http.StatusSeeOther)
		c.Post(t, "/bots/"+bot.ID+"/delete", url.Values{}).Expect(t, http.StatusSeeOther)
		if !strings.Contains(c.Get(t, "/bots/"+bot.ID).Text(), "This bot is disconnected") {
			t.Fatal("a disconnected bot's page says so")
		}
	})
}

// TestBotRoutesAreOwnedAndHidden walks every registered route that takes a
// bot id and calls it as another account: each must answer 404, exactly
// as for an id that does not exist.
func TestBotRoutesAreOwnedAndHidden(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "owned_bot")
		intruder := env.SignUp(t, "intruder@example.com")
		intruderKey := env.Client().WithAPIKey(intruder.NewAPIKey(t, "k"))
		walkOwnedRoutes(t, env, map[string]string{"/bots/": bot.ID, "/api/bots/": bot.ID}, func(method, path string) {
			for _, c := range []*apptest.Client{intruder, intruderKey} {
				if c == intruderKey && !strings.HasPrefix(path, "/api/") {
					continue // API keys do not open pages
				}
				res := c.Do(t, method, path, bodyFor(method))
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s as another account: %d, want 404", method, path, res.StatusCode)
				}
			}
		})
		// The bot is untouched.
		if s := owner.Get(t, "/api/bots/"+bot.ID).Data(t)["status"]; s != "active" {
			t.Fatalf("status changed to %v", s)
		}
	})
}
