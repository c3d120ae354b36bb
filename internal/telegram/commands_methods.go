package telegram

import (
	"context"

	"github.com/mymmrac/telego"
)

// SetMyCommands publishes the bot's menu (the default scope, every
// language); an empty list clears it.
func (c *Client) SetMyCommands(ctx context.Context, token string, commands []telego.BotCommand) error {
	const method = "setMyCommands"
	b, err := c.bot(method, token)
	if err != nil {
		return err
	}
	if commands == nil {
		commands = []telego.BotCommand{}
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	return mapError(method, token, b.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: commands}))
}
