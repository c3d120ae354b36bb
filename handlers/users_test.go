package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// seedBotUsers stores users for a bot directly, as the ingest pipeline
// would (new rows, and the bot's user counter moved with them).
func seedBotUsers(t testing.TB, env *apptest.Env, botID string, users ...models.BotUser) {
	t.Helper()
	ctx := context.Background()
	added := 0
	for i := range users {
		u := &users[i]
		u.BotID = botID
		if u.Name == "" {
			u.Name = models.FullName(u.FirstName, u.LastName)
		}
		if u.LastSeenAt.IsZero() {
			u.LastSeenAt = u.StartedAt
		}
		isNew, err := models.InsertBotUserIfNew(ctx, env.App.DB, u)
		if err != nil {
			t.Fatal(err)
		}
		if isNew {
			added++
		}
	}
	if _, err := env.App.DB.NewUpdate().Table("bots").Set("total_users = total_users + ?", added).Where("id = ?", botID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// userIDs lists data[].userId of a users list answer.
func userIDs(t testing.TB, res *apptest.Response) []int64 {
	t.Helper()
	var out []int64
	for _, u := range res.List(t) {
		out = append(out, int64(u.(map[string]any)["userId"].(float64)))
	}
	return out
}

func pagination(t testing.TB, res *apptest.Response) map[string]any {
	t.Helper()
	return res.JSON(t)["pagination"].(map[string]any)
}

// audience is a small, varied audience: ids, names, times and states
// chosen so every search, filter and sort gives a distinct answer.
func audience(now time.Time) []models.BotUser {
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	return []models.BotUser{
		{UserID: 1001, FirstName: "Anna", LastName: "Kowalska", Username: "anna_k", LanguageCode: "pl", StartedAt: at(50), LastSeenAt: at(1)},
		{UserID: 1002, FirstName: "Boris", LastName: "Ivanov", Username: "", LanguageCode: "ru", StartedAt: at(40), LastSeenAt: at(30), IsPremium: true},
		{UserID: 1003, FirstName: "Chloé", LastName: "Martin", Username: "chloe_100", LanguageCode: "fr", StartedAt: at(30), LastSeenAt: at(20), Blocked: true},
		{UserID: 1004, FirstName: "Dmitri", LastName: "Anders", Username: "dima", LanguageCode: "en", StartedAt: at(20), LastSeenAt: at(2), BotBlocked: true},
		{UserID: 1005, FirstName: "Eve", LastName: "50% Off", Username: "eve", LanguageCode: "", StartedAt: at(10), LastSeenAt: at(9), Blocked: true, BotBlocked: true},
		{UserID: 777, FirstName: "Zed", Username: "zed1001x", LanguageCode: "de", StartedAt: at(5), LastSeenAt: at(5)},
	}
}

func TestUsersListSearchFilterSortPaginate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "audience@example.com")
		bot := env.ConnectBot(t, c, "crowd_bot")
		seedBotUsers(t, env, bot.ID, audience(models.Now())...)
		list := func(query string) []int64 {
			t.Helper()
			return userIDs(t, c.Get(t, "/api/bots/"+bot.ID+"/users"+query).Expect(t, http.StatusOK))
		}
		check := func(query string, want ...int64) {
			t.Helper()
			if got := list(query); !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", query, got, want)
			}
		}

		// Sorts; newest first by default.
		check("", 777, 1005, 1004, 1003, 1002, 1001)
		check("?sort=-started", 777, 1005, 1004, 1003, 1002, 1001)
		check("?sort=started", 1001, 1002, 1003, 1004, 1005, 777)
		check("?sort=-lastSeen", 1001, 1004, 777, 1005, 1003, 1002)
		check("?sort=lastSeen", 1002, 1003, 1005, 777, 1004, 1001)
		check("?sort=name", 1001, 1002, 1003, 1004, 1005, 777)

		// Search: username or name, any case, substring; exact id. One or two
		// letters match the start of the first name, last name or username.
		check("?q=ANNA_", 1001)
		check("?q=%40dim", 1004) // "@dim": the @ people type before usernames
		check("?q=kowal", 1001)
		check("?q=ANDERS", 1004)
		check("?q=chlo%C3%A9", 1003)
		check("?q=1002", 1002)                    // an exact id…
		check("?q=1001", 777, 1001)               // …or a username containing the digits
		check("?q=100", 777, 1003)                // a username with the digits, never a partial id
		check("?q=_1", 1003)                      // _ is literal, not "any character"
		check("?q="+url.QueryEscape("50%"), 1005) // % is literal
		check("?q="+url.QueryEscape("%"), 1005)
		check("?q=nobody")
		check("?q=an", 1004, 1001) // Anders, Anna: starts of names, not Iv-an-ov…
		check("?q=anov", 1002)     // …while three letters or more match anywhere

		// Status filters, alone and with a search and a sort.
		check("?status=active", 777, 1002, 1001)
		check("?status=blocked", 1005, 1003)
		check("?status=botBlocked", 1005, 1004)
		check("?status=active&q=a&sort=name", 1001)
		check("?status=blocked&sort=started", 1003, 1005)

		// Pages, with totals.
		res := c.Get(t, "/api/bots/"+bot.ID+"/users?sort=started&limit=4&page=2").Expect(t, http.StatusOK)
		if got := userIDs(t, res); !slices.Equal(got, []int64{1005, 777}) {
			t.Errorf("page 2: %v", got)
		}
		if p := pagination(t, res); fmt.Sprint(p) != "map[limit:4 page:2 total:6 totalPages:2]" || res.JSON(t)["totalExact"] != true {
			t.Errorf("pagination: %v", res.JSON(t))
		}
		for query, total := range map[string]float64{"?limit=2": 6, "?limit=1&status=active": 3, "?limit=1&status=blocked": 2, "?limit=1&q=an": 2, "?page=9": 6, "?page=9&q=an": 2} {
			res := c.Get(t, "/api/bots/"+bot.ID+"/users"+query).Expect(t, http.StatusOK)
			if p := pagination(t, res); p["total"] != total || res.JSON(t)["totalExact"] != true {
				t.Errorf("%s: pagination %v, want total %v", query, p, total)
			}
		}
		for _, bad := range []string{"limit=0", "limit=101", "page=0", "page=-1", "status=gone", "sort=random", "sort=-name", "q=" + strings.Repeat("x", 101)} {
			if code := c.Get(t, "/api/bots/"+bot.ID+"/users?"+bad).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "validation_failed" {
				t.Errorf("%s: %s", bad, code)
			}
		}
		c.Get(t, "/api/bots/"+bot.ID+"/users?limit=abc").Expect(t, http.StatusBadRequest)

		// The shape, with photoUrl pointing at the proxy.
		u := c.Get(t, "/api/bots/"+bot.ID+"/users?q=1002").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if u["name"] != "Boris Ivanov" || u["isPremium"] != true || u["languageCode"] != "ru" || u["username"] != "" ||
			u["photoUrl"] != "/api/bots/"+bot.ID+"/users/1002/photo" || u["blocked"] != false {
			t.Errorf("user: %v", u)
		}
	})
}

// TestUsersFilteredTotalIsCapped shows the count strategy: unfiltered
// totals come from the bot's counter, filtered ones are exact up to
// core.CountCap and a lower bound beyond.
func TestUsersFilteredTotalIsCapped(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "many@example.com")
		bot := env.ConnectBot(t, c, "many_bot")
		n := core.CountCap + 50
		bulkSeedUsers(t, env, bot.ID, n, func(i int) benchUser { return benchUser{First: "User", Last: strconv.Itoa(i)} })
		get := func(q string) (map[string]any, bool, int) {
			res := c.Get(t, "/api/bots/"+bot.ID+"/users"+q).Expect(t, http.StatusOK)
			return pagination(t, res), res.JSON(t)["totalExact"].(bool), len(res.List(t))
		}
		if p, exact, rows := get(""); p["total"] != float64(n) || !exact || rows != 20 {
			t.Errorf("unfiltered: %v exact=%v rows=%d", p, exact, rows)
		}
		// Every user's name contains "user": a search matching them all.
		if p, exact, _ := get("?q=user&limit=100"); p["total"] != float64(core.CountCap) || exact || p["totalPages"] != float64(core.CountCap/100) {
			t.Errorf("broad search: %v exact=%v", p, exact)
		}
		// Deep in a capped list, the total still reaches past the page.
		deep := core.CountCap / 100 // n has 50 more: this page is full and one follows
		if p, exact, rows := get(fmt.Sprintf("?q=user&limit=100&page=%d", deep)); p["total"].(float64) < float64(deep*100+1) || exact || p["totalPages"].(float64) < float64(deep+1) || rows != 100 {
			t.Errorf("page past the cap: %v exact=%v rows=%d", p, exact, rows)
		}
		// The last page knows its total without counting.
		if p, exact, rows := get(fmt.Sprintf("?q=user&limit=100&page=%d", deep+1)); p["total"] != float64(n) || !exact || rows != 50 {
			t.Errorf("last page: %v exact=%v rows=%d", p, exact, rows)
		}
		// Under the cap a filtered total is exact.
		if p, exact, _ := get("?q=user&status=active"); p["total"] != float64(n-n/50-n/20+n/100) || !exact {
			t.Errorf("search among the active: %v exact=%v", p, exact)
		}
		// Active = counter minus the (few) blocked: exact without a scan.
		if p, exact, _ := get("?status=active"); p["total"] != float64(n-n/50-n/20+n/100) || !exact {
			t.Errorf("active: %v exact=%v", p, exact)
		}
		if p, exact, _ := get("?status=botBlocked"); p["total"] != float64(n/20) || !exact {
			t.Errorf("botBlocked: %v exact=%v", p, exact)
		}
		page := c.Get(t, "/bots/"+bot.ID+"/users?q=user").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "More than "+views.Number(core.CountCap)+" users match “user”") || !strings.Contains(page, ">Page 1<") || !strings.Contains(page, "rel=\"next\"") {
			t.Error("the page says the total is a lower bound and still offers the next page")
		}
	})
}

func TestUsersPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "pages@example.com")
		bot := env.ConnectBot(t, c, "page_bot")
		base := "/bots/" + bot.ID + "/users"

		empty := c.Get(t, base).Expect(t, http.StatusOK).Text()
		if !strings.Contains(empty, "No users yet") || !strings.Contains(empty, "start @page_bot in Telegram") {
			t.Fatal("a bot without users explains where users come from")
		}

		seedBotUsers(t, env, bot.ID, audience(models.Now())...)
		page := c.Get(t, base+"?q=an&sort=name").Expect(t, http.StatusOK).Text()
		for _, want := range []string{
			"Anna Kowalska", "@anna_k", "Dmitri Anders", `aria-current="page"`,
			`value="an"`, `href="` + base + `?q=an&amp;sort=name&amp;status=blocked"`, // filters kept in the tab links
			`href="` + base + `.csv?q=an&amp;sort=name"`, // the export of the current filter
			`src="` + base + `/1001/photo"`, `loading="lazy"`, `width="32"`,
			`action="` + base + `/1001/block"`, `name="back" value="` + base + `?q=an&amp;sort=name"`,
			"Blocked the bot", "Premium", `role="status"`, "<caption",
			"<details", "Actions for Anna Kowalska", // a row's actions sit in its menu
		} {
			if !strings.Contains(page, want) {
				t.Errorf("users page lacks %q", want)
			}
		}
		if strings.Contains(page, "Zed") || strings.Contains(page, bot.Fake.Token) {
			t.Error("the page shows only matches, and never the token")
		}
		all := c.Get(t, base).Expect(t, http.StatusOK).Text()
		for _, want := range []string{`action="` + base + `/1003/unblock"`, "Blocked by you", "6 users", `href="` + base + `.csv"`} {
			if !strings.Contains(all, want) {
				t.Errorf("users page lacks %q", want)
			}
		}
		frag := c.Get(t, base+"?q=zed", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if strings.Contains(frag, "<html") || !strings.Contains(frag, `id="users-panel"`) || !strings.Contains(frag, `hx-swap-oob="innerHTML"`) || !strings.Contains(frag, "1 user match") {
			t.Fatalf("htmx gets the panel and the live summary: %s", frag)
		}
		none := c.Get(t, base+"?q=nobody&status=blocked").Expect(t, http.StatusOK).Text()
		if !strings.Contains(none, "match “nobody”") || !strings.Contains(none, `href="`+base+`?status=blocked"`) || !strings.Contains(none, "Clear the search") {
			t.Error("no results: say so, with a link clearing the search")
		}
		c.Get(t, base+"?limit=0").Expect(t, http.StatusUnprocessableEntity)
	})
}

func TestUsersBlockUnblock(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "blocker@example.com")
		bot := env.ConnectBot(t, c, "block_bot")
		seedBotUsers(t, env, bot.ID, audience(models.Now())...)
		api := "/api/bots/" + bot.ID + "/users/"

		d := c.Post(t, api+"1001/block", nil).Expect(t, http.StatusOK).Data(t)
		if d["blocked"] != true || d["userId"] != 1001.0 || d["name"] != "Anna Kowalska" {
			t.Fatalf("block: %v", d)
		}
		c.Post(t, api+"1001/block", map[string]any{}).Expect(t, http.StatusOK) // idempotent
		if got := userIDs(t, c.Get(t, "/api/bots/"+bot.ID+"/users?status=blocked")); !slices.Contains(got, 1001) {
			t.Fatalf("blocked users: %v", got)
		}
		if d := c.Post(t, api+"1001/unblock", nil).Expect(t, http.StatusOK).Data(t); d["blocked"] != false {
			t.Fatalf("unblock: %v", d)
		}
		for _, missing := range []string{"424242/block", "0/unblock", "abc/block", "-5/block"} {
			c.Post(t, api+missing, nil).Expect(t, http.StatusNotFound)
		}
		c.Get(t, api+"1001/block").Expect(t, http.StatusMethodNotAllowed) // state changes only on POST

		// A browser without JavaScript: a form post, then back to its list.
		page := "/bots/" + bot.ID + "/users/"
		back := "/bots/" + bot.ID + "/users?q=an&page=1"
		res := c.Post(t, page+"1002/block", url.Values{"back": {back}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != back {
			t.Errorf("after blocking go back to the list: %q", res.Header.Get("Location"))
		}
		if !strings.Contains(c.Get(t, back).Text(), "Blocked Boris Ivanov") {
			t.Error("the list shows what happened")
		}
		for _, evil := range []string{"https://evil.example/", "//evil.example/", "/bots/other/users", "/bots/" + bot.ID + "/usersX"} {
			res := c.Post(t, page+"1002/unblock", url.Values{"back": {evil}}).Expect(t, http.StatusSeeOther)
			if res.Header.Get("Location") != "/bots/"+bot.ID+"/users" {
				t.Errorf("back=%q redirected to %q", evil, res.Header.Get("Location"))
			}
		}

		// htmx: the row is swapped in place and a toast says what happened.
		res = c.Post(t, page+"1003/unblock", url.Values{"back": {back}}, "HX-Request", "true").Expect(t, http.StatusOK)
		row := res.Text()
		if !strings.HasPrefix(strings.TrimSpace(row), `<tr id="user-1003"`) || !strings.Contains(row, page+"1003/block") || strings.Contains(row, "Blocked by you") {
			t.Fatalf("the row after unblocking: %s", row)
		}
		// Beyond ASCII the toast travels as JSON escapes (browsers read
		// headers as Latin-1); decoded, it names the user.
		var toast struct {
			Toast struct{ Message string } `json:"toast"`
		}
		if err := json.Unmarshal([]byte(res.Header.Get("HX-Trigger")), &toast); err != nil || toast.Toast.Message != "Unblocked Chloé Martin." {
			t.Errorf("toast: %q", res.Header.Get("HX-Trigger"))
		}
		res = c.Post(t, page+"999/block", url.Values{}, "HX-Request", "true").Expect(t, http.StatusNotFound)
		if !strings.Contains(res.Header.Get("HX-Trigger"), "User not found") {
			t.Errorf("an unknown user is an error toast: %q", res.Header.Get("HX-Trigger"))
		}
	})
}

func readCSV(t testing.TB, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rows
}

func TestUsersCSV(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "export@example.com")
		bot := env.ConnectBot(t, c, "export_bot")
		users := audience(models.Now())
		users = append(users,
			models.BotUser{UserID: 2001, FirstName: "=HYPERLINK(\"http://evil.example\",\"x\")", LastName: "+1", StartedAt: models.Now().Add(-time.Minute)},
			models.BotUser{UserID: 2002, FirstName: "@SUM(A1:A9)", LastName: "-2", Username: "", StartedAt: models.Now().Add(-2 * time.Minute)},
			models.BotUser{UserID: 2003, FirstName: "\tTab", LastName: "Smith, \"Jr\"\nII", StartedAt: models.Now().Add(-3 * time.Minute)},
		)
		seedBotUsers(t, env, bot.ID, users...)

		res := c.Get(t, "/api/bots/"+bot.ID+"/users.csv").Expect(t, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		day := models.Now().Format(time.DateOnly)
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=export_bot-users-`+day+`.csv` {
			t.Errorf("content disposition %q", cd)
		}
		rows := readCSV(t, res.Body)
		if strings.Join(rows[0], ",") != "userId,username,firstName,lastName,name,languageCode,isPremium,startedAt,lastSeenAt,blocked,botBlocked" {
			t.Fatalf("header: %v", rows[0])
		}
		if len(rows) != 1+len(users) {
			t.Fatalf("%d rows", len(rows))
		}
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			byID[r[0]] = r
		}
		if r := byID["1002"]; r[2] != "Boris" || r[6] != "true" || r[9] != "false" || r[5] != "ru" {
			t.Errorf("row: %v", r)
		}
		// Formula injection is neutralised; quoting survives commas, quotes and newlines.
		for id, want := range map[string][2]string{
			"2001": {`'=HYPERLINK("http://evil.example","x")`, "'+1"},
			"2002": {"'@SUM(A1:A9)", "'-2"},
			"2003": {"'\tTab", "Smith, \"Jr\"\nII"},
		} {
			if r := byID[id]; r[2] != want[0] || r[3] != want[1] {
				t.Errorf("user %s exported as %q, %q", id, r[2], r[3])
			}
		}
		if strings.Contains(res.Text(), bot.Fake.Token) {
			t.Fatal("token in the export")
		}

		// Filters apply, and the order is start order.
		filtered := readCSV(t, c.Get(t, "/api/bots/"+bot.ID+"/users.csv?status=blocked&q=ch&sort=started").Expect(t, http.StatusOK).Body)
		var ids []string
		for _, r := range filtered[1:] {
			ids = append(ids, r[0])
		}
		if fmt.Sprint(ids) != "[1003]" {
			t.Errorf("filtered export: %v", ids)
		}
		res = c.Get(t, "/bots/"+bot.ID+"/users.csv?q=nobody").Expect(t, http.StatusOK)
		if rows := readCSV(t, res.Body); len(rows) != 1 || !strings.Contains(res.Header.Get("Content-Disposition"), "export_bot-users-search-") {
			t.Errorf("an empty export still has its header: %v %q", rows, res.Header.Get("Content-Disposition"))
		}
		c.Get(t, "/api/bots/"+bot.ID+"/users.csv?status=nope").Expect(t, http.StatusUnprocessableEntity)
	})
}

// flushRecorder records how much had been written at each Flush.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushedAt []int
}

func (f *flushRecorder) Flush() {
	f.flushedAt = append(f.flushedAt, f.Body.Len())
	f.ResponseRecorder.Flush()
}

// TestUsersCSVStreams exports 5,000 users and shows they go out batch by
// batch: the response is flushed after every batch, each flush adding at
// most one batch of rows, and over the network it has no Content-Length
// (chunked), so nothing waited for the whole file.
func TestUsersCSVStreams(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "stream@example.com")
		bot := env.ConnectBot(t, c, "stream_bot")
		const n = 5000
		bulkSeedUsers(t, env, bot.ID, n, realisticUser)

		req := httptest.NewRequest(http.MethodGet, "/bots/"+bot.ID+"/users.csv?sort=started", nil)
		for _, ck := range c.Cookies() {
			req.AddCookie(ck)
		}
		rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
		env.App.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		rows := readCSV(t, rec.Body.Bytes())
		if len(rows) != n+1 {
			t.Fatalf("%d rows, want %d", len(rows), n+1)
		}
		seen := map[string]bool{}
		for i, r := range rows[1:] {
			if seen[r[0]] {
				t.Fatalf("user %s exported twice", r[0])
			}
			seen[r[0]] = true
			if i > 0 && r[7] < rows[i][7] {
				t.Fatalf("row %d out of start order", i+1)
			}
		}
		if batches := (n + core.ExportBatch - 1) / core.ExportBatch; len(rec.flushedAt) < batches {
			t.Fatalf("%d flushes for %d batches", len(rec.flushedAt), batches)
		}
		perRow := rec.Body.Len() / n
		for i := 1; i < len(rec.flushedAt); i++ {
			if grew := rec.flushedAt[i] - rec.flushedAt[i-1]; grew > 2*perRow*core.ExportBatch {
				t.Fatalf("flush %d wrote %d bytes: more than a batch", i, grew)
			}
		}
		if rec.flushedAt[0] >= rec.Body.Len()/2 {
			t.Fatal("the first flush came late")
		}

		resp, err := (&http.Client{Jar: nil}).Do(func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, env.URL("/bots/"+bot.ID+"/users.csv"), nil)
			for _, ck := range c.Cookies() {
				r.AddCookie(ck)
			}
			return r
		}())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.ContentLength != -1 || !slices.Contains(resp.TransferEncoding, "chunked") {
			t.Errorf("the export is not streamed: length %d, transfer encoding %v", resp.ContentLength, resp.TransferEncoding)
		}
		body, _ := io.ReadAll(resp.Body)
		if got := strings.Count(string(body), "\n"); got != n+1 {
			t.Errorf("%d lines over the network", got)
		}
	})
}

// TestUsersCSVKeysetTies exports users who all started at the same
// instant, across several batches: the keyset walk breaks ties on the
// user id, so none is skipped or repeated at a batch boundary.
func TestUsersCSVKeysetTies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "ties@example.com")
		bot := env.ConnectBot(t, c, "ties_bot")
		at := models.Now().Add(-time.Hour)
		n := 2*core.ExportBatch + 7
		users := make([]models.BotUser, n)
		for i := range users {
			users[i] = models.BotUser{UserID: int64(9_000 + (i*7919)%n), FirstName: "Tie", StartedAt: at}
		}
		seedBotUsers(t, env, bot.ID, users...)
		for _, sort := range []string{"", "started"} {
			rows := readCSV(t, c.Get(t, "/api/bots/"+bot.ID+"/users.csv?sort="+sort).Expect(t, http.StatusOK).Body)[1:]
			seen := map[string]bool{}
			for _, r := range rows {
				seen[r[0]] = true
			}
			if len(rows) != n || len(seen) != n {
				t.Fatalf("sort=%q: %d rows, %d distinct, want %d", sort, len(rows), len(seen), n)
			}
		}
	})
}

func TestUserPhotoProxy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "photos@example.com")
		bot := env.ConnectBot(t, c, "photo_bot")
		withPhoto := env.Telegram.AddUser(telegramtest.UserSpec{ID: 5001, FirstName: "Pat", LastName: "Photo", WithPhoto: true})
		without := env.Telegram.AddUser(telegramtest.UserSpec{ID: 5002, FirstName: "Nora", LastName: "Nophoto"})
		now := models.Now()
		seedBotUsers(t, env, bot.ID,
			models.BotUser{UserID: withPhoto.ID, FirstName: "Pat", LastName: "Photo", StartedAt: now},
			models.BotUser{UserID: without.ID, FirstName: "Nora", LastName: "Nophoto", StartedAt: now.Add(-time.Second)},
			models.BotUser{UserID: 5003, FirstName: "Gone", StartedAt: now.Add(-2 * time.Second)},
		)
		token := bot.Fake.Token
		api := "/api/bots/" + bot.ID + "/users/"
		noLeak := func(res *apptest.Response) {
			t.Helper()
			if strings.Contains(string(res.Body), token) {
				t.Fatalf("%s: token in the body", res.Request.URL.Path)
			}
			for k, vs := range res.Header {
				for _, v := range vs {
					if strings.Contains(v, token) || strings.Contains(v, "/file/bot") {
						t.Fatalf("%s: token in header %s", res.Request.URL.Path, k)
					}
				}
			}
		}

		// Concurrent first requests share one fetch.
		env.Telegram.Fail(token, "getUserProfilePhotos", telegramtest.FailSpec{Delay: 300 * time.Millisecond, Times: 1})
		var wg sync.WaitGroup
		results := make([]*apptest.Response, 6)
		for i := range results {
			wg.Go(func() { results[i] = c.Get(t, api+"5001/photo") })
		}
		wg.Wait()
		for _, res := range results {
			res.Expect(t, http.StatusOK)
			noLeak(res)
		}
		res := results[0]
		if res.Header.Get("Content-Type") != "image/png" || len(res.Body) < 50 || string(res.Body[1:4]) != "PNG" {
			t.Fatalf("photo: %q, %d bytes", res.Header.Get("Content-Type"), len(res.Body))
		}
		etag := res.Header.Get("ETag")
		if etag == "" || !strings.Contains(res.Header.Get("Cache-Control"), "private") {
			t.Fatalf("caching headers: %v", res.Header)
		}
		calls := func(method string) int { return env.Telegram.CallCount(token, method) }
		if calls("getUserProfilePhotos") != 1 || calls("getFile") != 1 || calls(telegramtest.DownloadMethod) != 1 {
			t.Fatalf("concurrent first requests must fetch once: %v", env.Telegram.Calls(token))
		}

		// Served from the cache afterwards, on both routes; 304 on revalidation.
		page := c.Get(t, "/bots/"+bot.ID+"/users/5001/photo").Expect(t, http.StatusOK)
		if string(page.Body) != string(res.Body) || page.Header.Get("ETag") != etag {
			t.Fatal("the page route serves the same photo")
		}
		c.Get(t, api+"5001/photo", "If-None-Match", etag).Expect(t, http.StatusNotModified)
		if calls("getFile") != 1 {
			t.Fatalf("the cache must serve later requests: getFile called %d times", calls("getFile"))
		}

		// After a day the photo is fetched again.
		ageCache(t, env, bot.ID, 5001, 25*time.Hour)
		c.Get(t, api+"5001/photo").Expect(t, http.StatusOK)
		if calls("getFile") != 2 {
			t.Fatalf("a stale photo is refreshed: getFile called %d times", calls("getFile"))
		}

		// No photo: 404, remembered, and the list says photoUrl null.
		res = c.Get(t, api+"5002/photo").Expect(t, http.StatusNotFound)
		if res.ErrorCode(t) != "no_photo" {
			t.Fatalf("no photo: %s", res.Body)
		}
		noLeak(res)
		c.Get(t, api+"5002/photo").Expect(t, http.StatusNotFound)
		if n := env.Telegram.CallCount(token, "getUserProfilePhotos"); n != 3 {
			t.Fatalf("'no photo' must be remembered: %d calls", n)
		}
		for _, u := range c.Get(t, "/api/bots/"+bot.ID+"/users").List(t) {
			u := u.(map[string]any)
			if (u["userId"] == 5002.0) != (u["photoUrl"] == nil) {
				t.Errorf("photoUrl of %v: %v", u["userId"], u["photoUrl"])
			}
		}
		img := c.Get(t, "/bots/"+bot.ID+"/users/5002/photo").Expect(t, http.StatusOK) // no failed request logged per row
		if img.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(img.Text(), ">NN</text>") {
			t.Errorf("an <img> gets a placeholder with initials: %q %s", img.Header.Get("Content-Type"), img.Body)
		}
		if !strings.Contains(c.Get(t, "/bots/"+bot.ID+"/users").Text(), `aria-hidden="true" class="inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-full text-xs font-semibold`) {
			t.Error("the table draws initials for a user known to have no photo")
		}
		c.Get(t, api+"9999/photo").Expect(t, http.StatusNotFound) // not a user of this bot

		// Telegram failing: 502 (JSON for the API, a placeholder for <img>),
		// but a cached copy is served when there is one.
		env.Telegram.Fail(token, "getUserProfilePhotos", telegramtest.FailSpec{Code: 500})
		res = c.Get(t, api+"5003/photo").Expect(t, http.StatusBadGateway)
		if res.ErrorCode(t) != "telegram_unavailable" {
			t.Fatalf("telegram down: %s", res.Body)
		}
		noLeak(res)
		if img := c.Get(t, "/bots/"+bot.ID+"/users/5003/photo").Expect(t, http.StatusBadGateway); img.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("placeholder on 502: %q", img.Header.Get("Content-Type"))
		}
		ageCache(t, env, bot.ID, 5001, 25*time.Hour)
		c.Get(t, api+"5001/photo").Expect(t, http.StatusOK)
		env.Telegram.ClearFailures(token)

		// A revoked token puts the bot in error; cached photos still show.
		env.Telegram.RevokeToken(token)
		ageCache(t, env, bot.ID, 5001, 25*time.Hour)
		c.Get(t, api+"5001/photo").Expect(t, http.StatusOK)
		if s := c.Get(t, "/api/bots/"+bot.ID).Data(t)["status"]; s != "error" {
			t.Fatalf("a 401 from Telegram marks the bot as error: %v", s)
		}
		res = c.Get(t, api+"5003/photo").Expect(t, http.StatusBadGateway)
		noLeak(res)
	})
}

// ageCache makes a cached photo look fetched age ago.
func ageCache(t testing.TB, env *apptest.Env, botID string, userID int64, age time.Duration) {
	t.Helper()
	_, err := env.App.DB.NewUpdate().Table("user_photos").Set("fetched_at = ?", models.Now().Add(-age)).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

// TestUserRoutesAreOwnedAndHidden calls every users route of a bot as
// another account, by session and by API key: each answers 404, exactly
// as for a bot that does not exist, and nothing changes.
func TestUserRoutesAreOwnedAndHidden(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "private_bot")
		env.Telegram.AddUser(telegramtest.UserSpec{ID: 1, FirstName: "One", WithPhoto: true})
		// User 1 exists, so a 404 can only come from the ownership check.
		seedBotUsers(t, env, bot.ID, models.BotUser{UserID: 1, FirstName: "One", Username: "one", StartedAt: models.Now()})
		intruder := env.SignUp(t, "intruder@example.com")
		intruderKey := env.Client().WithAPIKey(intruder.NewAPIKey(t, "k"))
		unknown := models.NewID("bot")
		walked := 0
		walkOwnedRoutes(t, env, map[string]string{"/bots/": bot.ID, "/api/bots/": bot.ID}, func(method, path string) {
			if !strings.Contains(path, "/users") {
				return
			}
			walked++
			for _, c := range []*apptest.Client{intruder, intruderKey} {
				if c == intruderKey && !strings.HasPrefix(path, "/api/") {
					continue // API keys do not open pages
				}
				theirs := c.Do(t, method, path, bodyFor(method))
				missing := c.Do(t, method, strings.Replace(path, bot.ID, unknown, 1), bodyFor(method))
				if theirs.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s as another account: %d (unknown bot: %d), want 404", method, path, theirs.StatusCode, missing.StatusCode)
				}
				if theirs.Header.Get("Content-Type") != missing.Header.Get("Content-Type") || len(theirs.Body) != len(missing.Body) {
					t.Errorf("%s %s: another account's bot must look exactly like an unknown one", method, path)
				}
			}
		})
		if walked != 25 {
			t.Errorf("walked %d users routes, want 25 (6 pages and their API twins; the user page, its edit, messages, sending and message photos with their API twins; the import form and the API import; the page's column choice)", walked)
		}
		u := owner.Get(t, "/api/bots/"+bot.ID+"/users").List(t)[0].(map[string]any)
		if u["blocked"] != false || env.Telegram.CallCount(bot.Fake.Token, "getUserProfilePhotos") != 0 {
			t.Fatalf("another account changed or fetched something: %v", u)
		}
	})
}
