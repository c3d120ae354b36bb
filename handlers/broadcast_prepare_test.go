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

// Through the API and the page: a broadcast to a large audience (here any:
// PrepareAbove = -1) answers 201 at once as preparing with total 0, its
// page says it is preparing its audience, and once the scheduler's job has
// frozen it, it is queued with its total.
func TestBroadcastPreparingAudience(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.App.Broadcasts.PrepareAbove = -1
		c := env.SignUp(t, "prepare@example.com")
		bot := env.ConnectBot(t, c, "prepare_bot")
		users := make([]models.BotUser, 5)
		for i := range users {
			users[i] = models.BotUser{UserID: int64(2001 + i), FirstName: fmt.Sprint("P", i), StartedAt: models.Now(), LastSeenAt: models.Now()}
		}
		seedBotUsers(t, env, bot.ID, users...)
		bc := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "big news", "audience": "all"}).
			Expect(t, http.StatusCreated).Data(t)
		if bc["status"] != "preparing" || bc["total"] != 0.0 {
			t.Fatalf("created: %v", bc)
		}
		id := bc["id"].(string)
		page := c.Get(t, "/broadcasts/"+id).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Preparing audience…") {
			t.Fatalf("the page does not say it is preparing:\n%s", page)
		}
		if _, err := env.App.Broadcasts.PrepareDue(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		got := c.Get(t, "/api/broadcasts/"+id).Expect(t, http.StatusOK).Data(t)
		if got["status"] == "preparing" || got["total"] != 5.0 {
			t.Fatalf("after the freeze: %v", got)
		}
	})
}
