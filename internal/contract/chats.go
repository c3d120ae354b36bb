package contract

import (
	"github.com/botdeck/botdeck/models"
)

// ChatJSON is the API shape of an admin chat.
type ChatJSON struct {
	ChatID   int64  `json:"chatId"`
	Title    string `json:"title"`
	Type     string `json:"type"`
	Username string `json:"username"`
}

// ChatOf is the API shape of c.
func ChatOf(c *models.BotChat) ChatJSON {
	return ChatJSON{ChatID: c.ChatID, Title: c.Title, Type: c.Type, Username: c.Username}
}
