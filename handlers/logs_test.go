package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// logMessages lists the messages of a log list response, in order.
func logMessages(t *testing.T, res *apptest.Response) []string {
	t.Helper()
	var out []string
	for _, x := range res.List(t) {
		out = append(out, x.(map[string]any)["message"].(string))
	}
	return out
}

func TestLogsFilterAndPaginate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "logs@example.com")
		bot := env.ConnectBot(t, c, "log_bot")
		other := env.ConnectBot(t, c, "quiet_bot")
		// 24 entries cycling through the sources, every third an error; all
		// with the same timestamp, so the order must come from the id.
		at := models.Now().Add(-time.Hour)
		var logs []*models.BotLog
		for i := 1; i <= 24; i++ {
			l := &models.BotLog{Level: models.LogInfo, Source: models.LogSources[(i-1)%len(models.LogSources)],
				Message: fmt.Sprintf("m%02d", i), Detail: "detail " + fmt.Sprint(i), CreatedAt: at}
			if i%3 == 0 {
				l.Level = models.LogError
			}
			logs = append(logs, l)
		}
		insLogs(t, env, bot.ID, logs...)
		insLogs(t, env, other.ID, insError("not this bot"))
		path := "/api/bots/" + bot.ID + "/logs"

		res := c.Get(t, path).Expect(t, http.StatusOK)
		got := logMessages(t, res)
		if len(got) != 20 || got[0] != "m24" || got[19] != "m05" {
			t.Fatalf("first page, newest first: %v", got)
		}
		first := res.List(t)[0].(map[string]any)
		if first["level"] != "error" || first["source"] != models.LogSources[23%len(models.LogSources)] || first["detail"] != "detail 24" ||
			first["createdAt"] != at.Format(time.RFC3339Nano) || first["id"] == nil {
			t.Errorf("entry shape: %v", first)
		}
		p := res.JSON(t)["pagination"].(map[string]any)
		if p["total"] != 24.0 || p["totalPages"] != 2.0 {
			t.Errorf("pagination: %v", p)
		}
		if got := logMessages(t, c.Get(t, path+"?page=2")); fmt.Sprint(got) != "[m04 m03 m02 m01]" {
			t.Errorf("page 2: %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?limit=5&page=3")); fmt.Sprint(got) != "[m14 m13 m12 m11 m10]" {
			t.Errorf("limit 5, page 3: %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?page=9")); len(got) != 0 {
			t.Errorf("past the end: %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?level=error")); len(got) != 8 || got[0] != "m24" || got[7] != "m03" {
			t.Errorf("level=error: %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?level=info")); len(got) != 16 {
			t.Errorf("level=info: %d entries", len(got))
		}
		// Sources cycle, so telegram wrote m01, m07, m13 and m19 (all info).
		if got := logMessages(t, c.Get(t, path+"?source=telegram")); fmt.Sprint(got) != "[m19 m13 m07 m01]" {
			t.Errorf("source=telegram: %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?source=ingest&level=error")); len(got) != 0 {
			t.Errorf("ingest errors (m02, m08, m14, m20 are info): %v", got)
		}
		if got := logMessages(t, c.Get(t, path+"?source=handler&level=error")); fmt.Sprint(got) != "[m21 m15 m09 m03]" {
			t.Errorf("handler errors: %v", got)
		}
		for _, s := range models.LogSources {
			c.Get(t, path+"?source="+s).Expect(t, http.StatusOK)
		}
		for _, q := range []string{"level=warn", "source=nope", "limit=0", "limit=101", "page=0"} {
			c.Get(t, path+"?"+q).Expect(t, http.StatusUnprocessableEntity)
		}
		c.Get(t, path+"?page=x").Expect(t, http.StatusBadRequest)

		// The page keeps the filters in the URL and in its links.
		page := c.Get(t, "/bots/"+bot.ID+"/logs?level=error&limit=5").Expect(t, http.StatusOK).Text()
		for _, want := range []string{"m24", "m12", `<option value="error" selected>`, "Page 1 of 2",
			`href="/bots/` + bot.ID + `/logs?level=error&amp;limit=5&amp;page=2"`, "data-confirm=", "Clear log", "Details", "detail 24"} {
			if !strings.Contains(page, want) {
				t.Errorf("log page lacks %q", want)
			}
		}
		if strings.Contains(page, "m23") || !currentLink(page, "Logs") {
			t.Error("the log page filters, and marks the Logs tab current")
		}
		frag := c.Get(t, "/bots/"+bot.ID+"/logs?source=telegram", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if strings.Contains(frag, "<html") || !strings.Contains(frag, `id="logs-panel"`) || !strings.Contains(frag, "m19") || strings.Contains(frag, "m20") {
			t.Error("htmx gets the filtered panel only")
		}
		none := c.Get(t, "/bots/"+bot.ID+"/logs?source=campaign&level=error").Expect(t, http.StatusOK).Text()
		if !strings.Contains(none, "No errors from Campaigns in the log.") || !strings.Contains(none, "Show all entries") {
			t.Error("a filter matching nothing says so and offers the whole log")
		}
		empty := c.Get(t, "/bots/"+env.ConnectBot(t, c, "new_bot").ID+"/logs").Expect(t, http.StatusOK).Text()
		if !strings.Contains(empty, "Nothing logged yet") || !strings.Contains(empty, "errors Telegram returns") || strings.Contains(empty, "Clear log") {
			t.Error("an empty log explains what will appear, with nothing to clear")
		}
	})
}

func TestLogsAreEscaped(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "xss@example.com")
		bot := env.ConnectBot(t, c, "xss_bot")
		insLogs(t, env, bot.ID, &models.BotLog{Level: models.LogError, Source: models.SourceHandler,
			Message: `<script>alert("m")</script>`, Detail: `<img src=x onerror=alert(1)>`})
		page := c.Get(t, "/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Text()
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;script&gt;alert(") {
			t.Fatal("log text must be escaped")
		}
	})
}

func TestClearLogs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "clear@example.com")
		bot := env.ConnectBot(t, c, "clear_bot")
		keep := env.ConnectBot(t, c, "keep_bot")
		insLogs(t, env, bot.ID, insInfo("one"), insError("two"), insError("three"))
		insLogs(t, env, keep.ID, insError("kept"))
		insDay(t, env, bot.ID, 0, models.BotDay{Errors: 2})

		// The browser form: a redirect back to the log with a flash.
		res := c.Post(t, "/bots/"+bot.ID+"/logs/clear", url.Values{}).Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/bots/"+bot.ID+"/logs" {
			t.Fatalf("after clearing, back to the log: %q", loc)
		}
		page := c.Get(t, "/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Cleared the log of @clear_bot (3 entries).") || !strings.Contains(page, "Nothing logged yet") {
			t.Error("the log page confirms the clear and is empty")
		}
		d := c.Get(t, "/api/bots/"+bot.ID+"/stats?days=1").Expect(t, http.StatusOK).Data(t)
		if insNum(t, d, "totalLogs") != 0 || insNum(t, d, "totalErrors") != 0 || insNum(t, insDaily(t, d)[0], "errors") != 2 {
			t.Errorf("clearing empties the log counts but keeps the daily error counts: %v", d)
		}
		if got := logMessages(t, c.Get(t, "/api/bots/"+keep.ID+"/logs")); fmt.Sprint(got) != "[kept]" {
			t.Errorf("other bots' logs are untouched: %v", got)
		}

		// The API twin answers how many went; clearing twice is fine.
		insLogs(t, env, bot.ID, insInfo("again"))
		if n := insNum(t, c.Delete(t, "/api/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Data(t), "deleted"); n != 1 {
			t.Errorf("deleted %d", n)
		}
		if n := insNum(t, c.Delete(t, "/api/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Data(t), "deleted"); n != 0 {
			t.Errorf("second clear deleted %d", n)
		}
		// Clearing is a state change: never on GET.
		c.Get(t, "/bots/"+bot.ID+"/logs/clear").Expect(t, http.StatusMethodNotAllowed)
	})
}
