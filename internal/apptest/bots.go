package apptest

import (
	"net/http"
	"testing"

	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// Bot is a bot registered with the fake Bot API and connected to Botdeck.
type Bot struct {
	ID   string // Botdeck's id
	Fake *telegramtest.FakeBot
}

// ConnectBot registers a new bot with the fake Bot API and connects it
// through the API as c.
func (e *Env) ConnectBot(t testing.TB, c *Client, username string) Bot {
	t.Helper()
	fb := e.Telegram.AddBot(telegramtest.BotSpec{Username: username, FirstName: "Bot " + username})
	d := c.Post(t, "/api/bots", map[string]string{"token": fb.Token}).Expect(t, http.StatusCreated).Data(t)
	return Bot{ID: d["id"].(string), Fake: fb}
}
