package core

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/models"
)

// recordCodeMessage records in the person's conversation a message the
// bot's code sent (or Telegram refused) in a private chat: the answer
// names the chat and its type; a refusal is recorded for a positive
// chat_id (a person's). Group messages and other methods are not
// conversations. A failure to record is logged, never the code's error.
func (c *Code) recordCodeMessage(ctx context.Context, b *models.Bot, method string, params map[string]any, raw json.RawMessage, sendErr string) {
	if method != "sendMessage" && method != "sendPhoto" && method != "sendDocument" {
		return
	}
	m := &models.Message{BotID: b.ID, Direction: models.DirectionOut, Origin: models.OriginCode, Kind: models.MessageText, Error: sendErr}
	if sendErr == "" {
		var tm telego.Message
		if json.Unmarshal(raw, &tm) != nil || tm.Chat.Type != telego.ChatTypePrivate {
			return
		}
		m.UserID, m.TelegramID, m.Text, m.Caption = tm.Chat.ID, int64(tm.MessageID), tm.Text, tm.Caption
		m.Kind, m.FileID = mediaOf(&tm)
		m.Buttons = buttonsJSON(tm.ReplyMarkup)
	} else {
		m.UserID = chatIDOf(params["chat_id"])
		if m.UserID <= 0 {
			return
		}
		m.Text, _ = params["text"].(string)
		m.Caption, _ = params["caption"].(string)
	}
	if mode, ok := params["parse_mode"].(string); ok && sendErr != "" {
		m.ParseMode = mode // a refused message keeps its markup; a sent one is stored as Telegram parsed it
	}
	err := c.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return RecordMessages(ctx, tx, c.bots.Events(), b.OwnerID, m)
	})
	if err != nil {
		c.log.ErrorContext(ctx, "record a message of bot code in its conversation", "bot", b.ID, "err", err)
	}
}

// chatIDOf reads a chat_id parameter given as a number or a string.
func chatIDOf(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
