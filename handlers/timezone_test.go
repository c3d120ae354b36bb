package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

func TestMemberTimeZone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "tz@example.com")
		if tz := c.Get(t, "/api/me").Expect(t, http.StatusOK).Data(t)["timeZone"]; tz != "" {
			t.Fatalf("unknown until the browser reports it: %v", tz)
		}
		if !strings.Contains(c.Get(t, "/bots").Text(), `data-time-zone=""`) {
			t.Fatal("pages tell the script the zone is not known yet")
		}
		d := c.Patch(t, "/api/me", map[string]any{"timeZone": " Europe/Berlin "}).Expect(t, http.StatusOK).Data(t)
		if d["timeZone"] != "Europe/Berlin" {
			t.Fatalf("saved: %v", d)
		}
		if !strings.Contains(c.Get(t, "/bots").Text(), `data-time-zone="Europe/Berlin"`) {
			t.Fatal("pages carry the member's zone")
		}
		for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd", strings.Repeat("A", 65)} {
			res := c.Patch(t, "/api/me", map[string]any{"timeZone": bad}).Expect(t, http.StatusUnprocessableEntity)
			if res.Fields(t)["timeZone"] == nil {
				t.Errorf("%q: the field is named: %s", bad, res.Body)
			}
		}
		// The form keeps what was typed and says what is wrong.
		page := c.Post(t, "/account", url.Values{"name": {"Tz"}, "email": {"tz@example.com"}, "timeZone": {"Mars/Olympus"}}).
			Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(page, `value="Mars/Olympus"`) || !strings.Contains(page, "Time zone is not a known time zone") {
			t.Fatal("the account form re-renders with the input and the message")
		}
		// "" goes back to UTC; the zone is never shown to signed-out visitors.
		c.Patch(t, "/api/me", map[string]any{"timeZone": ""}).Expect(t, http.StatusOK)
		if strings.Contains(env.Client().Get(t, "/login").Text(), "data-time-zone") {
			t.Fatal("signed-out pages carry no zone")
		}
	})
}
