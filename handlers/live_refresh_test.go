package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestLiveRefresh: the dashboard counters and the first page of a bot's log
// refresh themselves (the page script polls them while the tab is
// visible); what they fetch is the same page, answering htmx with the part
// that changed.
func TestLiveRefresh(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "live@example.com")
		bot := env.ConnectBot(t, c, "live_bot")

		home := c.Get(t, "/?days=7").Expect(t, http.StatusOK).Text()
		if !strings.Contains(home, `id="home-counters" data-live hx-disinherit="*" hx-get="/?days=7"`) {
			t.Fatalf("the counters do not refresh themselves: %s", home)
		}
		before := c.Get(t, "/?days=7", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		seedBotUsers(t, env, bot.ID, audience(models.Now())...)
		after := c.Get(t, "/?days=7", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(after, `id="home-counters"`) || strings.Contains(after, "<html") || before == after {
			t.Errorf("the refresh does not bring the new numbers")
		}

		base := "/bots/" + bot.ID + "/logs"
		page := c.Get(t, base+"?level=error").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `id="logs-entries" data-live hx-disinherit="*" hx-get="`+base+`?level=error"`) {
			t.Fatalf("the log's first page does not refresh itself (with its filter): %s", page)
		}
		insLogs(t, env, bot.ID, insError("fresh failure"))
		frag := c.Get(t, base+"?level=error", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, `id="logs-entries"`) || !strings.Contains(frag, "fresh failure") {
			t.Errorf("the refresh does not bring the new entry: %s", frag)
		}
		var many []*models.BotLog
		for range 25 {
			many = append(many, insError("old"))
		}
		insLogs(t, env, bot.ID, many...)
		if strings.Contains(withoutHeader(c.Get(t, base+"?page=2").Text()), "data-live") {
			t.Error("a later page of the log moves under its reader")
		}

		// Another account's log is not there to poll.
		env.SignUp(t, "other-live@example.com").Get(t, base).Expect(t, http.StatusNotFound)
	})
}
