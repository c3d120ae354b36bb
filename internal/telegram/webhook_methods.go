package telegram

import (
	"context"
	"encoding/json"
	"time"

	"github.com/mymmrac/telego"
)

// WebhookParams are setWebhook's parameters.
type WebhookParams struct {
	// URL to deliver updates to. Real Telegram only calls HTTPS on ports
	// 443, 80, 88 and 8443.
	URL string
	// SecretToken is sent back in X-Telegram-Bot-Api-Secret-Token on every
	// delivery: 1-256 characters of [A-Za-z0-9_-].
	SecretToken string
	// AllowedUpdates: nil keeps the previous setting; an empty non-nil slice
	// means every type except chat_member, message_reaction and
	// message_reaction_count.
	AllowedUpdates []string
	// MaxConnections 1-100; 0 means Telegram's default (40).
	MaxConnections     int
	DropPendingUpdates bool
}

// SetWebhook registers the bot's webhook.
func (c *Client) SetWebhook(ctx context.Context, token string, p WebhookParams) error {
	const method = "setWebhook"
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()

	if p.AllowedUpdates != nil && len(p.AllowedUpdates) == 0 {
		// telego's omitempty would drop the empty list, silently turning
		// "reset to the default set" into "keep the previous setting".
		params := map[string]any{"url": p.URL, "allowed_updates": []string{}}
		if p.SecretToken != "" {
			params["secret_token"] = p.SecretToken
		}
		if p.MaxConnections > 0 {
			params["max_connections"] = p.MaxConnections
		}
		if p.DropPendingUpdates {
			params["drop_pending_updates"] = true
		}
		_, err := c.rawCall(ctx, token, method, params)
		return err
	}

	b, err := c.bot(method, token)
	if err != nil {
		return err
	}
	return mapError(method, token, b.SetWebhook(ctx, &telego.SetWebhookParams{
		URL:                p.URL,
		SecretToken:        p.SecretToken,
		AllowedUpdates:     p.AllowedUpdates,
		MaxConnections:     p.MaxConnections,
		DropPendingUpdates: p.DropPendingUpdates,
	}))
}

// DeleteWebhook removes the webhook, so getUpdates can be used.
func (c *Client) DeleteWebhook(ctx context.Context, token string, dropPending bool) error {
	const method = "deleteWebhook"
	b, err := c.bot(method, token)
	if err != nil {
		return err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	return mapError(method, token, b.DeleteWebhook(ctx, &telego.DeleteWebhookParams{DropPendingUpdates: dropPending}))
}

// GetWebhookInfo returns the webhook state, including the last delivery error.
func (c *Client) GetWebhookInfo(ctx context.Context, token string) (*telego.WebhookInfo, error) {
	const method = "getWebhookInfo"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	info, err := b.GetWebhookInfo(ctx)
	return info, mapError(method, token, err)
}

// GetUpdatesRaw long-polls for updates and returns each one as the exact JSON
// Telegram sent, so fields newer than telego survive into storage.
//
// offset confirms every update below it (pass last update_id + 1). limit is
// 1-100 (0: Telegram's default, 100). timeoutSeconds is the long-poll wait;
// the HTTP deadline is the client timeout plus this wait. allowedUpdates
// follows the same nil/empty rule as WebhookParams.AllowedUpdates.
//
// A 409 (ErrConflict) means a webhook is set, or another poller took over.
func (c *Client) GetUpdatesRaw(ctx context.Context, token string, offset int64, limit, timeoutSeconds int, allowedUpdates []string) ([]json.RawMessage, error) {
	const method = "getUpdates"
	params := map[string]any{}
	if offset != 0 {
		params["offset"] = offset
	}
	if limit > 0 {
		params["limit"] = limit
	}
	if timeoutSeconds > 0 {
		params["timeout"] = timeoutSeconds
	}
	if allowedUpdates != nil {
		params["allowed_updates"] = allowedUpdates
	}

	ctx, cancel := c.withTimeout(ctx, time.Duration(max(timeoutSeconds, 0))*time.Second)
	defer cancel()
	result, err := c.rawCall(ctx, token, method, params)
	if err != nil {
		return nil, err
	}
	var updates []json.RawMessage
	if err := json.Unmarshal(result, &updates); err != nil {
		return nil, &Error{Method: method, Description: "result is not an array of updates", cause: err}
	}
	return updates, nil
}
