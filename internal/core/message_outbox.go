package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// OutboxOrigins are the outbox origins whose messages to people appear in
// their conversations, with the origin the conversation shows.
var OutboxOrigins = map[string]string{
	outbox.OriginReply:     models.OriginReply,
	outbox.OriginCode:      models.OriginCode,
	outbox.OriginGreeting:  models.OriginGreeting,
	outbox.OriginDashboard: models.OriginDashboard,
	outbox.OriginProxy:     models.OriginProxy,
	outbox.OriginRelay:     models.OriginRelay,
}

// OutboxRecorder records the outcome of each message the outbox sent (or
// failed to send) to a person in a private chat in that person's
// conversation, and publishes a message event. A dashboard message was
// recorded when it was queued (its OriginRef is the message's id): only
// its outcome is filled in. Register it with outbox.Observe for each of
// OutboxOrigins.
func OutboxRecorder(db *bun.DB, bus *events.Bus, log *slog.Logger) func(context.Context, *models.OutboxMessage) {
	return func(ctx context.Context, om *models.OutboxMessage) {
		if om.ChatID <= 0 || (om.Method != "sendMessage" && om.Method != "sendPhoto" && om.Method != "sendDocument") {
			return // a group, a channel, or not a message
		}
		sendErr := ""
		switch om.Status {
		case models.OutboxFailed:
			sendErr = om.Error
		case models.OutboxUnconfirmed:
			sendErr = "Telegram did not confirm it (" + om.Error + ")"
		}
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			owner, err := models.BotOwnerID(ctx, tx, om.BotID)
			if err != nil {
				return err
			}
			if om.Origin == outbox.OriginDashboard {
				id, err := strconv.ParseInt(om.OriginRef, 10, 64)
				if err != nil {
					return nil
				}
				if err := models.SetMessageSent(ctx, tx, id, om.MessageID, sendErr); err != nil {
					return err
				}
				if err := recordUploadFileID(ctx, tx, om, id); err != nil {
					return err
				}
				return bus.Publish(ctx, tx, events.Message(owner, om.BotID,
					events.MessageData{UserID: om.ChatID, MessageID: id, Direction: models.DirectionOut, Count: 1}))
			}
			m := outgoingOf(om)
			m.Error = sendErr
			if om.UploadID != "" && om.Status == models.OutboxSent {
				if m.FileID, err = models.UploadFileID(ctx, tx, om.UploadID, om.BotID); err != nil {
					return err
				}
			}
			return RecordMessages(ctx, tx, bus, owner, m)
		})
		if err != nil {
			log.ErrorContext(ctx, "record a sent message in its conversation", "bot", om.BotID, "outbox", om.ID, "err", err)
		}
	}
}

// recordUploadFileID gives the dashboard message id the file_id Telegram
// gave the upload it sent (the outbox remembered it before the outcome
// reached its observers), so the conversation shows the photo.
func recordUploadFileID(ctx context.Context, tx bun.IDB, om *models.OutboxMessage, id int64) error {
	if om.UploadID == "" || om.Status != models.OutboxSent {
		return nil
	}
	fileID, err := models.UploadFileID(ctx, tx, om.UploadID, om.BotID)
	if err != nil || fileID == "" {
		return err
	}
	return models.SetMessageFileID(ctx, tx, id, fileID)
}

// outgoingOf is the conversation record of a message the outbox sent.
func outgoingOf(om *models.OutboxMessage) *models.Message {
	var p struct {
		Text        string                       `json:"text"`
		Caption     string                       `json:"caption"`
		ParseMode   string                       `json:"parse_mode"`
		ReplyMarkup *telego.InlineKeyboardMarkup `json:"reply_markup"`
		Photo       any                          `json:"photo"`
	}
	_ = json.Unmarshal([]byte(om.Params), &p) // written by the outbox; a bad row records an empty body
	m := &models.Message{BotID: om.BotID, UserID: om.ChatID, Direction: models.DirectionOut, Origin: OutboxOrigins[om.Origin],
		Kind: models.MessageText, Text: p.Text, Caption: p.Caption, ParseMode: p.ParseMode, TelegramID: om.MessageID,
		Buttons: buttonsJSON(p.ReplyMarkup)}
	if om.SentAt != nil {
		m.CreatedAt = *om.SentAt
	}
	switch om.Method {
	case "sendPhoto":
		m.Kind = models.MessagePhoto
	case "sendDocument":
		m.Kind = models.MessageDocument
	}
	if m.Origin == "" {
		m.Origin = om.Origin
	}
	return m
}
