package core

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// ProxiedSendRecorder records in the bot's conversations what the bot's own
// server sent through the Bot API proxy, from Telegram's answer (the sent
// Message, or a list of them). Messages to groups and channels are not
// conversations and are left out; so are answers that carry no message
// (copyMessages returns only ids).
func ProxiedSendRecorder(db *bun.DB, bus *events.Bus, log *slog.Logger) func(ctx context.Context, botID string, answer []byte) {
	return func(ctx context.Context, botID string, answer []byte) {
		var env struct {
			OK     bool            `json:"ok"`
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(answer, &env) != nil || !env.OK {
			return
		}
		var sent []telego.Message
		var one telego.Message
		if json.Unmarshal(env.Result, &one) == nil && one.MessageID != 0 {
			sent = []telego.Message{one}
		} else if json.Unmarshal(env.Result, &sent) != nil {
			return
		}
		var recs []*models.Message
		for i := range sent {
			m := &sent[i]
			if m.MessageID == 0 || m.Chat.Type != telego.ChatTypePrivate {
				continue
			}
			rec := IncomingMessage(botID, m.Chat.ID, m, time.Unix(m.Date, 0).UTC())
			rec.Direction, rec.Origin = models.DirectionOut, models.OriginProxy
			recs = append(recs, rec)
		}
		if len(recs) == 0 {
			return
		}
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			owner, err := models.BotOwnerID(ctx, tx, botID)
			if err != nil {
				return err
			}
			return RecordMessages(ctx, tx, bus, owner, recs...)
		})
		if err != nil {
			log.ErrorContext(ctx, "record a proxied message in its conversation", "bot", botID, "err", err)
		}
	}
}

// RelayReplyQueue queues a webhook reply of the owner's own server (the
// Bot API call its answer to a relayed update carried) on the bot's outbox,
// as a person waiting: it shares the bot's rate limit and lands in the
// conversation "via relay". Keyed by update, so a redelivered update
// queues its reply once.
func RelayReplyQueue(db *bun.DB, box *outbox.Outbox) func(ctx context.Context, botID string, updateID int64, method string, params []byte) error {
	return func(ctx context.Context, botID string, updateID int64, method string, params []byte) error {
		var p map[string]any
		if err := json.Unmarshal(params, &p); err != nil {
			return err
		}
		m := outbox.Message{BotID: botID, ChatID: chatIDOf(p["chat_id"]), Method: method, Params: p,
			Priority: outbox.PriorityPerson, Origin: outbox.OriginRelay, Key: fmt.Sprintf("relay:%d", updateID)}
		return box.Enqueue(ctx, db, m)
	}
}
