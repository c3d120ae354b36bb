package contract

import (
	"github.com/botdeck/botdeck/models"
)

// ChatJSON is the API shape of an admin chat.
// CanInviteUsers says whether the bot may create invite links there (a
// campaign needs it); TrackedBy is the active campaign already tracking
// the chat, or null. A new campaign can use the chat only when it can
// invite and nothing tracks it.
type ChatJSON struct {
	ChatID         int64             `json:"chatId"`
	Title          string            `json:"title"`
	Type           string            `json:"type"`
	Username       string            `json:"username"`
	CanInviteUsers bool              `json:"canInviteUsers"`
	TrackedBy      *ChatCampaignJSON `json:"trackedBy"`
}

// ChatCampaignJSON names the campaign tracking a chat.
type ChatCampaignJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ChatOf is the API shape of c.
func ChatOf(c *models.BotChat) ChatJSON {
	out := ChatJSON{ChatID: c.ChatID, Title: c.Title, Type: c.Type, Username: c.Username, CanInviteUsers: c.CanInviteUsers}
	if c.CampaignID != "" {
		out.TrackedBy = &ChatCampaignJSON{ID: c.CampaignID, Name: c.CampaignName}
	}
	return out
}
