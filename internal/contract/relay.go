package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// PutRelayRequest sets where a bot's updates are relayed
// (PUT /api/bots/{id}/relay, and the Relay tab's form).
type PutRelayRequest struct {
	URL     string `json:"url" form:"url" validate:"required_if=Enabled true,omitempty,max=2048,url"`
	Enabled bool   `json:"enabled" form:"enabled"`
}

// Normalize trims the URL.
func (r *PutRelayRequest) Normalize() { r.URL = strings.TrimSpace(r.URL) }

// ListRelayDeliveriesRequest filters and pages a relay's delivery log.
type ListRelayDeliveriesRequest struct {
	Status string `json:"status" form:"status" validate:"omitempty,oneof=ok failed"`
	Page   `form:",inline"`
}

// RelayJSON is the API shape of a bot's relay.
type RelayJSON struct {
	URL             string     `json:"url"`
	Enabled         bool       `json:"enabled"`
	Secret          string     `json:"secret"`
	ProxyBase       string     `json:"proxyBase"`
	State           string     `json:"state"`
	LastError       string     `json:"lastError"`
	LastDeliveredAt *time.Time `json:"lastDeliveredAt"`
	Backlog         int        `json:"backlog"`
}

// RelayOf is the API shape of r (nil: the bot has none yet) with its
// decrypted secret, state and backlog; proxyBase is the Bot API proxy's
// base URL.
func RelayOf(r *models.Relay, secret, state string, backlog int, proxyBase string) RelayJSON {
	out := RelayJSON{Secret: secret, ProxyBase: proxyBase, State: state, Backlog: backlog}
	if r != nil {
		out.URL, out.Enabled, out.LastError, out.LastDeliveredAt = r.URL, r.Enabled, r.LastError, r.LastDeliveredAt
	}
	return out
}

// RelayDeliveryJSON is one attempt in a relay's delivery log.
type RelayDeliveryJSON struct {
	UpdateID   int64     `json:"updateId"`
	Status     string    `json:"status"`
	HTTPStatus int       `json:"httpStatus"`
	DurationMs int       `json:"durationMs"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

// RelayDeliveryOf is the API shape of d.
func RelayDeliveryOf(d *models.RelayDelivery) RelayDeliveryJSON {
	return RelayDeliveryJSON{UpdateID: d.UpdateID, Status: d.Status, HTTPStatus: d.HTTPStatus, DurationMs: d.DurationMs,
		Attempts: d.Attempts, Error: d.Error, At: d.At}
}
