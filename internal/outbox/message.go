package outbox

import (
	"encoding/json"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/replies"
)

// Origins: what made the bot say something.
const (
	OriginReply        = "reply"
	OriginCode         = "code"
	OriginGreeting     = "greeting"
	OriginBroadcast    = "broadcast"
	OriginDashboard    = "dashboard"
	OriginProxy        = "proxy"
	OriginRelay        = "relay" // a webhook reply of the owner's own server, through the relay
	OriginNotification = "notification"
)

// Message is one Bot API call to queue.
type Message struct {
	BotID  string
	ChatID int64
	Method string         // sendMessage, sendPhoto, answerCallbackQuery, …
	Params map[string]any // its parameters; chat_id is filled in from ChatID
	// Upload names a stored upload to attach to Params[UploadField]: sent as
	// bytes the first time, then by the file_id Telegram gave it.
	Upload      string
	UploadField string
	Priority    int    // PriorityPerson, PriorityGreeting, PriorityBroadcast
	Origin      string // OriginReply, …
	OriginRef   string // what in the origin it belongs to
	// Key, when set, makes the message unique for the bot: enqueueing the
	// same key again queues nothing.
	Key       string
	NotBefore time.Time // zero: now
	// Expires, when set, is when sending it becomes pointless: it then
	// fails unsent with TooLate.
	Expires time.Time
}

// TooLate is the error of a message that expired before it could be sent.
const TooLate = "Not sent: it was too late to send it."

// Text is a plain sendMessage.
func Text(botID string, chatID int64, text string, parseMode string, markup telego.ReplyMarkup) Message {
	p := map[string]any{"text": text}
	if parseMode != "" {
		p["parse_mode"] = parseMode
	}
	if markup != nil {
		p["reply_markup"] = markup
	}
	return Message{BotID: botID, ChatID: chatID, Method: "sendMessage", Params: p}
}

// FromReply is one rendered reply message (replies.Message): a
// sendMessage, or a sendPhoto/sendDocument with the text as caption.
func FromReply(botID string, chatID int64, m replies.Message) Message {
	markup := m.ReplyMarkup()
	switch {
	case m.Photo != "" || m.Document != "":
		method, field, upload := "sendPhoto", "photo", m.Photo
		if m.Photo == "" {
			method, field, upload = "sendDocument", "document", m.Document
		}
		p := map[string]any{}
		if m.Text != "" {
			p["caption"] = m.Text
			if m.ParseMode != "" {
				p["parse_mode"] = string(m.ParseMode)
			}
		}
		if markup != nil {
			p["reply_markup"] = markup
		}
		return Message{BotID: botID, ChatID: chatID, Method: method, Params: p, Upload: upload, UploadField: field}
	}
	return Text(botID, chatID, m.Text, string(m.ParseMode), markup)
}

// AnswerCallback answers a button press (stops the client's spinner).
func AnswerCallback(botID string, chatID int64, a *telego.AnswerCallbackQueryParams) Message {
	p := map[string]any{"callback_query_id": a.CallbackQueryID}
	if a.Text != "" {
		p["text"] = a.Text
	}
	if a.ShowAlert {
		p["show_alert"] = true
	}
	return Message{BotID: botID, ChatID: chatID, Method: "answerCallbackQuery", Params: p}
}

// isChatMessage reports whether a method puts a message in the chat (and
// so counts against the chat's own limit).
func isChatMessage(method string) bool {
	return method != "answerCallbackQuery"
}

func encodeParams(m Message) (string, error) {
	p := make(map[string]any, len(m.Params)+1)
	for k, v := range m.Params {
		p[k] = v
	}
	// A message without ChatID keeps its own chat_id ("@channel", from bot
	// code) or has none (answerCallbackQuery, setMyCommands).
	if m.Method != "answerCallbackQuery" && m.ChatID != 0 {
		p["chat_id"] = m.ChatID
	}
	b, err := json.Marshal(p)
	return string(b), err
}
