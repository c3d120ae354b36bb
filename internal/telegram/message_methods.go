package telegram

import (
	"context"

	"github.com/mymmrac/telego"
)

// SendOptions are sendMessage's optional parameters.
type SendOptions struct {
	// ParseMode is "", "HTML" or "MarkdownV2" (telego.ModeHTML, telego.ModeMarkdownV2).
	ParseMode          string
	DisableLinkPreview bool
	// DisableNotification delivers the message silently.
	DisableNotification bool
	ProtectContent      bool
	// AllowPaidBroadcast lifts the broadcast limit to 1000 messages/s, paid
	// in Stars per message.
	AllowPaidBroadcast bool
	// ReplyToMessageID, when set, makes the message a reply (in the same chat).
	ReplyToMessageID int
	// ReplyMarkup is an inline keyboard, reply keyboard, … (telego types).
	ReplyMarkup telego.ReplyMarkup
}

// SendMessage sends a text message. 403 (ErrForbidden) means the user blocked
// the bot or is deactivated; 429 (ErrTooManyRequests) carries RetryAfter.
func (c *Client) SendMessage(ctx context.Context, token string, chatID int64, text string, opts SendOptions) (*telego.Message, error) {
	const method = "sendMessage"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	params := &telego.SendMessageParams{
		ChatID:              telego.ChatID{ID: chatID},
		Text:                text,
		ParseMode:           opts.ParseMode,
		DisableNotification: opts.DisableNotification,
		ProtectContent:      opts.ProtectContent,
		AllowPaidBroadcast:  opts.AllowPaidBroadcast,
		ReplyMarkup:         opts.ReplyMarkup,
	}
	if opts.DisableLinkPreview {
		params.LinkPreviewOptions = &telego.LinkPreviewOptions{IsDisabled: true}
	}
	if opts.ReplyToMessageID != 0 {
		params.ReplyParameters = &telego.ReplyParameters{MessageID: opts.ReplyToMessageID}
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	msg, err := b.SendMessage(ctx, params)
	return msg, mapError(method, token, err)
}
