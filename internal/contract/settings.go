package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// PutSettingRequest is PUT /api/bots/{id}/settings/{name} and the settings
// page's form (which sends the name as a field). A secret's value is
// write-only: it is never shown again. From the form, an empty value for
// an existing secret keeps its value (the field is never filled in).
type PutSettingRequest struct {
	Name   string  `json:"-" form:"name" validate:"omitempty,max=64"`
	Value  *string `json:"value" form:"value" validate:"required,max=4096"`
	Secret bool    `json:"secret" form:"secret"`
}

// Normalize trims the name typed into the form.
func (r *PutSettingRequest) Normalize() { r.Name = strings.TrimSpace(r.Name) }

// SettingJSON is one setting as the API shows it: value is null for a
// secret.
type SettingJSON struct {
	Name      string    `json:"name"`
	Value     *string   `json:"value"`
	Secret    bool      `json:"secret"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SettingJSONOf shows a stored setting, never a secret's value.
func SettingJSONOf(s *models.BotSetting) SettingJSON {
	out := SettingJSON{Name: s.Name, Secret: s.Secret, UpdatedAt: s.UpdatedAt}
	if !s.Secret {
		v := s.Value
		out.Value = &v
	}
	return out
}

// SettingsJSON lists settings.
func SettingsJSON(list []models.BotSetting) []SettingJSON {
	out := make([]SettingJSON, len(list))
	for i := range list {
		out[i] = SettingJSONOf(&list[i])
	}
	return out
}
