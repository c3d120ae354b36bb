package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

func TestBotSettings(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner, bot := codeBot(t, env, "owner@example.com", "settings_bot", `logic['env'] = () => {
  console.log('token is ' + env.TOKEN);
  return { url: env.API_URL, token: env.TOKEN, keys: Object.keys(env), frozen: Object.isFrozen(env) };
};
logic['leak'] = () => { throw new Error('bad token ' + env.TOKEN); };
bot.command('env', (ctx) => ctx.reply(ctx.env.API_URL + ' ' + env.TOKEN));`)
		api := "/api/bots/" + bot.ID + "/settings"

		if got := owner.Get(t, api).Expect(t, http.StatusOK).Text(); !strings.Contains(got, `"data":[]`) {
			t.Fatalf("no settings yet: %v", got)
		}
		d := owner.Put(t, api+"/API_URL", map[string]any{"value": "https://api.example"}).Expect(t, http.StatusOK).Data(t)
		if d["name"] != "API_URL" || d["value"] != "https://api.example" || d["secret"] != false {
			t.Fatalf("put: %v", d)
		}
		d = owner.Put(t, api+"/TOKEN", map[string]any{"value": "s3cr3t-value", "secret": true}).Expect(t, http.StatusOK).Data(t)
		if d["value"] != nil || d["secret"] != true {
			t.Fatalf("secret echoed: %v", d)
		}
		list := owner.Get(t, api).Expect(t, http.StatusOK)
		if strings.Contains(list.Text(), "s3cr3t") {
			t.Fatalf("list shows the secret: %s", list.Body)
		}
		if page := owner.Get(t, "/bots/"+bot.ID+"/settings").Expect(t, http.StatusOK).Text(); strings.Contains(page, "s3cr3t") || !strings.Contains(page, "secret (hidden)") {
			t.Fatalf("page: %s", page)
		}

		// Code reads them as env; the webhook answers what the code returns.
		res := call(t, env, "GET", "/custom/"+bot.ID+"/env", "").Expect(t, http.StatusOK)
		data := envelope(t, res)["data"].(map[string]any)
		if data["url"] != "https://api.example" || data["token"] != "s3cr3t-value" || data["frozen"] != true ||
			!reflect.DeepEqual(data["keys"], []any{"API_URL", "TOKEN"}) {
			t.Fatalf("env: %v", data)
		}
		// The secret never reaches the log, nor the test panel.
		call(t, env, "GET", "/custom/"+bot.ID+"/leak", "").Expect(t, http.StatusInternalServerError)
		logs := owner.Get(t, "/api/bots/"+bot.ID+"/logs").Expect(t, http.StatusOK).Text()
		if strings.Contains(logs, "s3cr3t") || !strings.Contains(logs, "[secret TOKEN]") {
			t.Fatalf("logs: %s", logs)
		}
		test := owner.Post(t, "/api/bots/"+bot.ID+"/code/test", map[string]any{"path": "env"}).Expect(t, http.StatusOK).Text()
		if strings.Contains(test, "s3cr3t") {
			t.Fatalf("test panel: %s", test)
		}
		sim := owner.Post(t, "/api/bots/"+bot.ID+"/code/test", map[string]any{"update": map[string]any{"update_id": 1,
			"message": map[string]any{"message_id": 1, "date": 1, "text": "/env", "chat": map[string]any{"id": 1, "type": "private"}, "from": map[string]any{"id": 1, "first_name": "A"}}}}).Expect(t, http.StatusOK).Text()
		if strings.Contains(sim, "s3cr3t") || !strings.Contains(sim, "https://api.example [secret TOKEN]") {
			t.Fatalf("simulation: %s", sim)
		}

		// Keeping a secret: an empty value for an existing secret keeps it (the form never fills it in).
		owner.Post(t, "/bots/"+bot.ID+"/settings", url.Values{"name": {"TOKEN"}, "value": {""}, "secret": {"true"}}).Expect(t, http.StatusSeeOther)
		data = envelope(t, call(t, env, "GET", "/custom/"+bot.ID+"/env", "").Expect(t, http.StatusOK))["data"].(map[string]any)
		if data["token"] != "s3cr3t-value" {
			t.Fatalf("secret kept: %v", data)
		}
		// Made public again, it has the value given.
		owner.Put(t, api+"/TOKEN", map[string]any{"value": "plain"}).Expect(t, http.StatusOK)
		data = envelope(t, call(t, env, "GET", "/custom/"+bot.ID+"/env", "").Expect(t, http.StatusOK))["data"].(map[string]any)
		if data["token"] != "plain" {
			t.Fatalf("after a change: %v", data)
		}

		// Bad input.
		for _, c := range []struct {
			name string
			body map[string]any
			code string
		}{
			{"1ABC", map[string]any{"value": "x"}, "validation_failed"},
			{"has-dash", map[string]any{"value": "x"}, "validation_failed"},
			{"OK", map[string]any{}, "validation_failed"},
			{"OK", map[string]any{"value": strings.Repeat("x", 4097)}, "validation_failed"},
			{"OK", map[string]any{"value": "a\x00b"}, "invalid_text"},
		} {
			res := owner.Put(t, api+"/"+c.name, c.body).Expect(t, http.StatusUnprocessableEntity)
			if res.ErrorCode(t) != c.code {
				t.Errorf("%s %v: %s", c.name, c.body, res.Body)
			}
		}
		owner.Delete(t, api+"/API_URL").Expect(t, http.StatusOK)
		owner.Delete(t, api+"/API_URL").Expect(t, http.StatusNotFound)

		// Another account's bot is a 404.
		other := env.SignUp(t, "other@example.com")
		other.Get(t, api).Expect(t, http.StatusNotFound)
		other.Put(t, api+"/X", map[string]any{"value": "x"}).Expect(t, http.StatusNotFound)
		other.Delete(t, api+"/TOKEN").Expect(t, http.StatusNotFound)
	})
}
