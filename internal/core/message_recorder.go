package core

import (
	"context"
	"encoding/json"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/models"
)

// MessageRecorder records what people write to a bot in private chats
// (ingest.BatchHook): one insert of the batch's messages, one upsert of
// their conversations, and one message event per conversation, all in the
// processing transaction — a replayed update is never recorded twice.
type MessageRecorder struct {
	Events *events.Bus
}

// HandleBatch implements ingest.BatchHook.
func (r MessageRecorder) HandleBatch(ctx context.Context, tx bun.Tx, botID string, evs []*ingest.Event) error {
	var msgs []*models.Message
	for _, ev := range evs {
		m := ev.Update.T.Message
		if m == nil || ev.Effects.User == nil {
			continue // only messages of private chats from a person
		}
		msgs = append(msgs, IncomingMessage(botID, ev.Effects.User.ID, m, ev.Date))
	}
	if len(msgs) == 0 {
		return nil
	}
	owner, err := models.BotOwnerID(ctx, tx, botID)
	if err != nil {
		return err
	}
	return RecordMessages(ctx, tx, r.Events, owner, msgs...)
}

// RecordMessages stores messages of one account's bots (models.InsertMessages,
// which also moves their conversations on) and publishes one message event
// per conversation, inside tx; a conversation a person's message began is
// notified (new_conversation). Every path that sends to a user in a
// private chat records what it sent through here, with its origin.
func RecordMessages(ctx context.Context, tx bun.IDB, bus *events.Bus, ownerID string, msgs ...*models.Message) error {
	started, err := models.InsertMessagesStarting(ctx, tx, msgs...)
	if err != nil {
		return err
	}
	evs, err := newConversationNotices(ctx, tx, ownerID, started)
	if err != nil {
		return err
	}
	type key struct {
		bot  string
		user int64
	}
	latest := map[key]*events.MessageData{}
	var order []key
	for _, m := range msgs {
		k := key{m.BotID, m.UserID}
		d := latest[k]
		if d == nil {
			d = &events.MessageData{UserID: m.UserID}
			latest[k] = d
			order = append(order, k)
		}
		d.Count++
		if m.ID > d.MessageID {
			d.MessageID, d.Direction = m.ID, m.Direction
		}
	}
	for _, k := range order {
		evs = append(evs, events.Message(ownerID, k.bot, *latest[k]))
	}
	return bus.PublishAll(ctx, tx, evs...) // the notifications' events and the messages' in one insert
}

// IncomingMessage is the record of a message a user sent to a bot.
func IncomingMessage(botID string, userID int64, m *telego.Message, date time.Time) *models.Message {
	rec := &models.Message{BotID: botID, UserID: userID, Direction: models.DirectionIn, Origin: models.OriginUser,
		Text: m.Text, Caption: m.Caption, TelegramID: int64(m.MessageID), CreatedAt: date}
	rec.Kind, rec.FileID = mediaOf(m)
	rec.Buttons = buttonsJSON(m.ReplyMarkup)
	return rec
}

// mediaOf is the kind of a message and the file id of its media.
func mediaOf(m *telego.Message) (string, string) {
	switch {
	case len(m.Photo) > 0:
		return models.MessagePhoto, m.Photo[len(m.Photo)-1].FileID // the largest size comes last
	case m.Video != nil:
		return models.MessageVideo, m.Video.FileID
	case m.Animation != nil:
		return models.MessageVideo, m.Animation.FileID
	case m.VideoNote != nil:
		return models.MessageVideo, m.VideoNote.FileID
	case m.Document != nil:
		return models.MessageDocument, m.Document.FileID
	case m.Audio != nil:
		return models.MessageAudio, m.Audio.FileID
	case m.Voice != nil:
		return models.MessageVoice, m.Voice.FileID
	case m.Sticker != nil:
		return models.MessageSticker, m.Sticker.FileID
	case m.Text != "":
		return models.MessageText, ""
	}
	return models.MessageOther, ""
}

// MessageButton is one inline button as messages store it.
type MessageButton struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	Data string `json:"data,omitempty"`
}

// buttonsJSON keeps an inline keyboard's labels and targets as JSON.
func buttonsJSON(k *telego.InlineKeyboardMarkup) string {
	if k == nil || len(k.InlineKeyboard) == 0 {
		return ""
	}
	rows := make([][]MessageButton, len(k.InlineKeyboard))
	for i, row := range k.InlineKeyboard {
		for _, b := range row {
			rows[i] = append(rows[i], MessageButton{Text: b.Text, URL: b.URL, Data: b.CallbackData})
		}
	}
	out, _ := json.Marshal(rows)
	return string(out)
}
