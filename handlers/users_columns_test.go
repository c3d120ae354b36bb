package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestUsersColumnsRemembered: the users page opened without cols= shows
// the columns its member last chose for that bot (each member their own),
// kept by the picker's POST (never by a GET); cols= in the URL wins; an
// empty choice forgets it; the API answers only what its URL asks.
func TestUsersColumnsRemembered(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "cols-owner@example.com")
		bot := env.ConnectBot(t, owner, "cols_mem_bot")
		other := env.ConnectBot(t, owner, "cols_other_bot")
		seedBotUsers(t, env, bot.ID, models.BotUser{UserID: 1, FirstName: "Ann", StartedAt: models.Now()})
		owner.Patch(t, "/api/bots/"+bot.ID+"/users/1", map[string]any{"props": map[string]any{"plan": "gold", "city": "Oslo"}}).Expect(t, http.StatusOK)
		editor, _ := join(t, env, owner, workspaceOf(t, owner), models.RoleEditor, "cols-editor@example.com")
		page := "/bots/" + bot.ID + "/users"
		th := func(c string) string { return `<th scope="col" class="px-4 py-2.5 font-medium">` + c + `</th>` }
		shows := func(t *testing.T, c *apptest.Client, path string, want, not []string) {
			t.Helper()
			html := c.Get(t, path).Expect(t, http.StatusOK).Text()
			for _, w := range want {
				if !strings.Contains(html, th(w)) {
					t.Errorf("%s lacks column %s", path, w)
				}
			}
			for _, n := range not {
				if strings.Contains(html, th(n)) {
					t.Errorf("%s shows column %s", path, n)
				}
			}
		}

		choose := func(t *testing.T, c *apptest.Client, botID string, cols ...string) *apptest.Response {
			t.Helper()
			return c.Post(t, "/bots/"+botID+"/users/columns", url.Values{"cols": append([]string{""}, cols...)}, "HX-Request", "true")
		}

		shows(t, owner, page, nil, []string{"plan", "city"})
		// Looking with cols= changes nothing (a GET never does); the URL wins.
		shows(t, owner, page+"?cols=plan", []string{"plan"}, []string{"city"})
		shows(t, owner, page, nil, []string{"plan", "city"})
		choose(t, owner, bot.ID, "plan").Expect(t, http.StatusOK)
		choose(t, editor, bot.ID, "city").Expect(t, http.StatusOK)
		// Each member gets their own choice back; another bot has none.
		shows(t, owner, page, []string{"plan"}, []string{"city"})
		shows(t, editor, page, []string{"city"}, []string{"plan"})
		shows(t, owner, "/bots/"+other.ID+"/users", nil, []string{"plan", "city"})
		shows(t, owner, page+"?cols=city", []string{"city"}, []string{"plan"})
		choose(t, owner, bot.ID, "city", "plan").Expect(t, http.StatusOK)
		shows(t, owner, page+"?sort=started", []string{"city", "plan"}, nil)
		// The picker sends an empty cols when every box is unchecked: none.
		choose(t, owner, bot.ID).Expect(t, http.StatusOK)
		shows(t, owner, page, nil, []string{"plan", "city"})
		shows(t, editor, page, []string{"city"}, []string{"plan"})
		if html := owner.Get(t, page).Text(); !strings.Contains(html, `<input type="hidden" name="cols" value="">`) ||
			!strings.Contains(html, `data-columns-url="/bots/`+bot.ID+`/users/columns"`) {
			t.Error("the column picker posts cols, even with nothing checked")
		}
		// A plain form post goes back to the list; bad names are refused.
		if loc := owner.Post(t, "/bots/"+bot.ID+"/users/columns", url.Values{"cols": {"plan"}}).Expect(t, http.StatusSeeOther).Header.Get("Location"); loc != page+"?cols=plan" {
			t.Errorf("after a form post: %q", loc)
		}
		choose(t, owner, bot.ID, "Not a name!").Expect(t, http.StatusUnprocessableEntity)
		// A GET of the columns route changes nothing and is not a page.
		if code := owner.Get(t, "/bots/"+bot.ID+"/users/columns").StatusCode; code == http.StatusOK {
			t.Errorf("GET columns: %d", code)
		}
		choose(t, editor, bot.ID, "plan").Expect(t, http.StatusOK)

		// The API answers what its URL asks, whatever the page remembers.
		if _, ok := editor.Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusOK).List(t)[0].(map[string]any)["props"]; ok {
			t.Fatal("the API shows remembered columns")
		}
		// Another workspace's bot: 404, and nothing remembered for it.
		eve := env.SignUp(t, "cols-eve@example.com")
		choose(t, eve, bot.ID, "plan").Expect(t, http.StatusNotFound)
		got, err := models.UserColumns(t.Context(), env.App.DB, eve.User(t).ID, bot.ID)
		if err != nil || got != nil {
			t.Fatalf("remembered for a bot not theirs: %v %v", got, err)
		}
		got, _ = models.UserColumns(t.Context(), env.App.DB, editor.User(t).ID, bot.ID)
		if !reflect.DeepEqual(got, []string{"plan"}) {
			t.Fatalf("editor's choice: %v", got)
		}
	})
}
