package views

import (
	"strconv"

	"github.com/botdeck/botdeck/models"
)

// ChatsVM is the view model of a bot's admin-chat picker.
type ChatsVM struct {
	Bot      *models.Bot
	Chats    []models.BotChat
	Selected int64 // the chat checked, when a form is shown again
}

// NonePickable reports whether the bot administers chats but a new
// campaign can use none of them.
func (vm ChatsVM) NonePickable() bool {
	for i := range vm.Chats {
		if vm.Chats[i].Pickable() {
			return false
		}
	}
	return len(vm.Chats) > 0
}

// ChatTypeLabel names a chat type for people.
func ChatTypeLabel(t string) string {
	switch t {
	case "group":
		return "Group"
	case "supergroup":
		return "Supergroup"
	case "channel":
		return "Channel"
	}
	return t
}

// chatInputID is the id of a chat's radio input.
func chatInputID(c models.BotChat) string { return "chat-" + strconv.FormatInt(c.ChatID, 10) }

// chatValue is a chat id as a form value.
func chatValue(c models.BotChat) string { return strconv.FormatInt(c.ChatID, 10) }
