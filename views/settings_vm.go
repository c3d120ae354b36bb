package views

import (
	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// SettingsVM is a bot's settings page: its settings (a secret's value is
// never here) and the form that adds or changes one.
type SettingsVM struct {
	Bot      *models.Bot
	Settings []SettingRowVM

	// The form, kept after a refused save.
	Name, Value string
	Secret      bool
	Fields      apperr.FieldErrors
	Message     string

	// The "Export and import" section: the owner's other bots to copy
	// from, and the import form's state (nil before any).
	Sources []models.Bot
	Import  *ImportVM
}

// ImportVM is the import form after a dry run (Result, with the document
// or source to confirm) or a refused one (Error).
type ImportVM struct {
	Result   *contract.ImportResultJSON
	Document string // the uploaded document, sent again by the confirm button
	From     string
	Error    string
}

// SettingRowVM is one setting.
type SettingRowVM struct {
	Name, Value string // Value is empty for a secret
	Secret      bool
	UpdatedAt   string
}

// NewSettingsVM lists the settings.
func NewSettingsVM(b *models.Bot, list []models.BotSetting) SettingsVM {
	vm := SettingsVM{Bot: b}
	for _, s := range list {
		row := SettingRowVM{Name: s.Name, Secret: s.Secret, UpdatedAt: s.UpdatedAt.Format("2 Jan 2006 15:04 UTC")}
		if !s.Secret {
			row.Value = s.Value
		}
		vm.Settings = append(vm.Settings, row)
	}
	return vm
}

// Base is the page's URL.
func (vm SettingsVM) Base() string { return "/bots/" + vm.Bot.ID + "/settings" }

// Deleted reports whether the bot is disconnected: its settings cannot change.
func (vm SettingsVM) Deleted() bool { return vm.Bot.Status == models.BotDeleted }
