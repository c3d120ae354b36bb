package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
)

func TestRelayAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "relay-api@example.com")
		bot := env.ConnectBot(t, c, "relay_api_bot")
		path := "/api/bots/" + bot.ID + "/relay"

		off := c.Get(t, path).Expect(t, http.StatusOK).Data(t)
		if off["state"] != "off" || off["secret"] != "" || off["url"] != "" || !strings.HasSuffix(off["proxyBase"].(string), "/botapi") {
			t.Fatalf("a bot without a relay: %v", off)
		}
		c.Post(t, path+"/rotate-secret", nil).Expect(t, http.StatusNotFound)

		// Non-public targets are refused, a name resolving to loopback too.
		for _, u := range []string{"http://127.0.0.1:9000/hook", "http://10.1.2.3/", "http://169.254.169.254/latest",
			"http://[fd00::1]/", "http://localhost:8080/", "http://[::1]/"} {
			res := c.Put(t, path, map[string]any{"url": u, "enabled": true}).Expect(t, http.StatusUnprocessableEntity)
			if res.ErrorCode(t) != "url_not_allowed" || res.Fields(t)["url"] == nil {
				t.Fatalf("%s: %s", u, res.Text())
			}
		}
		res := c.Put(t, path, map[string]any{"url": "https://93.184.216.34/hook", "enabeld": true}).Expect(t, http.StatusUnprocessableEntity)
		if res.Fields(t)["enabeld"] == nil {
			t.Fatalf("an unknown field is named: %s", res.Text())
		}
		res = c.Put(t, path, map[string]any{"enabled": true}).Expect(t, http.StatusUnprocessableEntity)
		if res.Fields(t)["url"] == nil {
			t.Fatalf("enabled without a url: %s", res.Text())
		}
		c.Put(t, path, map[string]any{"url": "not a url", "enabled": false}).Expect(t, http.StatusUnprocessableEntity)

		on := c.Put(t, path, map[string]any{"url": "https://93.184.216.34/hook", "enabled": true}).Expect(t, http.StatusOK).Data(t)
		secret := on["secret"].(string)
		if on["state"] != "ok" || on["enabled"] != true || len(secret) < 32 || on["backlog"] != 0.0 {
			t.Fatalf("relay set: %v", on)
		}
		again := c.Get(t, path).Expect(t, http.StatusOK).Data(t)
		if again["secret"] != secret || again["url"] != "https://93.184.216.34/hook" {
			t.Fatalf("relay read back: %v", again)
		}
		rotated := c.Post(t, path+"/rotate-secret", nil).Expect(t, http.StatusOK).Data(t)
		if rotated["secret"] == secret || len(rotated["secret"].(string)) < 32 {
			t.Fatalf("rotate: %v", rotated)
		}
		c.Put(t, path, map[string]any{"url": "https://93.184.216.34/hook", "enabled": false}).Expect(t, http.StatusOK)
		if d := c.Get(t, path).Data(t); d["state"] != "off" || d["secret"] != rotated["secret"] {
			t.Fatalf("switched off: %v", d)
		}

		deliveries := c.Get(t, path+"/deliveries").Expect(t, http.StatusOK)
		if len(deliveries.List(t)) != 0 {
			t.Fatalf("no deliveries yet: %s", deliveries.Text())
		}
		c.Get(t, path+"/deliveries?status=bogus").Expect(t, http.StatusUnprocessableEntity)
		c.Get(t, path+"/deliveries?page=0").Expect(t, http.StatusUnprocessableEntity)

		// Another account sees none of it.
		other := env.SignUp(t, "other-relay@example.com")
		other.Get(t, path).Expect(t, http.StatusNotFound)
		other.Put(t, path, map[string]any{"url": "https://93.184.216.34/x", "enabled": true}).Expect(t, http.StatusNotFound)
		other.Post(t, path+"/rotate-secret", nil).Expect(t, http.StatusNotFound)
		other.Get(t, path+"/deliveries").Expect(t, http.StatusNotFound)
		if d := c.Get(t, path).Data(t); d["url"] != "https://93.184.216.34/hook" {
			t.Fatalf("another account changed the relay: %v", d)
		}
	})
}

func TestRelayAllowsPrivateTargetsWhenConfigured(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "lan@example.com")
		bot := env.ConnectBot(t, c, "lan_bot")
		c.Put(t, "/api/bots/"+bot.ID+"/relay", map[string]any{"url": "http://127.0.0.1:9000/hook", "enabled": true}).Expect(t, http.StatusOK)
	}, apptest.Config(func(c *config.Config) { c.RelayAllowPrivate = true }))
}
