package handlers_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// navUnread reads the count the navigation's live part shows.
func navUnread(t *testing.T, c *apptest.Client) int {
	t.Helper()
	res := c.WithHeader("HX-Request", "true").Get(t, "/nav/unread").Expect(t, http.StatusOK)
	body := res.Text()
	_, after, ok := strings.Cut(body, `data-unread="`)
	if !ok || !strings.Contains(body, `id="nav-unread"`) || strings.Contains(body, "<html") {
		t.Fatalf("not the navigation's count: %s", body)
	}
	n, err := strconv.Atoi(after[:strings.IndexByte(after, '"')])
	if err != nil {
		t.Fatal(err)
	}
	if (n > 0) != strings.Contains(body, "unread messages") {
		t.Fatalf("count %d drawn as %s", n, body)
	}
	return n
}

// TestNavUnreadFollowsConversations: the navigation's count, drawn again
// by GET /nav/unread, is the account's unread messages across its bots:
// it rises as people write, falls as conversations are read, and never
// counts another account's.
func TestNavUnreadFollowsConversations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "nav@example.com")
		other := env.SignUp(t, "nav-other@example.com")
		one := env.ConnectBot(t, c, "nav_one_bot")
		two := env.ConnectBot(t, c, "nav_two_bot")
		theirs := env.ConnectBot(t, other, "nav_their_bot")
		if n := navUnread(t, c); n != 0 {
			t.Fatalf("a new account has %d unread", n)
		}
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7401, FirstName: "Ann"})
		bob := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7402, FirstName: "Bob"})
		say(t, env, one, ann, "hi")
		say(t, env, one, ann, "anyone?")
		say(t, env, two, bob, "hello")
		say(t, env, theirs, bob, "not yours")
		if n := navUnread(t, c); n != 3 {
			t.Fatalf("unread %d, want 3 (two bots)", n)
		}
		if n := navUnread(t, other); n != 1 {
			t.Fatalf("the other account's unread %d, want 1", n)
		}
		// Reading a conversation takes its messages off the count, as the page shows.
		c.Post(t, "/api/bots/"+one.ID+"/conversations/7401/read", nil).Expect(t, http.StatusOK)
		if n := navUnread(t, c); n != 1 {
			t.Fatalf("after reading Ann: %d, want 1", n)
		}
		if page := c.Get(t, "/bots").Expect(t, http.StatusOK).Text(); !strings.Contains(page, `id="nav-unread"`) || !strings.Contains(page, `data-unread="1"`) {
			t.Fatal("pages draw the same count in the navigation")
		}
		// Answering reads it too.
		c.Post(t, userPath(two, bob)+"/messages", map[string]any{"text": "hi Bob"}).Expect(t, http.StatusCreated)
		if n := navUnread(t, c); n != 0 {
			t.Fatalf("after answering Bob: %d, want 0", n)
		}
		env.Client().WithHeader("HX-Request", "true").Get(t, "/nav/unread").Expect(t, http.StatusUnauthorized)
	}, apptest.Webhooks(), apptest.Workers())
}

// withoutHeader is a page without its header (whose unread count refreshes
// itself on every page): the flashes and what the page shows.
func withoutHeader(page string) string {
	start, end := strings.Index(page, "<header"), strings.Index(page, "</header>")
	if start < 0 || end < start {
		return page
	}
	return page[:start] + page[end:]
}
