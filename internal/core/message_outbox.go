package core

import (
	"context"
	"encoding/json"
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
// conversation, and publishes message events. A dashboard message was
// recorded when it was queued (its OriginRef is the message's id): only
// its outcome is filled in. The outbox hands its outcomes over in batches:
// the messages of one bot are recorded together. Register it with
// outbox.Observe for each of OutboxOrigins.
func OutboxRecorder(bus *events.Bus) outbox.Observer {
	return func(ctx context.Context, tx bun.IDB, oms []*models.OutboxMessage) error {
		owners := map[string]string{}
		ownerOf := func(botID string) (string, error) {
			if owner, ok := owners[botID]; ok {
				return owner, nil
			}
			owner, err := models.BotOwnerID(ctx, tx, botID)
			owners[botID] = owner
			return owner, err
		}
		var bots []string
		byBot := map[string][]*models.Message{}
		for _, om := range oms {
			if om.ChatID <= 0 || (om.Method != "sendMessage" && om.Method != "sendPhoto" && om.Method != "sendDocument") {
				continue // a group, a channel, or not a message
			}
			owner, err := ownerOf(om.BotID)
			if err != nil {
				return err
			}
			sendErr := sendError(om)
			if om.Origin == outbox.OriginDashboard {
				if err := recordDashboardOutcome(ctx, tx, bus, owner, om, sendErr); err != nil {
					return err
				}
				continue
			}
			m := outgoingOf(om)
			m.Error = sendErr
			if om.UploadID != "" && om.Status == models.OutboxSent {
				if m.FileID, err = models.UploadFileID(ctx, tx, om.UploadID, om.BotID); err != nil {
					return err
				}
			}
			if _, seen := byBot[om.BotID]; !seen {
				bots = append(bots, om.BotID)
			}
			byBot[om.BotID] = append(byBot[om.BotID], m)
		}
		for _, botID := range bots {
			if err := RecordMessages(ctx, tx, bus, owners[botID], byBot[botID]...); err != nil {
				return err
			}
		}
		return nil
	}
}

// sendError is what a conversation shows of a message that did not go.
func sendError(om *models.OutboxMessage) string {
	switch om.Status {
	case models.OutboxFailed:
		return om.Error
	case models.OutboxUnconfirmed:
		return "Telegram did not confirm it (" + om.Error + ")"
	}
	return ""
}

// recordDashboardOutcome fills in the outcome of a message typed in the
// dashboard, recorded when it was queued.
func recordDashboardOutcome(ctx context.Context, tx bun.IDB, bus *events.Bus, owner string, om *models.OutboxMessage, sendErr string) error {
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
