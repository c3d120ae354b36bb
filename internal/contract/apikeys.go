package contract

import (
	"time"

	"github.com/botdeck/botdeck/models"
)

// NewAPIKey is the answer to a key creation: the only time Key is shown.
type NewAPIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"createdAt"`
}

// APIKeyCreateRequest is the body of POST /api/api-keys.
type APIKeyCreateRequest struct {
	Name string `json:"name" form:"name" validate:"required,max=100"`
}

// APIKeyJSON is a key in the list: never the key itself, nor its hash.
type APIKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// APIKeyOf is the list shape of k.
func APIKeyOf(k *models.APIKey) APIKeyJSON {
	return APIKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt}
}
