package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// seedAudience gives a bot n users (ids from 1001) seen at seen.
func seedAudience(t testing.TB, env *apptest.Env, botID string, n int, seen time.Time) {
	t.Helper()
	users := make([]models.BotUser, n)
	for i := range users {
		users[i] = models.BotUser{UserID: int64(1001 + i), FirstName: fmt.Sprint("User ", i), StartedAt: seen, LastSeenAt: seen}
	}
	seedBotUsers(t, env, botID, users...)
}

func TestBroadcastAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "api@example.com")
		bot := env.ConnectBot(t, c, "bcast_bot")
		seedAudience(t, env, bot.ID, 5, models.Now())
		base := "/api/bots/" + bot.ID + "/broadcasts"

		res := c.Post(t, base, map[string]any{"text": "<b>Hi</b> there", "parseMode": "HTML", "disablePreview": true, "audience": "all"}).
			Expect(t, http.StatusCreated).Data(t)
		id := res["id"].(string)
		if !models.LooksLikeID("bc", id) || res["status"] != "queued" || res["total"] != 5.0 || res["pending"] != 5.0 ||
			res["parseMode"] != "HTML" || res["disablePreview"] != true || res["rate"] != 25.0 || res["botId"] != bot.ID {
			t.Fatalf("created: %v", res)
		}
		// Plain text: parseMode null; the audience defaults to everyone.
		plain := c.Post(t, base, map[string]any{"text": "second", "parseMode": nil}).Expect(t, http.StatusCreated).Data(t)
		if plain["parseMode"] != nil || plain["audience"] != "all" {
			t.Fatalf("plain: %v", plain)
		}

		list := c.Get(t, base+"?limit=1").Expect(t, http.StatusOK)
		items := list.List(t)
		if len(items) != 1 || items[0].(map[string]any)["id"] != plain["id"] {
			t.Fatalf("newest first: %v", items)
		}
		if p := list.JSON(t)["pagination"].(map[string]any); p["total"] != 2.0 || p["totalPages"] != 2.0 {
			t.Fatalf("pagination: %v", p)
		}
		c.Get(t, base+"?limit=0").Expect(t, http.StatusUnprocessableEntity)

		one := "/api/broadcasts/" + id
		if d := c.Get(t, one).Expect(t, http.StatusOK).Data(t); d["text"] != "<b>Hi</b> there" || d["eta"] == nil {
			t.Fatalf("get: %v", d)
		}
		// Transitions: idempotent where nothing changes, 409 where
		// impossible.
		if s := c.Post(t, one+"/pause", nil).Expect(t, http.StatusOK).Data(t)["status"]; s != "paused" {
			t.Fatalf("pause: %v", s)
		}
		c.Post(t, one+"/pause", nil).Expect(t, http.StatusOK)
		if d := c.Post(t, one+"/resume", nil).Expect(t, http.StatusOK).Data(t); d["status"] != "queued" {
			t.Fatalf("resume (never started): %v", d)
		}
		c.Post(t, one+"/resume", nil).Expect(t, http.StatusOK)
		if d := c.Post(t, one+"/cancel", nil).Expect(t, http.StatusOK).Data(t); d["status"] != "cancelled" || d["finishedAt"] == nil {
			t.Fatalf("cancel: %v", d)
		}
		c.Post(t, one+"/cancel", nil).Expect(t, http.StatusOK)
		for _, action := range []string{"pause", "resume"} {
			if code := c.Post(t, one+"/"+action, nil).Expect(t, http.StatusConflict).ErrorCode(t); code != "broadcast_finished" {
				t.Errorf("%s a cancelled broadcast: %s", action, code)
			}
		}

		// A stopped bot sends nothing: queueing is refused, and so is
		// resuming.
		second := "/api/broadcasts/" + plain["id"].(string)
		c.Post(t, second+"/pause", nil).Expect(t, http.StatusOK)
		c.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		if code := c.Post(t, base, map[string]any{"text": "x"}).Expect(t, http.StatusConflict).ErrorCode(t); code != "bot_not_active" {
			t.Fatalf("stopped bot: %s", code)
		}
		if code := c.Post(t, second+"/resume", nil).Expect(t, http.StatusConflict).ErrorCode(t); code != "bot_not_active" {
			t.Fatalf("resume on a stopped bot: %s", code)
		}
	})
}

func TestBroadcastValidationNamesTheProblem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "valid@example.com")
		bot := env.ConnectBot(t, c, "valid_bot")
		seedAudience(t, env, bot.ID, 2, models.Now().Add(-60*24*time.Hour))
		base := "/api/bots/" + bot.ID + "/broadcasts"
		cases := []struct {
			body        map[string]any
			field, says string
		}{
			{map[string]any{"text": ""}, "text", "is required"},
			{map[string]any{"text": "  \n "}, "text", "is empty"},
			{map[string]any{"text": "<b> </b>", "parseMode": "HTML"}, "text", "empty once the HTML formatting is removed"},
			{map[string]any{"text": strings.Repeat("é", 4097)}, "text", "4,097 characters long; Telegram allows at most 4,096"},
			{map[string]any{"text": "Hi <b>there", "parseMode": "HTML"}, "text", "has invalid HTML at line 1, column 4: <b> is never closed"},
			{map[string]any{"text": "line one\n<p>two</p>", "parseMode": "HTML"}, "text", "line 2, column 1: <p> is not supported"},
			{map[string]any{"text": "Price: 5.00", "parseMode": "MarkdownV2"}, "text", `line 1, column 9: "." must be escaped as "\."`},
			{map[string]any{"text": "x", "parseMode": "Markdown"}, "parseMode", "must be one of"},
			{map[string]any{"text": "x", "audience": "everyone"}, "audience", "must be one of"},
			{map[string]any{"text": "x", "audience": "activeLast7Days"}, "audience", "no user was active in the last 7 days"},
		}
		for _, tc := range cases {
			res := c.Post(t, base, tc.body).Expect(t, http.StatusUnprocessableEntity)
			got, _ := res.Fields(t)[tc.field].(string)
			if !strings.Contains(got, tc.says) {
				t.Errorf("%v: fields.%s = %q, want %q (%s)", tc.body, tc.field, got, tc.says, res.Body)
			}
		}
		if n := len(c.Get(t, base).List(t)); n != 0 {
			t.Fatalf("refused broadcasts must leave nothing: %d", n)
		}
	})
}

// TestBroadcastRunsWithTheWorkers queues through the API with the app's
// own workers running, as in production, and follows it to the end.
func TestBroadcastRunsWithTheWorkers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "run@example.com")
		bot := env.ConnectBot(t, c, "run_bot")
		seedAudience(t, env, bot.ID, 12, models.Now())
		d := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "*Hello* there\\!", "parseMode": "MarkdownV2"}).
			Expect(t, http.StatusCreated).Data(t)
		one := "/api/broadcasts/" + d["id"].(string)
		var last map[string]any
		apptest.Eventually(t, 20*time.Second, "done", func() bool {
			last = c.Get(t, one).Data(t)
			return last["status"] == "done"
		})
		if last["sent"] != 12.0 || last["pending"] != 0.0 || last["eta"] != nil || last["startedAt"] == nil || last["finishedAt"] == nil {
			t.Fatalf("done: %v", last)
		}
		if n := len(env.Telegram.SentMessages(bot.Fake.Token)); n != 12 {
			t.Fatalf("%d messages sent, want 12", n)
		}
	}, apptest.Workers())
}

func TestBroadcastPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "pages@example.com")
		bot := env.ConnectBot(t, c, "pages_bot")
		seedAudience(t, env, bot.ID, 3, models.Now())
		page := "/bots/" + bot.ID + "/broadcasts"

		html := c.Get(t, page).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"New broadcast", "No broadcasts yet", "Sends to 3 users, taking about a second at 25 messages per second",
			`name="audience" value="activeLast7Days"`, "Your message appears here"} {
			if !strings.Contains(html, want) {
				t.Errorf("compose page lacks %q", want)
			}
		}

		// Live preview: drawn safely, or the problem with its place.
		prev := c.Post(t, page+"/preview", url.Values{"text": {"<b>Bold</b> &lt;script&gt;"}, "parseMode": {"HTML"}}, "HX-Request", "true").
			Expect(t, http.StatusOK).Text()
		if !strings.Contains(prev, "<strong>Bold</strong> &lt;script&gt;") || strings.Contains(prev, "<script") {
			t.Fatalf("preview: %s", prev)
		}
		bad := c.Post(t, page+"/preview", url.Values{"text": {"a <b>b"}, "parseMode": {"HTML"}}, "HX-Request", "true").Text()
		if !strings.Contains(bad, "line 1, column 3: &lt;b&gt; is never closed") {
			t.Fatalf("preview error: %s", bad)
		}
		if count := c.Get(t, page+"/audience?audience=activeLast30Days", "HX-Request", "true").Expect(t, http.StatusOK).Text(); !strings.Contains(count, "Sends to 3 users") {
			t.Fatalf("audience count: %s", count)
		}

		// The form goes through a confirmation that states the numbers.
		form := url.Values{"text": {"Hello *friends*"}, "parseMode": {"MarkdownV2"}, "audience": {"all"}, "disablePreview": {"true"}}
		review := c.Post(t, page+"/review", form).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Send this broadcast?", "It goes to <strong>3 users</strong>", "about a second", "Send to 3 users",
			"Hello <strong>friends</strong>", `name="text" value="Hello *friends*"`} {
			if !strings.Contains(review, want) {
				t.Errorf("review lacks %q", want)
			}
		}
		invalid := c.Post(t, page+"/review", url.Values{"text": {"Hello!"}, "parseMode": {"MarkdownV2"}, "audience": {"all"}}).
			Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(invalid, "must be escaped") || !strings.Contains(invalid, `aria-invalid="true"`) || !strings.Contains(invalid, "Hello!</textarea>") {
			t.Fatal("an invalid draft is shown again with the problem and the text kept")
		}
		if len(env.Telegram.SentMessages(bot.Fake.Token)) != 0 {
			t.Fatal("reviewing sends nothing")
		}
		created := c.Post(t, page, form).Expect(t, http.StatusSeeOther)
		loc := created.Header.Get("Location")
		if !strings.HasPrefix(loc, "/broadcasts/bc_") {
			t.Fatalf("after queueing, go to the broadcast: %q", loc)
		}
		show := c.Get(t, loc).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Broadcast queued: sending to 3 users.", `role="progressbar"`, `sse-connect="/api/events?bot=`, `hx-trigger="sse:broadcast`, "Pause", "Cancel broadcast",
			"Hello <strong>friends</strong>", "0 of 3 done (0%)"} {
			if !strings.Contains(show, want) {
				t.Errorf("broadcast page lacks %q", want)
			}
		}
		// The refresh returns the progress; the announcement when the status
		// changed; the controls only when they differ (queued and running
		// have the same ones, and redrawing them would close an open
		// confirmation).
		frag := c.Get(t, loc+"?seen=queued", "HX-Request", "true").Text()
		if !strings.Contains(frag, `id="broadcast-progress"`) || strings.Contains(frag, "hx-swap-oob") || strings.Contains(frag, "<html") {
			t.Fatalf("refresh fragment: %s", frag)
		}
		frag = c.Get(t, loc+"?seen=running", "HX-Request", "true").Text()
		if !strings.Contains(frag, `id="broadcast-live" hx-swap-oob`) || strings.Contains(frag, `id="broadcast-controls"`) {
			t.Fatalf("queued after running: %s", frag)
		}
		c.Post(t, loc+"/pause", url.Values{}).Expect(t, http.StatusSeeOther)
		frag = c.Get(t, loc+"?seen=queued", "HX-Request", "true").Text()
		if !strings.Contains(frag, `hx-swap-oob="true"`) || !strings.Contains(frag, "Resume") || !strings.Contains(frag, `hx-trigger="sse:broadcast`) {
			t.Fatalf("status changed: %s", frag)
		}
		c.Post(t, loc+"/cancel", url.Values{}).Expect(t, http.StatusSeeOther)
		// Without the header, whose counts are live on every page: the page's
		// one stream then carries the bell's notifications only.
		done := withoutHeader(c.Get(t, loc).Text())
		if strings.Contains(done, "hx-trigger") || strings.Contains(done, `sse-connect="/api/events?bot=`) || !strings.Contains(done, "Cancelled: nobody else will receive") || !strings.Contains(done, "Write a new broadcast") {
			t.Fatal("a finished broadcast stops following the event stream and says what happened")
		}
		// A refused change shows the page again with the reason.
		refused := c.Post(t, loc+"/resume", url.Values{}).Expect(t, http.StatusConflict).Text()
		if !strings.Contains(refused, "This broadcast has finished") || !strings.Contains(refused, `role="progressbar"`) {
			t.Fatal("a refused change explains itself on the page")
		}
		hist := c.Get(t, page).Text()
		if !strings.Contains(hist, "Hello friends") || !strings.Contains(hist, "Cancelled") || !strings.Contains(hist, "0 of 3 sent") {
			t.Fatal("the history lists the broadcast with its result")
		}
	})
}

// TestBroadcastRoutesAreOwnedAndHidden calls every broadcast route as
// another account, by session and by API key: each answers 404, exactly
// as for a broadcast or bot that does not exist, and nothing changes.
func TestBroadcastRoutesAreOwnedAndHidden(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "secret_bot")
		seedAudience(t, env, bot.ID, 2, models.Now())
		bcID := owner.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "mine"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		intruder := env.SignUp(t, "intruder@example.com")
		intruderKey := env.Client().WithAPIKey(intruder.NewAPIKey(t, "k"))
		unknown := map[string]string{bot.ID: models.NewID("bot"), bcID: models.NewID("bc")}
		valid := map[string]any{"text": "hostile", "audience": "all"}
		walked := 0
		walkOwnedRoutes(t, env, map[string]string{"/bots/": bot.ID, "/api/bots/": bot.ID, "/broadcasts/": bcID, "/api/broadcasts/": bcID},
			func(method, path string) {
				if !strings.Contains(path, "broadcasts") {
					return
				}
				walked++
				for _, c := range []*apptest.Client{intruder, intruderKey} {
					if c == intruderKey && !strings.HasPrefix(path, "/api/") {
						continue // API keys do not open pages
					}
					body := bodyFor(method)
					if method == http.MethodPost && strings.HasSuffix(path, "/broadcasts") {
						body = valid // a body that would work for the owner
					}
					theirs := c.Do(t, method, path, body)
					missingPath := path
					for real, fake := range unknown {
						missingPath = strings.Replace(missingPath, real, fake, 1)
					}
					missing := c.Do(t, method, missingPath, body)
					if theirs.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound {
						t.Errorf("%s %s as another account: %d (unknown: %d), want 404", method, path, theirs.StatusCode, missing.StatusCode)
					}
					if theirs.Header.Get("Content-Type") != missing.Header.Get("Content-Type") || len(theirs.Body) != len(missing.Body) {
						t.Errorf("%s %s: another account's must look exactly like an unknown one", method, path)
					}
				}
			})
		if walked != 23 {
			t.Errorf("walked %d broadcast routes, want 23 (12 pages, 11 API)", walked)
		}
		d := owner.Get(t, "/api/broadcasts/"+bcID).Expect(t, http.StatusOK).Data(t)
		if d["status"] != "queued" {
			t.Fatalf("another account changed the broadcast: %v", d)
		}
		if n := len(owner.Get(t, "/api/bots/"+bot.ID+"/broadcasts").List(t)); n != 1 {
			t.Fatalf("another account queued a broadcast: %d", n)
		}
		count, _ := env.App.DB.NewSelect().Model((*models.Broadcast)(nil)).Count(context.Background())
		if count != 1 {
			t.Fatalf("%d broadcasts in the database", count)
		}
	})
}

// TestBroadcastHistoryJSONSkipsTheComposeForm: the history as JSON, and
// the history's htmx pages, run none of the compose form's queries (its
// audience counts, a count over the whole audience); the page, which shows
// the form, still does.
func TestBroadcastHistoryJSONSkipsTheComposeForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "history@example.com")
		bot := env.ConnectBot(t, c, "history_bot")
		seedAudience(t, env, bot.ID, 5, models.Now())
		c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "Hello", "audience": "all"}).Expect(t, http.StatusCreated)

		log := watchQueries(env.App.DB)
		api := log.during(func() { c.Get(t, "/api/bots/"+bot.ID+"/broadcasts").Expect(t, http.StatusOK) })
		fragment := log.during(func() {
			c.Get(t, "/bots/"+bot.ID+"/broadcasts?page=1", "HX-Request", "true").Expect(t, http.StatusOK)
		})
		page := log.during(func() { c.Get(t, "/bots/"+bot.ID+"/broadcasts").Expect(t, http.StatusOK) })
		if n := countMatching(page, audienceCountSQL); n != 1 {
			t.Fatalf("the page shows the audience counts: %d counts among %q", n, page)
		}
		if n := countMatching(api, audienceCountSQL); n != 0 || len(api) >= len(page) {
			t.Fatalf("JSON ran %d audience counts in %d queries (page: %d): %q", n, len(api), len(page), api)
		}
		if n := countMatching(fragment, audienceCountSQL); n != 0 {
			t.Fatalf("history fragment ran %d audience counts: %q", n, fragment)
		}
	})
}
