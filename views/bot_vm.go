package views

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// BotVM is the view model of a bot's page.
type BotVM struct {
	Bot  *models.Bot
	Edit BotEditVM
}

// BotEditVM holds the edit form's values and errors.
type BotEditVM struct {
	Description, Tags string
	Errors            map[string]string
	Message           string
	filled            bool
}

// NewBotVM builds the bot page view model; edit is empty on a plain view.
func NewBotVM(b *models.Bot, edit BotEditVM) BotVM {
	if !edit.filled {
		edit.Description, edit.Tags = b.Description, strings.Join(b.Tags, ", ")
	}
	return BotVM{Bot: b, Edit: edit}
}

// EditFromRequest keeps what the user typed in a failed edit.
func EditFromRequest(in contract.UpdateBotRequest, fields apperr.FieldErrors, msg string) BotEditVM {
	vm := BotEditVM{Errors: map[string]string{}, Message: msg, filled: true}
	for k, v := range fields {
		vm.Errors[k] = v
	}
	if in.Description != nil {
		vm.Description = *in.Description
	}
	if in.TagsText != nil {
		vm.Tags = *in.TagsText
	} else {
		vm.Tags = strings.Join(in.Tags, ", ")
	}
	// Tag errors arrive per tag ("tags[2]"); the form has one field.
	for k, v := range fields {
		if strings.HasPrefix(k, "tags") && k != "tags" {
			vm.Errors["tagsText"] = "each tag " + v
		} else if k == "tags" {
			vm.Errors["tagsText"] = v
		}
	}
	return vm
}

// Deleted reports whether the bot is disconnected.
func (vm BotVM) Deleted() bool { return vm.Bot.Status == models.BotDeleted }

// CanStart and CanStop decide which lifecycle button shows.
func (vm BotVM) CanStart() bool {
	return vm.Bot.Status == models.BotStopped || vm.Bot.Status == models.BotError
}

// CanReregister reports whether Telegram's webhook no longer brings the
// bot's updates to Botdeck, so "Register webhook again" (a start of the
// running bot) can point it back.
func (vm BotVM) CanReregister() bool {
	return vm.Bot.Status == models.BotWarning && vm.Bot.WebhookError != ""
}

func (vm BotVM) CanStop() bool {
	return vm.Bot.Status == models.BotActive || vm.Bot.Status == models.BotWarning || vm.Bot.Status == models.BotError
}

// WebhookInfoVM is Telegram's live view of how updates reach Botdeck.
type WebhookInfoVM struct {
	Mode           string
	Deleted        bool
	Error          string // why Telegram could not be asked
	URL            string
	Pending        int
	LastError      string
	LastErrorAt    time.Time
	MaxConnections int
	AllowedUpdates []string
}
