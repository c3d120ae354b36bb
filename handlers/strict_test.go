package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestEveryAPIRouteRefusesUnknownInput walks the router: every /api route
// answers a request carrying a member or parameter it does not declare
// with 422 unknown_field naming it, before doing anything (so a client
// sending `scheduledAt` to a Botdeck without schedules gets no broadcast).
// Routes added later are walked without a test change.
func TestEveryAPIRouteRefusesUnknownInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		seedAudience(t, env, w.bot.ID, 2, models.Now())
		campaignID := w.create(t, "Strict", false)["id"].(string)
		bcID := w.owner.Post(t, "/api/bots/"+w.bot.ID+"/broadcasts", map[string]any{"text": "hi"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		keyID := w.owner.Post(t, "/api/api-keys", map[string]any{"name": "k"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		segID := w.owner.Post(t, "/api/bots/"+w.bot.ID+"/segments", map[string]any{"name": "s"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		wsID := w.owner.Get(t, "/api/workspaces").Expect(t, http.StatusOK).List(t)[0].(map[string]any)["id"].(string)
		ids := map[string]string{"/api/bots/": w.bot.ID, "/api/campaigns/": campaignID, "/api/broadcasts/": bcID, "/api/api-keys/": keyID,
			"/api/segments/": segID, "/api/workspaces/": wsID}
		walked := 0
		for _, r := range env.App.Router.Routes() {
			if !r.API || r.Method == "" || notWalkedForStrictness[r.Method+" "+r.Path] {
				continue
			}
			path, subID := fillPath(r.Path, ids)
			var res *apptest.Response
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodDelete:
				res = w.owner.Do(t, r.Method, path+"?zzUnknown=1", nil)
			default:
				res = w.owner.Do(t, r.Method, path, map[string]any{"zzUnknown": true})
			}
			walked++
			if subID && res.StatusCode == http.StatusNotFound {
				continue // a made-up sub-object: ownership is checked before the body is read
			}
			if res.StatusCode != http.StatusUnprocessableEntity || res.ErrorCode(t) != "unknown_field" || res.Fields(t)["zzUnknown"] == nil {
				t.Errorf("%s %s with an unknown member: %d %s, want 422 unknown_field naming it "+
					"(bind a request struct, or call h.bind.None(r) in a handler that takes no input)", r.Method, path, res.StatusCode, truncateText(res.Text()))
			}
		}
		if walked < 30 {
			t.Errorf("walked %d API routes", walked)
		}
		// Nothing happened: the session is alive, the broadcast still queued, the bot running.
		if d := w.owner.Get(t, "/api/broadcasts/"+bcID).Expect(t, http.StatusOK).Data(t); d["status"] != "queued" {
			t.Errorf("broadcast after the walk: %v", d["status"])
		}
		if d := w.owner.Get(t, "/api/bots/"+w.bot.ID).Expect(t, http.StatusOK).Data(t); d["status"] == "stopped" || d["status"] == "deleted" {
			t.Errorf("bot after the walk: %v", d["status"])
		}
	}, apptest.Webhooks())
}

// notWalkedForStrictness are the /api routes this walk leaves out, each
// with its reason.
var notWalkedForStrictness = map[string]bool{
	"GET /api/openapi.json": true, // a static document, not an action
	"GET /api/events":       true, // the stream checks its parameters itself (events_test.go)
	"POST /api/uploads":     true, // multipart only: a JSON body is a 415 (replies_test.go covers its fields)
	// CSV or multipart only: a JSON body is a 415; users_import_test.go checks unknown parameters.
	"POST /api/bots/{id}/users/import": true,
}

// fillPath puts the owned id for the path's prefix in its first parameter
// and a made-up id in any later one (subID reports that).
func fillPath(pattern string, ids map[string]string) (path string, subID bool) {
	path = pattern
	first := true
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		value := "nothing"
		if first {
			for prefix, id := range ids {
				if strings.HasPrefix(pattern, prefix) {
					value = id
				}
			}
		} else {
			subID = true
		}
		if strings.HasSuffix(path[i:j], "...") {
			value = "anything"
		}
		path = path[:i] + value + path[j+1:]
		first = false
	}
	return path, subID
}

func truncateText(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestNULIsRefusedInInputAndStrippedFromTelegram: a NUL (or invalid UTF-8)
// in a search, a name or a text is a 422 naming the field, never a 500;
// a Telegram update carrying one is stored and processed without it.
func TestNULIsRefusedInInputAndStrippedFromTelegram(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "nul@example.com")
		bot := env.ConnectBot(t, owner, "nul_bot")
		_, secret, err := env.Telegram.WebhookInfo(bot.Fake.Token)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ method, path, field string }{
			{"GET", "/api/bots/" + bot.ID + "/users?q=%00", "q"},
			{"GET", "/api/bots?q=a%00b", "q"},
			{"GET", "/api/campaigns?q=%FF", "q"},
		} {
			res := owner.Do(t, c.method, c.path, nil).Expect(t, http.StatusUnprocessableEntity)
			if res.ErrorCode(t) != "invalid_text" || res.Fields(t)[c.field] == nil {
				t.Errorf("%s %s: %s", c.method, c.path, res.Text())
			}
		}
		for path, body := range map[string]string{
			"/api/bots/" + bot.ID + "/broadcasts": `{"text":"hi\u0000there"}`,
			"/api/bots/" + bot.ID + "/code/test":  `{"path":"/x","body":{"message":{"text":"\u0000"}}}`,
		} {
			res := owner.Do(t, http.MethodPost, path, body, "Content-Type", "application/json").Expect(t, http.StatusUnprocessableEntity)
			if res.ErrorCode(t) != "invalid_text" {
				t.Errorf("POST %s: %s", path, res.Text())
			}
		}
		res := owner.Do(t, http.MethodPatch, "/api/bots/"+bot.ID, "{\"description\":\"caf\xff\"}", "Content-Type", "application/json").Expect(t, http.StatusUnprocessableEntity)
		if res.Fields(t)["description"] != "must be valid UTF-8 text" {
			t.Errorf("invalid UTF-8: %s", res.Text())
		}

		update := `{"update_id":7001,"message":{"message_id":1,"date":1763700000,"text":"hi\u0000",` +
			`"from":{"id":4242,"is_bot":false,"first_name":"A\u0000nn","username":"ann\u0000"},` +
			`"chat":{"id":4242,"type":"private","first_name":"A\u0000nn"}}}`
		if code := postUpdate(t, env, bot.ID, secret, update); code != http.StatusOK {
			t.Fatalf("update with NUL: %d", code)
		}
		env.Process(t)
		u := botUser(t, env, bot.ID, 4242)
		if u == nil || u.FirstName != "Ann" || u.Username != "ann" {
			t.Fatalf("user from an update with NUL: %+v", u)
		}
	}, apptest.Webhooks())
}
