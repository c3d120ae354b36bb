package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestUnreadableUpdatesAreLoggedOncePerKind: an update of a known kind
// that does not match the Bot API types is kept as malformed_<kind>, and
// the bot's log says so the first time per kind, not for every update.
func TestUnreadableUpdatesAreLoggedOncePerKind(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, secret := webhookBot(t, env, "malformed_bot")
		post := func(id int, kind string) {
			t.Helper()
			body := fmt.Sprintf(`{"update_id":%d,%q:{"message_id":"not a number","date":1763700000}}`, id, kind)
			if code := postUpdate(t, env, bot.ID, secret, body); code != http.StatusOK {
				t.Fatalf("update %d: %d", id, code)
			}
		}
		post(1, "message")
		post(2, "message")
		env.Process(t)
		post(3, "message")
		post(4, "edited_message")
		env.Process(t)

		logs, total, err := models.ListLogs(context.Background(), env.App.DB, bot.ID, models.LogFilter{Source: models.SourceIngest}, models.Window{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 {
			t.Fatalf("%d ingest log entries, want one per kind: %+v", total, logs)
		}
		var kinds []string
		for _, l := range logs {
			if l.Level != models.LogError || l.Detail == "" {
				t.Errorf("entry: %+v", l)
			}
			for _, k := range []string{"malformed_message", "malformed_edited_message"} {
				if strings.Contains(l.Message, k) {
					kinds = append(kinds, k)
				}
			}
		}
		if len(kinds) != 2 || kinds[0] == kinds[1] {
			t.Errorf("kinds logged: %v (%+v)", kinds, logs)
		}
	}, apptest.Webhooks())
}
