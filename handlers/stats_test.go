package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// insUsers inserts bot users directly (as the ingest pipeline would) and
// bumps the bot's maintained user counter.
func insUsers(t *testing.T, env *apptest.Env, botID string, users ...models.BotUser) {
	t.Helper()
	ctx := context.Background()
	for i := range users {
		users[i].BotID = botID
		if users[i].LastSeenAt.IsZero() {
			users[i].LastSeenAt = users[i].StartedAt
		}
	}
	if _, err := env.App.DB.NewInsert().Model(&users).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := models.AddBotUsersAndSeen(ctx, env.App.DB, botID, int64(len(users)), models.Now()); err != nil {
		t.Fatal(err)
	}
}

// insLogs writes log entries for a bot, oldest first.
func insLogs(t *testing.T, env *apptest.Env, botID string, logs ...*models.BotLog) {
	t.Helper()
	for _, l := range logs {
		l.BotID = botID
		if l.Source == "" {
			l.Source = models.SourceTelegram
		}
	}
	if err := models.InsertLogs(context.Background(), env.App.DB, logs...); err != nil {
		t.Fatal(err)
	}
}

// insDay adds counters to one UTC day of a bot, daysAgo days before today.
func insDay(t *testing.T, env *apptest.Env, botID string, daysAgo int, d models.BotDay) {
	t.Helper()
	d.BotID, d.Day = botID, models.Day(time.Now().UTC().AddDate(0, 0, -daysAgo))
	if err := models.AddToDay(context.Background(), env.App.DB, &d); err != nil {
		t.Fatal(err)
	}
}

func insInfo(msg string) *models.BotLog  { return &models.BotLog{Level: models.LogInfo, Message: msg} }
func insError(msg string) *models.BotLog { return &models.BotLog{Level: models.LogError, Message: msg} }

// insNum reads a JSON number as int64.
func insNum(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s is not a number in %v", key, m)
	}
	return int64(v)
}

// currentLink reports whether page has a link labelled label marked
// aria-current="page".
func currentLink(page, label string) bool {
	re := regexp.MustCompile(`<a [^>]*aria-current="page"[^>]*>\s*` + regexp.QuoteMeta(label) + `\s*</a>`)
	return re.MatchString(page)
}

func insDaily(t *testing.T, d map[string]any) []map[string]any {
	t.Helper()
	raw, ok := d["daily"].([]any)
	if !ok {
		t.Fatalf("no daily series in %v", d)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

func TestBotStats(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "stats@example.com")
		bot := env.ConnectBot(t, c, "stats_bot")
		other := env.ConnectBot(t, c, "other_stats_bot")
		now := models.Now()
		ago := func(d time.Duration) time.Time { return now.Add(-d) }
		const day = 24 * time.Hour
		insUsers(t, env, bot.ID,
			models.BotUser{UserID: 1, Name: "new and active", StartedAt: ago(time.Hour)},
			models.BotUser{UserID: 2, Name: "just inside the window", StartedAt: ago(7*day - time.Minute)},
			models.BotUser{UserID: 3, Name: "old, active", StartedAt: ago(7*day + time.Minute), LastSeenAt: ago(2 * day)},
			models.BotUser{UserID: 4, Name: "blocked the bot", StartedAt: ago(30 * day), LastSeenAt: ago(8 * day), BotBlocked: true},
			models.BotUser{UserID: 5, Name: "blocked both ways", StartedAt: ago(60 * day), BotBlocked: true, Blocked: true},
			models.BotUser{UserID: 6, Name: "blocked by the owner", StartedAt: ago(10 * day), Blocked: true},
		)
		insUsers(t, env, other.ID, models.BotUser{UserID: 1, StartedAt: ago(time.Hour)})
		insLogs(t, env, bot.ID, insInfo("a"), insInfo("b"), insError("c"), insInfo("d"), insError("e"))
		insLogs(t, env, other.ID, insError("elsewhere"))
		insDay(t, env, bot.ID, 0, models.BotDay{Updates: 10, NewUsers: 1, ActiveUsers: 3, Errors: 1})
		insDay(t, env, bot.ID, 0, models.BotDay{Updates: 2}) // counters add up
		insDay(t, env, bot.ID, 2, models.BotDay{Updates: 4, ActiveUsers: 2})
		insDay(t, env, bot.ID, 29, models.BotDay{Updates: 7, NewUsers: 2})
		insDay(t, env, bot.ID, 30, models.BotDay{Updates: 100})
		insDay(t, env, other.ID, 0, models.BotDay{Updates: 1000})

		d := c.Get(t, "/api/bots/"+bot.ID+"/stats").Expect(t, http.StatusOK).Data(t)
		for key, want := range map[string]int64{"totalUsers": 6, "newUsersLast7Days": 2, "activeUsersLast7Days": 3,
			"blockedUsers": 2, "totalErrors": 2, "totalLogs": 5} {
			if got := insNum(t, d, key); got != want {
				t.Errorf("%s = %d, want %d", key, got, want)
			}
		}
		series := insDaily(t, d)
		today := time.Now().UTC()
		if len(series) != 30 || series[0]["date"] != models.Day(today.AddDate(0, 0, -29)) || series[29]["date"] != models.Day(today) {
			t.Fatalf("30 days ending today, oldest first: %d entries, %v … %v", len(series), series[0]["date"], series[len(series)-1]["date"])
		}
		if got := series[29]; insNum(t, got, "updates") != 12 || insNum(t, got, "newUsers") != 1 || insNum(t, got, "activeUsers") != 3 || insNum(t, got, "errors") != 1 {
			t.Errorf("today: %v", got)
		}
		if insNum(t, series[27], "updates") != 4 || insNum(t, series[27], "activeUsers") != 2 || insNum(t, series[0], "updates") != 7 || insNum(t, series[0], "newUsers") != 2 {
			t.Errorf("seeded days: %v %v", series[27], series[0])
		}
		var total int64
		for i, day := range series {
			if i > 0 && day["date"].(string) <= series[i-1]["date"].(string) {
				t.Fatalf("dates must increase by one day: %v then %v", series[i-1]["date"], day["date"])
			}
			total += insNum(t, day, "updates")
		}
		if total != 23 {
			t.Errorf("the 30-day series sums to %d updates, want 23 (zero-filled, nothing from day 31 or the other bot)", total)
		}

		if s := insDaily(t, c.Get(t, "/api/bots/"+bot.ID+"/stats?days=31").Expect(t, http.StatusOK).Data(t)); len(s) != 31 || insNum(t, s[0], "updates") != 100 {
			t.Errorf("days=31 reaches day 30: %v", s[0])
		}
		if s := insDaily(t, c.Get(t, "/api/bots/"+bot.ID+"/stats?days=1").Expect(t, http.StatusOK).Data(t)); len(s) != 1 || s[0]["date"] != models.Day(today) {
			t.Errorf("days=1 is today only: %v", s)
		}
		if s := insDaily(t, c.Get(t, "/api/bots/"+bot.ID+"/stats?days=365").Expect(t, http.StatusOK).Data(t)); len(s) != 365 {
			t.Errorf("days=365: %d entries", len(s))
		}
		for _, bad := range []string{"0", "-1", "366", "100000"} {
			res := c.Get(t, "/api/bots/"+bot.ID+"/stats?days="+bad).Expect(t, http.StatusUnprocessableEntity)
			if res.Fields(t)["days"] == nil {
				t.Errorf("days=%s: the error names the field: %s", bad, res.Body)
			}
		}
		c.Get(t, "/api/bots/"+bot.ID+"/stats?days=week").Expect(t, http.StatusBadRequest)

		// An integrator's API key sees the same numbers.
		key := c.WithAPIKey(c.NewAPIKey(t, "stats"))
		if got := insNum(t, key.Get(t, "/api/bots/"+bot.ID+"/stats").Expect(t, http.StatusOK).Data(t), "totalUsers"); got != 6 {
			t.Errorf("API key: totalUsers %d", got)
		}

		// A disconnected bot keeps its stats.
		c.Delete(t, "/api/bots/"+other.ID).Expect(t, http.StatusOK)
		if got := insNum(t, c.Get(t, "/api/bots/"+other.ID+"/stats").Expect(t, http.StatusOK).Data(t), "totalErrors"); got != 1 {
			t.Errorf("a disconnected bot's stats: totalErrors %d", got)
		}
	})
}

func TestBotStatsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "statspage@example.com")
		bot := env.ConnectBot(t, c, "chart_bot")
		insUsers(t, env, bot.ID, models.BotUser{UserID: 1, StartedAt: models.Now()})
		insDay(t, env, bot.ID, 0, models.BotDay{Updates: 1234567, NewUsers: 1, ActiveUsers: 1})
		if err := models.AddUpdateKinds(context.Background(), env.App.DB, bot.ID, map[string]int64{"message": 5, "poll_answer": 2}); err != nil {
			t.Fatal(err)
		}

		page := c.Get(t, "/bots/"+bot.ID+"/stats?days=7").Expect(t, http.StatusOK).Text()
		for _, want := range []string{
			`href="/bots/` + bot.ID + `/stats?days=7"`, // the period switch …
			`href="/bots/` + bot.ID + `/stats"`,        // … 30 days is the plain URL
			`role="img"`, `<title id="bot-chart-updates-title">Updates per day</title>`,
			"1,234,567 updates in total", // the description of the updates chart
			">1.5M</text>",               // a compact y-axis label
			"<caption class=\"sr-only\">New users per day</caption>",
			"Messages", "poll_answer", // update types, unknown ones by name
			`href="/bots/` + bot.ID + `/logs?level=error"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("stats page lacks %q", want)
			}
		}
		if !currentLink(page, "Stats") || !currentLink(page, "7 days") || currentLink(page, "30 days") {
			t.Error("the Stats tab and the 7-day period are marked current")
		}
		if n := strings.Count(page, chartMark); n != 4 {
			t.Errorf("%d charts, want 4 (new users, active users, updates, errors)", n)
		}
		if n := strings.Count(page, `<th scope="row"`); n < 4*7 {
			t.Errorf("each chart's numbers are a table with a row per day: %d row headers", n)
		}
		c.Get(t, "/bots/"+bot.ID+"/stats?days=0").Expect(t, http.StatusUnprocessableEntity)
		c.Get(t, "/bots/bot_unknown/stats").Expect(t, http.StatusNotFound)
	})
}

func TestAccountStats(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "many@example.com")
		a := env.ConnectBot(t, c, "alpha_stats_bot")
		b := env.ConnectBot(t, c, "beta_stats_bot")
		gone := env.ConnectBot(t, c, "gone_stats_bot")
		stopped := env.ConnectBot(t, c, "stopped_stats_bot")
		theirs := env.ConnectBot(t, env.SignUp(t, "someone@example.com"), "their_stats_bot")
		now := models.Now()

		insUsers(t, env, a.ID, models.BotUser{UserID: 1, StartedAt: now}, models.BotUser{UserID: 2, StartedAt: now.AddDate(0, -1, 0), BotBlocked: true})
		insUsers(t, env, b.ID, models.BotUser{UserID: 1, StartedAt: now}, models.BotUser{UserID: 3, StartedAt: now.AddDate(0, -2, 0)},
			models.BotUser{UserID: 4, StartedAt: now.AddDate(0, -2, 0), LastSeenAt: now})
		insUsers(t, env, stopped.ID, models.BotUser{UserID: 9, StartedAt: now.AddDate(0, -3, 0)})
		insUsers(t, env, gone.ID, models.BotUser{UserID: 5, StartedAt: now, BotBlocked: true}, models.BotUser{UserID: 6, StartedAt: now})
		insUsers(t, env, theirs.ID, models.BotUser{UserID: 7, StartedAt: now})
		insLogs(t, env, a.ID, insError("a1"), insInfo("a2"))
		insLogs(t, env, b.ID, insInfo("b1"))
		insLogs(t, env, gone.ID, insError("g1"), insError("g2"))
		insLogs(t, env, theirs.ID, insError("t1"))
		insDay(t, env, a.ID, 0, models.BotDay{Updates: 5, NewUsers: 1, ActiveUsers: 1})
		insDay(t, env, b.ID, 0, models.BotDay{Updates: 3, NewUsers: 1, ActiveUsers: 2, Errors: 1})
		insDay(t, env, b.ID, 6, models.BotDay{Updates: 2})
		insDay(t, env, gone.ID, 0, models.BotDay{Updates: 100})
		insDay(t, env, theirs.ID, 0, models.BotDay{Updates: 1000})
		c.Post(t, "/api/bots/"+stopped.ID+"/stop", nil).Expect(t, http.StatusOK)
		c.Delete(t, "/api/bots/"+gone.ID).Expect(t, http.StatusOK)

		res := c.Get(t, "/api/stats?days=7").Expect(t, http.StatusOK)
		d := res.Data(t)
		for key, want := range map[string]int64{"totalUsers": 6, "newUsersLast7Days": 2, "activeUsersLast7Days": 3,
			"blockedUsers": 1, "totalErrors": 1, "totalLogs": 3} {
			if got := insNum(t, d, key); got != want {
				t.Errorf("%s = %d, want %d (stopped bots count, deleted ones and other accounts' do not)", key, got, want)
			}
		}
		series := insDaily(t, d)
		if len(series) != 7 || insNum(t, series[6], "updates") != 8 || insNum(t, series[6], "activeUsers") != 3 || insNum(t, series[0], "updates") != 2 {
			t.Errorf("daily sums: %v", series)
		}
		if got := fmt.Sprint(d["bots"]); got != "map[active:2 deleted:1 error:0 stopped:1 warning:0]" {
			t.Errorf("bots by status: %s", got)
		}
		if len(insDaily(t, c.Get(t, "/api/stats").Expect(t, http.StatusOK).Data(t))) != 30 {
			t.Error("the default series is 30 days")
		}
		for _, bad := range []string{"0", "366"} {
			c.Get(t, "/api/stats?days="+bad).Expect(t, http.StatusUnprocessableEntity)
		}

		// The dashboard home is the page twin.
		home := c.Get(t, "/?days=7").Expect(t, http.StatusOK).Text()
		if !currentLink(home, "7 days") {
			t.Error("home: the 7-day period is current")
		}
		for _, want := range []string{"<h1", "Dashboard", `href="/bots/` + a.ID + `"`, "Bot beta_stats_bot",
			"Bot stopped_stats_bot", `href="/bots?status=deleted"`, "10 updates in total"} {
			if !strings.Contains(home, want) {
				t.Errorf("home lacks %q", want)
			}
		}
		if strings.Contains(home, "Bot gone_stats_bot") || strings.Contains(home, "their_stats_bot") {
			t.Error("home lists only the account's bots that are not deleted")
		}
		if strings.Index(home, "Bot beta_stats_bot") > strings.Index(home, "Bot alpha_stats_bot") {
			t.Error("home lists bots with the most users first")
		}
		if strings.Contains(home, "Connect your first bot") {
			t.Error("no first-run state once a bot is connected")
		}
	})
}

func TestHomeFirstRunAndVisitors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		visitor := env.Client()
		if loc := visitor.Get(t, "/").Expect(t, http.StatusSeeOther).Header.Get("Location"); loc != "/signup" {
			t.Fatalf("a fresh install sends visitors to sign-up, not %q", loc)
		}
		c := env.SignUp(t, "first@example.com")
		if loc := visitor.Get(t, "/").Expect(t, http.StatusSeeOther).Header.Get("Location"); loc != "/login" {
			t.Fatalf("then to sign-in, not %q", loc)
		}
		visitor.Get(t, "/api/stats").Expect(t, http.StatusUnauthorized)

		home := c.Get(t, "/").Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Connect your first bot", "@BotFather", "/newbot", "long polling", "BOTDECK_PUBLIC_URL", `action="/bots"`, `name="token"`} {
			if !strings.Contains(home, want) {
				t.Errorf("first-run home lacks %q", want)
			}
		}
		if strings.Contains(home, chartMark) {
			t.Error("no charts before the first bot")
		}
		d := c.Get(t, "/api/stats").Expect(t, http.StatusOK).Data(t)
		if insNum(t, d, "totalUsers") != 0 || len(insDaily(t, d)) != 30 || insNum(t, insDaily(t, d)[29], "updates") != 0 {
			t.Errorf("an account without bots has zeros: %v", d)
		}

		// A disconnected bot alone still shows the first run, with a way back.
		bot := env.ConnectBot(t, c, "lonely_bot")
		c.Delete(t, "/api/bots/"+bot.ID).Expect(t, http.StatusOK)
		home = c.Get(t, "/").Expect(t, http.StatusOK).Text()
		if !strings.Contains(home, "Connect your first bot") || !strings.Contains(home, "Or restore a disconnected bot") {
			t.Error("with only disconnected bots, the home offers to connect or restore")
		}
	})
}

func TestHomeExplainsWebhooks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		home := env.SignUp(t, "hooks@example.com").Get(t, "/").Expect(t, http.StatusOK).Text()
		if !strings.Contains(home, "webhook") || !strings.Contains(home, env.URL("")) {
			t.Error("with a public URL the first run explains webhooks at that address")
		}
	}, apptest.Webhooks())
}

// TestInsightsRoutesAreOwned calls every stats, logs and chats route of a
// bot as another account, with its session and with its API key: each
// answers 404, as for a bot that does not exist, and nothing changes.
func TestInsightsRoutesAreOwned(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "private_bot")
		insLogs(t, env, bot.ID, insError("secret"))
		if err := models.UpsertBotChat(context.Background(), env.App.DB, &models.BotChat{BotID: bot.ID, ChatID: -100, Type: "supergroup",
			Title: "Secret group", Status: "administrator", UpdatedAt: models.Now()}); err != nil {
			t.Fatal(err)
		}
		intruder := env.SignUp(t, "intruder@example.com")
		intruderKey := intruder.WithAPIKey(intruder.NewAPIKey(t, "k"))

		routes := []struct {
			method, path string
			api          bool
		}{
			{"GET", "/bots/{id}/stats", false}, {"GET", "/api/bots/{id}/stats", true},
			{"GET", "/bots/{id}/logs", false}, {"GET", "/api/bots/{id}/logs", true},
			{"POST", "/bots/{id}/logs/clear", false}, {"DELETE", "/api/bots/{id}/logs", true},
			{"GET", "/bots/{id}/chats", false}, {"GET", "/api/bots/{id}/chats", true},
		}
		registered := map[string]bool{}
		for _, r := range env.App.Router.Routes() {
			registered[r.Method+" "+r.Path] = true
		}
		for _, r := range routes {
			if !registered[r.method+" "+r.path] {
				t.Errorf("%s %s is not registered", r.method, r.path)
			}
			for _, id := range []string{bot.ID, "bot_doesnotexist"} {
				path := strings.Replace(r.path, "{id}", id, 1)
				callers := []*apptest.Client{intruder}
				if r.api {
					callers = append(callers, intruderKey)
				}
				for _, c := range callers {
					for _, hx := range []string{"", "true"} {
						res := c.Do(t, r.method, path, bodyFor(r.method), "HX-Request", hx)
						if res.StatusCode != http.StatusNotFound {
							t.Errorf("%s %s (htmx %q) as another account: %d, want 404", r.method, path, hx, res.StatusCode)
						}
						if strings.Contains(res.Text(), "Secret group") || strings.Contains(res.Text(), "secret") {
							t.Errorf("%s %s leaks the owner's data", r.method, path)
						}
					}
				}
			}
		}
		if got := insNum(t, owner.Get(t, "/api/bots/"+bot.ID+"/stats").Data(t), "totalLogs"); got != 1 {
			t.Fatalf("the intruder's clear must not touch the log: %d entries left", got)
		}
	})
}

// insPush pushes an update through the fake Bot API's control API, as the
// Playwright suite does, so Telegram-shaped updates reach the webhook.
func insPush(t *testing.T, env *apptest.Env, path string, body map[string]any) map[string]any {
	t.Helper()
	js, _ := json.Marshal(body)
	res, err := http.Post(env.Telegram.URL()+"/_fake/"+path, "application/json", bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		OK     bool           `json:"ok"`
		Result map[string]any `json:"result"`
		Error  string         `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("fake %v: %v %s", body, err, out.Error)
	}
	return out.Result
}

// TestStatsFromTelegramUpdates sends real updates through Telegram's
// webhook and reads them back as stats, admin chats and the dashboard.
func TestStatsFromTelegramUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "live@example.com")
		bot := env.ConnectBot(t, c, "live_bot")
		push := func(kind string, extra map[string]any) map[string]any {
			body := map[string]any{"kind": kind, "botToken": bot.Fake.Token}
			for k, v := range extra {
				body[k] = v
			}
			return insPush(t, env, "updates", body)
		}
		for i := range 4 {
			push("start", map[string]any{"user": map[string]any{"id": 700 + i, "firstName": fmt.Sprint("Fan ", i)}})
		}
		push("message", map[string]any{"userId": 700, "text": "hi"})
		push("block", map[string]any{"userId": 701})
		chat := insPush(t, env, "chats", map[string]any{"type": "supergroup", "title": "Live fans"})
		push("bot_promoted", map[string]any{"chatId": chat["id"]})
		other := insPush(t, env, "chats", map[string]any{"type": "group", "title": "Just member"})
		push("bot_added", map[string]any{"chatId": other["id"]})
		env.Process(t)

		d := c.Get(t, "/api/bots/"+bot.ID+"/stats?days=7").Expect(t, http.StatusOK).Data(t)
		for key, want := range map[string]int64{"totalUsers": 4, "newUsersLast7Days": 4, "activeUsersLast7Days": 4, "blockedUsers": 1, "totalErrors": 0} {
			if got := insNum(t, d, key); got != want {
				t.Errorf("%s = %d, want %d", key, got, want)
			}
		}
		today := insDaily(t, d)[6]
		if insNum(t, today, "updates") != 8 || insNum(t, today, "newUsers") != 4 || insNum(t, today, "activeUsers") != 4 {
			t.Errorf("today: %v", today)
		}
		chats := c.Get(t, "/api/bots/"+bot.ID+"/chats").Expect(t, http.StatusOK).List(t)
		if len(chats) != 1 || chats[0].(map[string]any)["title"] != "Live fans" {
			t.Errorf("the chat the bot was promoted in, not the one it is a member of: %v", chats)
		}
		push("bot_demoted", map[string]any{"chatId": chat["id"]})
		env.Process(t)
		if chats := c.Get(t, "/api/bots/"+bot.ID+"/chats").List(t); len(chats) != 0 {
			t.Errorf("a demotion drops the chat: %v", chats)
		}
		if insNum(t, c.Get(t, "/api/stats").Expect(t, http.StatusOK).Data(t), "totalUsers") != 4 {
			t.Error("the dashboard counts the bot's users")
		}
	}, apptest.Webhooks())
}

// chartMark is how a chart starts in a page (icons are SVGs too, hidden from
// assistive technology; a chart is an image with a title).
const chartMark = `role="img" aria-labelledby=`
