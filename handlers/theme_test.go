package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

func TestThemeMenu(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		res := c.Post(t, "/theme", url.Values{"theme": {"dark"}, "next": {"/login"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/login" {
			t.Fatalf("back to the page it came from: %q", res.Header.Get("Location"))
		}
		cookie := res.Header.Get("Set-Cookie")
		if !strings.Contains(cookie, "botdeck_theme=dark") || !strings.Contains(cookie, "HttpOnly") {
			t.Fatalf("the choice is remembered: %q", cookie)
		}
		page := c.Get(t, "/login", "Cookie", "botdeck_theme=dark").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `<html lang="en" class="h-full bg-slate-50 dark">`) {
			t.Fatal("the page is drawn dark from the first byte")
		}
		if strings.Contains(c.Get(t, "/login", "Cookie", "botdeck_theme=<b>").Text(), "<b>") {
			t.Fatal("an unknown cookie value is ignored, never echoed")
		}

		// "Same as system" forgets the choice; another site is never a target.
		res = c.Post(t, "/theme", url.Values{"theme": {"system"}, "next": {"//evil.example/x"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/" || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("system: %q %q", res.Header.Get("Location"), res.Header.Get("Set-Cookie"))
		}
		c.Post(t, "/theme", url.Values{"theme": {"sepia"}}).Expect(t, http.StatusUnprocessableEntity)
		c.Get(t, "/theme").Expect(t, http.StatusMethodNotAllowed)
	})
}
