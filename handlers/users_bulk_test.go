package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// csvRows reads a users export: its header and its rows.
func csvRows(t *testing.T, res *apptest.Response) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(res.Text())).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v %q", err, res.Text())
	}
	return recs[0], recs[1:]
}

// The time filters read dates as days of the member's time zone; every
// filter and combination gives the same users in the list, its total and
// the CSV.
func TestUsersTimeFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "dates@example.com")
		bot := env.ConnectBot(t, c, "dates_bot")
		c.Patch(t, "/api/me", map[string]any{"timeZone": "Asia/Tokyo"}).Expect(t, http.StatusOK) // UTC+9
		utc := func(s string) time.Time {
			v, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		seedBotUsers(t, env, bot.ID,
			// 1 March 23:00 in Tokyo
			models.BotUser{UserID: 1, FirstName: "A", StartedAt: utc("2026-03-01T14:00:00Z"), LastSeenAt: utc("2026-03-10T00:00:00Z")},
			// 2 March 01:00 in Tokyo
			models.BotUser{UserID: 2, FirstName: "B", StartedAt: utc("2026-03-01T16:00:00Z"), LastSeenAt: utc("2026-03-02T00:00:00Z")},
			// 3 March 09:00 in Tokyo
			models.BotUser{UserID: 3, FirstName: "C", StartedAt: utc("2026-03-03T00:00:00Z"), LastSeenAt: utc("2026-03-05T03:00:00Z")},
			// 4 March 08:59 in Tokyo
			models.BotUser{UserID: 4, FirstName: "D", StartedAt: utc("2026-03-03T23:59:00Z"), LastSeenAt: utc("2026-03-04T23:00:00Z")},
		)
		base := "/api/bots/" + bot.ID + "/users"
		for query, want := range map[string][]int64{
			"startedFrom=2026-03-02":                                              {2, 3, 4},
			"startedTo=2026-03-01":                                                {1},
			"startedFrom=2026-03-02&startedTo=2026-03-03":                         {2, 3},
			"startedTo=2026-03-04":                                                {1, 2, 3, 4},
			"lastSeenFrom=2026-03-05":                                             {1, 3, 4}, // 4: 5 March 08:00 in Tokyo
			"lastSeenFrom=2026-03-06":                                             {1},
			"startedFrom=2026-03-02&lastSeenFrom=2026-03-05":                      {3, 4},
			"startedFrom=2026-03-02&startedTo=2026-03-03&lastSeenFrom=2026-03-05": {3},
			"startedFrom=2026-03-01T15:00:00Z":                                    {2, 3, 4}, // an instant
			"startedTo=2026-03-01T16:00:00Z":                                      {1},       // exclusive
			"startedFrom=2026-03-02&q=c":                                          {3},
			"startedFrom=2026-03-05":                                              nil,
			"startedFrom=2026-03-02&startedTo=2026-03-04&lastSeenFrom=2026-03-02": {2, 3, 4},
			"startedFrom=2026-03-02&startedTo=2026-03-04&lastSeenFrom=2026-03-05T00:00:00%2B09:00": {3, 4},
		} {
			res := c.Get(t, base+"?sort=started&"+query).Expect(t, http.StatusOK)
			got := userIDs(t, res)
			if !slices.Equal(got, want) {
				t.Errorf("%s: list %v, want %v", query, got, want)
			}
			if total := pagination(t, res)["total"]; total != float64(len(want)) {
				t.Errorf("%s: total %v, want %d", query, total, len(want))
			}
			_, rows := csvRows(t, c.Get(t, base+".csv?sort=started&"+query).Expect(t, http.StatusOK))
			if len(rows) != len(want) {
				t.Errorf("%s: csv has %d rows, want %d", query, len(rows), len(want))
			}
		}
		// Not a date: 422 naming the field.
		res := c.Get(t, base+"?startedFrom=yesterday&lastSeenFrom=2026-02-30").Expect(t, http.StatusUnprocessableEntity)
		if f := res.Fields(t); f["startedFrom"] == nil || f["lastSeenFrom"] == nil {
			t.Fatalf("fields: %v", f)
		}
		// The page keeps them in its date inputs and links.
		html := c.Get(t, "/bots/"+bot.ID+"/users?startedFrom=2026-03-02&startedTo=2026-03-03").Expect(t, http.StatusOK).Text()
		for _, want := range []string{`type="date" name="startedFrom" value="2026-03-02"`, `name="startedTo" value="2026-03-03"`, "2 users"} {
			if !strings.Contains(html, want) {
				t.Fatalf("users page lacks %q", want)
			}
		}
	})
}

func TestUsersBulkTags(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "bulk@example.com")
		bot := env.ConnectBot(t, c, "bulk_bot")
		now := models.Now()
		var users []models.BotUser
		for i := int64(1); i <= 30; i++ {
			lang := "en"
			if i%3 == 0 {
				lang = "de"
			}
			users = append(users, models.BotUser{UserID: 500 + i, FirstName: "User", LanguageCode: lang, StartedAt: now.Add(-time.Duration(i) * time.Hour)})
		}
		seedBotUsers(t, env, bot.ID, users...)
		base := "/api/bots/" + bot.ID + "/users"
		tagsPath := base + "/tags"
		changed := func(res *apptest.Response) float64 { return res.Data(t)["changed"].(float64) }

		// Chosen rows (an unknown id is ignored, repeats count once).
		res := c.Post(t, tagsPath, map[string]any{"userIds": []int64{501, 502, 502, 99}, "add": []string{"VIP", "lead"}}).Expect(t, http.StatusOK)
		if changed(res) != 4 {
			t.Fatalf("rows: %s", res.Text())
		}
		// All matching a filter: the 10 German speakers.
		res = c.Post(t, tagsPath, map[string]any{"filter": map[string]any{"language": "de"}, "add": []string{"de"}}).Expect(t, http.StatusOK)
		if changed(res) != 10 {
			t.Fatalf("filter: %s", res.Text())
		}
		// Remove from everyone tagged vip who speaks English (501, 502).
		res = c.Post(t, tagsPath, map[string]any{"filter": map[string]any{"tag": []string{"vip"}, "language": "en"}, "remove": []string{"lead"}}).Expect(t, http.StatusOK)
		if changed(res) != 2 {
			t.Fatalf("remove: %s", res.Text())
		}
		if got := userIDs(t, c.Get(t, base+"?tag=de&sort=started").Expect(t, http.StatusOK)); len(got) != 10 || !slices.Contains(got, 503) {
			t.Fatalf("tagged de: %v", got)
		}
		// The bot's tags, most used first, paginated.
		res = c.Get(t, "/api/bots/"+bot.ID+"/tags?limit=1").Expect(t, http.StatusOK)
		if l := res.List(t); len(l) != 1 || !reflect.DeepEqual(l[0], map[string]any{"name": "de", "users": float64(10)}) || pagination(t, res)["total"] != float64(2) {
			t.Fatalf("tags: %s", res.Text())
		}
		res = c.Get(t, "/api/bots/"+bot.ID+"/tags?page=2&limit=1").Expect(t, http.StatusOK)
		if l := res.List(t); len(l) != 1 || l[0].(map[string]any)["name"] != "vip" {
			t.Fatalf("tags page 2: %s", res.Text())
		}

		// Refused: no selection, both, no tag, bad names, unknown fields.
		for _, bad := range []map[string]any{
			{"add": []string{"x"}},
			{"userIds": []int64{501}, "filter": map[string]any{}, "add": []string{"x"}},
			{"userIds": []int64{501}},
			{"userIds": []int64{501}, "add": []string{"two words"}},
			{"userIds": []int64{501}, "add": []string{"x"}, "remove": []string{"x"}},
			{"filter": map[string]any{"startedFrom": "soon"}, "add": []string{"x"}},
			{"userIds": []int64{501}, "add": []string{"x"}, "segment": "seg_aaaaaaaaaaaaaaaaaaaaaaaa"}, // both: choose one
			{"segment": "seg_aaaaaaaaaaaaaaaaaaaaaaaa", "add": []string{"x"}},                          // not a segment of the bot
		} {
			c.Post(t, tagsPath, bad).Expect(t, http.StatusUnprocessableEntity)
		}
		for _, body := range []map[string]any{
			{"userIds": []int64{501}, "add": []string{"x"}, "segmentId": "seg_1"},
			{"filter": map[string]any{"tags": []string{"a"}}, "add": []string{"x"}},
			{"filter": map[string]any{"page": 1}, "add": []string{"x"}},
		} {
			if code := c.Post(t, tagsPath, body).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "unknown_field" {
				t.Fatalf("%v: %s", body, code)
			}
		}
		// Another account's bot is not found, and nothing changes.
		eve := env.SignUp(t, "eve-bulk@example.com")
		eve.Post(t, tagsPath, map[string]any{"filter": map[string]any{}, "add": []string{"owned"}}).Expect(t, http.StatusNotFound)
		eve.Get(t, "/api/bots/"+bot.ID+"/tags").Expect(t, http.StatusNotFound)
		if got := userIDs(t, c.Get(t, base+"?tag=owned").Expect(t, http.StatusOK)); len(got) != 0 {
			t.Fatalf("another account tagged users: %v", got)
		}

		// The page: a checkbox per row, the bulk bar, tag chips.
		page := "/bots/" + bot.ID + "/users"
		html := c.Get(t, page+"?language=de").Expect(t, http.StatusOK).Text()
		for _, want := range []string{`name="userId" value="503" form="users-bulk"`, `id="users-bulk"`, `data-select-page="users-bulk"`,
			`name="language" value="de"`, "All 10 matching users", `aria-label="Tags"`, `href="/bots/` + bot.ID + `/users?language=de&amp;tag=de"`} {
			if !strings.Contains(html, want) {
				t.Fatalf("users page lacks %q", want)
			}
		}
		// Without JavaScript: the form posts and goes back to the list.
		form := url.Values{"userId": {"503", "506"}, "bulkTag": {"Picked"}, "op": {"add"}, "language": {"de"}, "page": {"1"}}
		res = c.Do(t, http.MethodPost, page+"/tags", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"?language=de" {
			t.Fatalf("form: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// "All matching" takes the list's filter from the form (the ticked
		// rows are ignored) and htmx gets the list again with a toast.
		form = url.Values{"all": {"true"}, "userId": {"501"}, "bulkTag": {"picked"}, "op": {"remove"}, "language": {"de"}, "prop[plan]": {"x"}}
		res = c.Do(t, http.MethodPost, page+"/tags", form, "HX-Request", "true").Expect(t, http.StatusOK)
		if !strings.Contains(res.Text(), `id="users-panel"`) || strings.Contains(res.Text(), "<html") {
			t.Fatalf("htmx answer: %s", res.Text())
		}
		if got := userIDs(t, c.Get(t, base+"?tag=picked").Expect(t, http.StatusOK)); !slices.Equal(got, []int64{503, 506}) {
			t.Fatalf("prop filter narrowed nobody out? picked: %v", got)
		}
		form.Del("prop[plan]")
		res = c.Do(t, http.MethodPost, page+"/tags", form, "HX-Request", "true").Expect(t, http.StatusOK)
		var trig map[string]map[string]string
		if err := json.Unmarshal([]byte(res.Header.Get("HX-Trigger")), &trig); err != nil || trig["toast"]["message"] != "Removed the tag “picked” from 2 users." {
			t.Fatalf("toast: %q %v", res.Header.Get("HX-Trigger"), err)
		}
		if got := userIDs(t, c.Get(t, base+"?tag=picked").Expect(t, http.StatusOK)); len(got) != 0 {
			t.Fatalf("picked after removal: %v", got)
		}
	})
}

// Property columns: chosen in the URL (cols), shown in the table, added to
// the CSV and, on the API, as each user's props.
func TestUsersPropertyColumns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "cols@example.com")
		bot := env.ConnectBot(t, c, "cols_bot")
		now := models.Now()
		seedBotUsers(t, env, bot.ID,
			models.BotUser{UserID: 1, FirstName: "Ann", StartedAt: now.Add(-2 * time.Hour)},
			models.BotUser{UserID: 2, FirstName: "Bob", StartedAt: now.Add(-time.Hour)})
		base := "/api/bots/" + bot.ID + "/users"
		c.Patch(t, base+"/1", map[string]any{"props": map[string]any{"plan": "=gold", "age": 42}}).Expect(t, http.StatusOK)
		c.Patch(t, base+"/2", map[string]any{"props": map[string]any{"city": "Oslo"}}).Expect(t, http.StatusOK)

		res := c.Get(t, base+"?sort=started&cols=plan,age").Expect(t, http.StatusOK)
		l := res.List(t)
		if p := l[0].(map[string]any)["props"]; !reflect.DeepEqual(p, map[string]any{"plan": "=gold", "age": float64(42)}) {
			t.Fatalf("props of 1: %v", p)
		}
		if p := l[1].(map[string]any)["props"]; !reflect.DeepEqual(p, map[string]any{"plan": nil, "age": nil}) {
			t.Fatalf("props of 2: %v", p)
		}
		if _, ok := c.Get(t, base).Expect(t, http.StatusOK).List(t)[0].(map[string]any)["props"]; ok {
			t.Fatal("props without cols")
		}
		c.Get(t, base+"?cols=Bad%20name").Expect(t, http.StatusUnprocessableEntity)

		header, rows := csvRows(t, c.Get(t, base+".csv?sort=started&cols=plan&cols=age").Expect(t, http.StatusOK))
		if n := len(header); header[n-2] != "prop.plan" || header[n-1] != "prop.age" {
			t.Fatalf("csv header: %v", header)
		}
		if r := rows[0]; r[len(r)-2] != "'=gold" || r[len(r)-1] != "42" || rows[1][len(r)-1] != "" {
			t.Fatalf("csv rows: %v", rows)
		}

		html := c.Get(t, "/bots/"+bot.ID+"/users?cols=city").Expect(t, http.StatusOK).Text()
		for _, want := range []string{`<th scope="col" class="px-4 py-2.5 font-medium">city</th>`, ">Oslo</td>",
			`name="cols" value="city" checked`, `name="cols" value="plan"`, "cols=city"} {
			if !strings.Contains(html, want) {
				t.Fatalf("users page lacks %q", want)
			}
		}
		// Blocking a row swaps it with its columns still filled.
		frag := c.Do(t, http.MethodPost, "/bots/"+bot.ID+"/users/2/block", url.Values{"back": {"/bots/" + bot.ID + "/users?cols=city"}},
			"HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, ">Oslo</td>") {
			t.Fatalf("swapped row lost its column: %s", frag)
		}
	})
}

// The users page follows the bot's users events: a person starting the
// bot raises one (with the new total) once the update is processed.
func TestUsersLiveEvent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "live-users@example.com")
		bot := env.ConnectBot(t, c, "live_users_bot")
		s := c.Stream(t, "/api/events?bot="+bot.ID+"&kind=users")
		say(t, env, bot, env.Telegram.AddUser(telegramtest.UserSpec{ID: 8101, FirstName: "Ann"}), "/start")
		f := s.NextEvent(t).JSON(t)
		var d struct {
			TotalUsers int64 `json:"totalUsers"`
		}
		json.Unmarshal(f.Data, &d)
		if f.Kind != "users" || f.Subject != bot.ID || d.TotalUsers != 1 {
			t.Fatalf("users event: %+v %+v", f, d)
		}
		say(t, env, bot, env.Telegram.AddUser(telegramtest.UserSpec{ID: 8102, FirstName: "Bob"}), "hi")
		f = s.NextEvent(t).JSON(t)
		json.Unmarshal(f.Data, &d)
		if d.TotalUsers != 2 {
			t.Fatalf("second users event: %+v", d)
		}
		// The page connects to that stream and refreshes its panel on it.
		html := c.Get(t, "/bots/"+bot.ID+"/users").Expect(t, http.StatusOK).Text()
		if !strings.Contains(html, `sse-connect="/api/events?bot=`+bot.ID+`&amp;kind=users&amp;notifications=true"`) || !strings.Contains(html, `hx-trigger="sse:users throttle:2s`) {
			t.Fatalf("users page is not live: %s", html)
		}
	}, apptest.Webhooks())
}
