package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
)

// A save and a settings change on one instance are served by another
// sharing the database, although the other already holds the bot's
// compiled program, version and settings in memory (they are cached for a
// moment per instance: the lean /custom path reads none of them from the
// database on every request).
func TestCustomWebhookSavesReachOtherInstances(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d)
			b := apptest.Start(t, d, apptest.Config(func(c *config.Config) {
				c.DatabaseURL, c.SecretKeyFile = a.App.Config.DatabaseURL, a.App.Config.SecretKeyFile
			}))
			owner, bot := codeBot(t, a, "instances@example.com", "instances_bot",
				`logic.v = async () => ({ code: "one", env: env.GREETING ?? null });`)
			path := "/custom/" + bot.ID + "/v"
			read := func(env *apptest.Env) map[string]any {
				t.Helper()
				return envelope(t, call(t, env, http.MethodGet, path, "").Expect(t, http.StatusOK))["data"].(map[string]any)
			}
			// B compiles and caches version 1, with no settings.
			if got := read(b); got["code"] != "one" || got["env"] != nil {
				t.Fatalf("B before the save: %v", got)
			}
			owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{
				"source": `logic.v = async () => ({ code: "two", env: env.GREETING ?? null });`}).Expect(t, http.StatusOK)
			if got := read(a); got["code"] != "two" {
				t.Fatalf("A after its own save: %v", got)
			}
			apptest.Eventually(t, 30*time.Second, "B serves the version saved on A", func() bool { return read(b)["code"] == "two" })

			owner.Put(t, "/api/bots/"+bot.ID+"/settings/GREETING", map[string]any{"value": "hello"}).Expect(t, http.StatusOK)
			apptest.Eventually(t, 30*time.Second, "B reads the setting saved on A", func() bool { return read(b)["env"] == "hello" })
			if got := read(a); got["env"] != "hello" {
				t.Fatalf("A after its own setting: %v", got)
			}
		})
	}
}
