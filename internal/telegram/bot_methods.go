package telegram

import (
	"context"

	"github.com/mymmrac/telego"
)

// GetMe returns the bot's own user. A 401 (ErrUnauthorized) means the token
// is invalid or was revoked.
func (c *Client) GetMe(ctx context.Context, token string) (*telego.User, error) {
	const method = "getMe"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	u, err := b.GetMe(ctx)
	return u, mapError(method, token, err)
}
