package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func importCSV(t *testing.T, c *apptest.Client, botID, body string) *apptest.Response {
	t.Helper()
	return c.Do(t, http.MethodPost, "/api/bots/"+botID+"/users/import", body, "Content-Type", "text/csv")
}

func multipartFile(t *testing.T, field, name string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func userOf(t *testing.T, c *apptest.Client, botID string, id int64) map[string]any {
	t.Helper()
	return c.Get(t, fmt.Sprintf("/api/bots/%s/users/%d", botID, id)).Expect(t, http.StatusOK).Data(t)
}

// TestImportUsersCSV: the API's import reads the edge cases of real files
// (BOM, ";" separator, quoted newlines, empty lines, duplicates, bad ids)
// and types properties; re-importing updates without duplicating; the
// imported are neither new starts nor active in the stats.
func TestImportUsersCSV(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "import@example.com")
		bot := env.ConnectBot(t, c, "import_bot")
		// Someone the bot already knows: updated, not duplicated.
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 501, FirstName: "Ann", Username: "ann_tg"})
		say(t, env, bot, ann, "hi")

		file := "\xEF\xBB\xBFuser_id;username;first_name;Last Name;language;tags;plan;score;vip;since;Phone;note\n" +
			"501;;Annie;;en;lead;gold;4.5;true;2024-01-31;+79161234567;\n" +
			"\n" +
			"502;@bob;Bob;\"Smith; Jr.\";de;\"lead;Beta\";silver;10;false;2024-02-01T10:00:00+02:00;0044123;\"two\nlines\"\n" +
			"abc;x;X;;;;;;;;;\n" +
			"-5;y;Y;;;;;;;;;\n" +
			"503;carl;Carl;;;bad tag;;;;;;\n" +
			"504;dora;Dora;;;;;;;;;\n" +
			"504;dora2;Dora;;;vip;;7;;;;\n" +
			";;;;;;;;;;;\n"
		d := importCSV(t, c, bot.ID, file).Expect(t, http.StatusOK).Data(t)
		if d["imported"] != float64(2) || d["updated"] != float64(1) || d["rejectedTotal"] != float64(3) {
			t.Fatalf("import: %v", d)
		}
		rejected := d["rejected"].([]any)
		lines := []float64{}
		for _, r := range rejected {
			lines = append(lines, r.(map[string]any)["line"].(float64))
		}
		// Line numbers count the physical lines: 502's note spans lines 4-5.
		if !reflect.DeepEqual(lines, []float64{6, 7, 8}) {
			t.Fatalf("rejected lines: %v", rejected)
		}
		if msg := rejected[0].(map[string]any)["error"].(string); !strings.Contains(msg, `"abc"`) {
			t.Fatalf("rejection reason: %q", msg)
		}

		a := userOf(t, c, bot.ID, 501)
		if a["firstName"] != "Annie" || a["username"] != "ann_tg" || a["languageCode"] != "en" {
			t.Fatalf("updated user: %v", a)
		}
		wantProps := map[string]any{"plan": "gold", "score": 4.5, "vip": true, "since": "2024-01-31", "phone": "+79161234567"}
		if !reflect.DeepEqual(a["props"], wantProps) || !reflect.DeepEqual(a["tags"], []any{"lead"}) {
			t.Fatalf("501 attributes: %v %v", a["props"], a["tags"])
		}
		b := userOf(t, c, bot.ID, 502)
		if b["username"] != "bob" || b["lastName"] != "Smith; Jr." || b["name"] != "Bob Smith; Jr." {
			t.Fatalf("502: %v", b)
		}
		wantProps = map[string]any{"plan": "silver", "score": float64(10), "vip": false, "since": "2024-02-01", "phone": "0044123", "note": "two\nlines"}
		if !reflect.DeepEqual(b["props"], wantProps) || !reflect.DeepEqual(b["tags"], []any{"beta", "lead"}) {
			t.Fatalf("502 attributes: %v %v", b["props"], b["tags"])
		}
		if b["lastSeenAt"] != "1970-01-01T00:00:00Z" {
			t.Fatalf("an imported user was seen: %v", b["lastSeenAt"])
		}
		// The later line of a duplicate wins.
		if d := userOf(t, c, bot.ID, 504); d["username"] != "dora2" || !reflect.DeepEqual(d["tags"], []any{"vip"}) || d["props"].(map[string]any)["score"] != float64(7) {
			t.Fatalf("504: %v", d)
		}
		c.Get(t, "/api/bots/"+bot.ID+"/users/503").Expect(t, http.StatusNotFound)

		// Stats: 3 users (Ann and two imported), 1 new start and 1 active (Ann).
		st := c.Get(t, "/api/bots/"+bot.ID+"/stats?days=7").Expect(t, http.StatusOK).Data(t)
		if st["totalUsers"] != float64(3) || st["newUsersLast7Days"] != float64(1) || st["activeUsersLast7Days"] != float64(1) {
			t.Fatalf("stats: %v", st)
		}
		// Search finds the imported by name.
		if l := c.Get(t, "/api/bots/"+bot.ID+"/users?q=dora").Expect(t, http.StatusOK).List(t); len(l) != 1 {
			t.Fatalf("search: %v", l)
		}

		// Again, with "," and as a multipart part: all updated, nothing duplicated.
		again := "user_id,first_name,tags\n501,Annie,\n502,Bob,vip\n504,Dora,\n"
		body, ct := multipartFile(t, "file", "users.csv", []byte(again))
		d = c.Do(t, http.MethodPost, "/api/bots/"+bot.ID+"/users/import", body, "Content-Type", ct).Expect(t, http.StatusOK).Data(t)
		if d["imported"] != float64(0) || d["updated"] != float64(3) || d["rejectedTotal"] != float64(0) || len(d["rejected"].([]any)) != 0 {
			t.Fatalf("second import: %v", d)
		}
		if st := c.Get(t, "/api/bots/"+bot.ID+"/stats?days=7").Data(t); st["totalUsers"] != float64(3) {
			t.Fatalf("total after re-import: %v", st["totalUsers"])
		}
		if res := c.Get(t, "/api/bots/"+bot.ID+"/users"); res.JSON(t)["pagination"].(map[string]any)["total"] != float64(3) {
			t.Fatalf("list after re-import: %s", res.Text())
		}
		if b := userOf(t, c, bot.ID, 502); !reflect.DeepEqual(b["tags"], []any{"beta", "lead", "vip"}) || b["lastName"] != "Smith; Jr." {
			t.Fatalf("502 after re-import: %v", b)
		}
		// The imported user talks to the bot: active now, still not a new start.
		carl := env.Telegram.AddUser(telegramtest.UserSpec{ID: 502, FirstName: "Bob"})
		say(t, env, bot, carl, "hello")
		st = c.Get(t, "/api/bots/"+bot.ID+"/stats?days=7").Data(t)
		if st["totalUsers"] != float64(3) || st["newUsersLast7Days"] != float64(1) || st["activeUsersLast7Days"] != float64(2) {
			t.Fatalf("stats after the imported user wrote: %v", st)
		}
	}, apptest.Webhooks())
}

// TestImportUsersCSVRefusals: ownership, unknown parameters, wrong types
// and unusable headers are refused before anything is written.
func TestImportUsersCSVRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "import-refuse@example.com")
		bot := env.ConnectBot(t, c, "import_refuse_bot")
		path := "/api/bots/" + bot.ID + "/users/import"
		eve := env.SignUp(t, "eve-import@example.com")
		eve.Do(t, http.MethodPost, path, "user_id\n1\n", "Content-Type", "text/csv").Expect(t, http.StatusNotFound)
		c.Do(t, http.MethodPost, "/api/bots/bot_nothing/users/import", "user_id\n1\n", "Content-Type", "text/csv").Expect(t, http.StatusNotFound)

		res := c.Do(t, http.MethodPost, path+"?dryRun=true", "user_id\n1\n", "Content-Type", "text/csv").Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorCode(t) != "unknown_field" || res.Fields(t)["dryRun"] == nil {
			t.Fatalf("unknown parameter: %s", res.Text())
		}
		c.Post(t, path, map[string]any{"zzUnknown": true}).Expect(t, http.StatusUnsupportedMediaType)
		res = importCSV(t, c, bot.ID, "username,first_name\nann,Ann\n").Expect(t, http.StatusUnprocessableEntity)
		if res.Fields(t)["user_id"] == nil {
			t.Fatalf("no user_id column: %s", res.Text())
		}
		res = importCSV(t, c, bot.ID, "user_id,Phone #,\n1,2,\n").Expect(t, http.StatusUnprocessableEntity)
		if f := res.Fields(t); f["columns[1]"] == nil || !strings.Contains(f["columns[1]"].(string), "Phone #") {
			t.Fatalf("bad property column: %s", res.Text())
		}
		importCSV(t, c, bot.ID, "user_id,user_id\n1,1\n").Expect(t, http.StatusUnprocessableEntity)
		importCSV(t, c, bot.ID, "").Expect(t, http.StatusUnprocessableEntity)
		body, ct := multipartFile(t, "other", "users.csv", []byte("user_id\n1\n"))
		c.Do(t, http.MethodPost, path, body, "Content-Type", ct).Expect(t, http.StatusBadRequest)
		if st := c.Get(t, "/api/bots/"+bot.ID+"/stats").Data(t); st["totalUsers"] != float64(0) {
			t.Fatalf("a refused import wrote users: %v", st)
		}
		// Broken quoting rejects its line, and the rest goes on; so does a
		// quoted field never closed, to the end of the file.
		d := importCSV(t, c, bot.ID, "user_id,name\n1,a\"b\n2,ok\n3,\"open\n4,x\n").Expect(t, http.StatusOK).Data(t)
		rej := d["rejected"].([]any)
		if d["imported"] != float64(1) || d["rejectedTotal"] != float64(2) || rej[0].(map[string]any)["line"] != float64(2) ||
			!strings.Contains(rej[0].(map[string]any)["error"].(string), "not valid CSV") || rej[1].(map[string]any)["line"] != float64(4) {
			t.Fatalf("broken quoting: %v", d)
		}
	})
}

// hideLength makes a body of unknown length (sent chunked).
type hideLength struct{ r io.Reader }

func (h hideLength) Read(p []byte) (int, error) { return h.r.Read(p) }

// TestImportUsersCSVLargeFile: a file over 10 MB (the upload limit of
// other routes), sent without a length, imports whole.
func TestImportUsersCSVLargeFile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "import-large@example.com")
		bot := env.ConnectBot(t, c, "import_large_bot")
		key := c.NewAPIKey(t, "import")
		var buf bytes.Buffer
		buf.WriteString("user_id,first_name,bio\n")
		bio := strings.Repeat("x", 480)
		n := 0
		for buf.Len() < 11<<20 {
			n++
			fmt.Fprintf(&buf, "%d,User %d,%s\n", 100000+n, n, bio)
		}
		req, err := http.NewRequest(http.MethodPost, env.URL("/api/bots/"+bot.ID+"/users/import"), hideLength{bytes.NewReader(buf.Bytes())})
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || req.ContentLength != 0 {
			t.Fatalf("large import: %d %s (length %d)", resp.StatusCode, out, req.ContentLength)
		}
		if want := fmt.Sprintf(`"imported":%d,"updated":0`, n); !strings.Contains(string(out), want) {
			t.Fatalf("large import of %d rows: %s", n, out)
		}
		if st := c.Get(t, "/api/bots/"+bot.ID+"/stats").Data(t); st["totalUsers"] != float64(n) {
			t.Fatalf("total: %v, want %d", st["totalUsers"], n)
		}
	})
}

// TestImportUsersPage: the dashboard stages a file, shows its first rows
// and a mapping, imports in the background with the mapping chosen and
// shows the outcome.
func TestImportUsersPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "import-page@example.com")
		bot := env.ConnectBot(t, c, "import_page_bot")
		c.Get(t, "/bots/"+bot.ID+"/users/import").Expect(t, http.StatusOK)

		file := "Telegram ID;Nick;Plan;Junk\n701;ann;gold;x\n702;bob;silver;y\nnope;z;;\n"
		body, ct := multipartFile(t, "file", "old.csv", []byte(file))
		res := c.Do(t, http.MethodPost, "/bots/"+bot.ID+"/user-imports", body, "Content-Type", ct).Expect(t, http.StatusSeeOther)
		page := res.Header.Get("Location")
		if !strings.HasPrefix(page, "/bots/"+bot.ID+"/user-imports/imp_") {
			t.Fatalf("staged at %q", page)
		}
		html := c.Get(t, page).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"old.csv", "semicolons", "Telegram ID", "silver", `Column “Nick”`, `value="telegram_id"`} {
			if !strings.Contains(html, want) {
				t.Fatalf("preview lacks %q", want)
			}
		}
		// Another account sees nothing.
		eve := env.SignUp(t, "eve-import-page@example.com")
		eve.Get(t, page).Expect(t, http.StatusNotFound)
		eve.Do(t, http.MethodPost, page+"/run", url.Values{"field": {"user_id"}}).Expect(t, http.StatusNotFound)

		// A mapping without user_id is refused with the form kept.
		bad := url.Values{"field": {"ignore", "username", "prop", "ignore"}, "prop": {"", "", "plan", ""}}
		html = c.Do(t, http.MethodPost, page+"/run", bad).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(html, "user_id") || !strings.Contains(html, "Telegram ID") {
			t.Fatalf("refused mapping: %s", html)
		}
		good := url.Values{"field": {"user_id", "username", "prop", "ignore"}, "prop": {"", "", "Tariff", ""}}
		c.Do(t, http.MethodPost, page+"/run", good).Expect(t, http.StatusSeeOther)
		apptest.Eventually(t, 30*time.Second, "the import finishes", func() bool {
			return strings.Contains(c.Get(t, page).Text(), "Import finished")
		})
		html = c.Get(t, page).Text()
		for _, want := range []string{"Rejected lines", "nope", "See the users"} {
			if !strings.Contains(html, want) {
				t.Fatalf("outcome lacks %q", want)
			}
		}
		if u := userOf(t, c, bot.ID, 702); u["username"] != "bob" || !reflect.DeepEqual(u["props"], map[string]any{"tariff": "silver"}) {
			t.Fatalf("702: %v", u)
		}
		if html := c.Get(t, "/bots/"+bot.ID+"/users/702").Expect(t, http.StatusOK).Text(); !strings.Contains(html, "never (imported)") {
			t.Fatalf("the user page of an imported user does not say they were never seen")
		}
		// Ran once: a second run is a conflict.
		c.Do(t, http.MethodPost, page+"/run", good).Expect(t, http.StatusConflict)
		if l := c.Get(t, "/bots/"+bot.ID+"/users").Text(); !strings.Contains(l, "@ann") || !strings.Contains(l, "never") {
			t.Fatalf("users list after the import lacks the imported")
		}
	})
}

// TestImportUsersPageAcrossInstances runs two Botdecks on one database:
// the file staged through A is previewed and run through B, A shows the
// progress and the outcome, and the import runs once whichever instance
// is asked again.
func TestImportUsersPageAcrossInstances(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d)
			b := apptest.Start(t, d, apptest.Config(func(c *config.Config) {
				c.DatabaseURL, c.SecretKeyFile = a.App.Config.DatabaseURL, a.App.Config.SecretKeyFile
			}))
			onA := a.SignUp(t, "import-two@example.com")
			bot := a.ConnectBot(t, onA, "import_two_bot")
			var cookies []string
			for _, c := range onA.Cookies() {
				cookies = append(cookies, c.Name+"="+c.Value)
			}
			onB := b.Client().WithHeader("Cookie", strings.Join(cookies, "; "))

			var file strings.Builder
			file.WriteString("user_id,first_name,plan\n")
			for i := 1; i <= 2500; i++ {
				fmt.Fprintf(&file, "%d,User %d,p%d\n", 900000+i, i, i%3)
			}
			body, ct := multipartFile(t, "file", "two.csv", []byte(file.String()))
			page := onA.Do(t, http.MethodPost, "/bots/"+bot.ID+"/user-imports", body, "Content-Type", ct).Expect(t, http.StatusSeeOther).Header.Get("Location")
			if html := onB.Get(t, page).Expect(t, http.StatusOK).Text(); !strings.Contains(html, "User 1") {
				t.Fatalf("preview on B lacks the first row")
			}
			mapping := url.Values{"field": {"user_id", "first_name", "prop"}, "prop": {"", "", "plan"}}
			onB.Do(t, http.MethodPost, page+"/run", mapping).Expect(t, http.StatusSeeOther)
			onA.Do(t, http.MethodPost, page+"/run", mapping).Expect(t, http.StatusConflict)
			apptest.Eventually(t, 60*time.Second, "A shows the import finished", func() bool {
				return strings.Contains(onA.Get(t, page).Text(), "Import finished")
			})
			if st := onA.Get(t, "/api/bots/"+bot.ID+"/stats").Data(t); st["totalUsers"] != float64(2500) {
				t.Fatalf("users after the import: %v", st["totalUsers"])
			}
			// The staged file is gone; the outcome stays.
			var chunks int
			if err := a.App.DB.NewSelect().Table("user_import_chunks").ColumnExpr("count(*)").Scan(context.Background(), &chunks); err != nil || chunks != 0 {
				t.Fatalf("chunks left: %d %v", chunks, err)
			}
		})
	}
}
