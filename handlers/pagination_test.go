package handlers_test

import (
	"net/http"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

// Every list takes page and limit and answers its pagination, the short
// lists read whole included; out-of-range values and unknown parameters
// are a 422, never ignored.
func TestEveryListTakesPageAndLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "paged_bot")
		settings := "/api/bots/" + bot.ID + "/settings"
		for _, name := range []string{"A", "B", "C"} {
			owner.Put(t, settings+"/"+name, map[string]any{"value": name}).Expect(t, http.StatusOK)
		}
		ws := owner.Get(t, "/api/workspaces").Expect(t, http.StatusOK).JSON(t)["data"].([]any)[0].(map[string]any)["id"].(string)

		for _, path := range []string{"/api/audit", "/api/api-keys", "/api/workspaces", "/api/workspaces/" + ws + "/members",
			"/api/workspaces/" + ws + "/invites", "/api/bots/" + bot.ID + "/replies", "/api/bots/" + bot.ID + "/chats",
			"/api/bots/" + bot.ID + "/sources", settings, "/api/bots", "/api/campaigns", "/api/notifications",
			"/api/bots/" + bot.ID + "/broadcasts", "/api/bots/" + bot.ID + "/code/versions", "/api/bots/" + bot.ID + "/conversations",
			"/api/bots/" + bot.ID + "/logs", "/api/bots/" + bot.ID + "/segments", "/api/bots/" + bot.ID + "/tags",
			"/api/bots/" + bot.ID + "/users", "/api/bots/" + bot.ID + "/relay/deliveries"} {
			body := owner.Get(t, path+"?page=1&limit=1").Expect(t, http.StatusOK).JSON(t)
			p, ok := body["pagination"].(map[string]any)
			if !ok || p["page"] != 1.0 || p["limit"] != 1.0 || len(body["data"].([]any)) > 1 {
				t.Errorf("%s: %v", path, body)
			}
			owner.Get(t, path+"?limit=101").Expect(t, http.StatusUnprocessableEntity)
			owner.Get(t, path+"?page=0").Expect(t, http.StatusUnprocessableEntity)
			if e := owner.Get(t, path+"?pgae=1").Expect(t, http.StatusUnprocessableEntity).JSON(t)["error"].(map[string]any); e["code"] != "unknown_field" {
				t.Errorf("%s with a misspelt parameter: %v", path, e)
			}
		}

		// The pages of a list read whole: three settings, two per page.
		want := []struct {
			page  string
			names []string
		}{{"1", []string{"A", "B"}}, {"2", []string{"C"}}, {"3", nil}}
		for _, w := range want {
			body := owner.Get(t, settings+"?limit=2&page="+w.page).Expect(t, http.StatusOK).JSON(t)
			var names []string
			for _, s := range body["data"].([]any) {
				names = append(names, s.(map[string]any)["name"].(string))
			}
			p := body["pagination"].(map[string]any)
			if len(names) != len(w.names) || (len(names) > 0 && names[0] != w.names[0]) || p["total"] != 3.0 || p["totalPages"] != 2.0 {
				t.Errorf("page %s: %v %v", w.page, names, p)
			}
		}
	})
}
