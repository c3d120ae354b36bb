package replies

import (
	"encoding/json"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/telegram"
)

// Message is one message to send, ready for the Bot API except for the
// attachment: Photo and Document are upload ids the sender turns into a
// Telegram file_id (or an upload, the first time). With an attachment, Text
// is its caption. At most one of the three markups is set. Message
// marshals to JSON and back unchanged, so it can wait in an outbox.
type Message struct {
	Text           string                       `json:"text"`
	ParseMode      ParseMode                    `json:"parseMode"`
	Photo          string                       `json:"photo,omitempty"`
	Document       string                       `json:"document,omitempty"`
	InlineKeyboard *telego.InlineKeyboardMarkup `json:"inlineKeyboard,omitempty"`
	Keyboard       *telego.ReplyKeyboardMarkup  `json:"keyboard,omitempty"`
	RemoveKeyboard *telego.ReplyKeyboardRemove  `json:"removeKeyboard,omitempty"`
}

// ReplyMarkup is the message's reply_markup, or nil.
func (m Message) ReplyMarkup() telego.ReplyMarkup {
	switch {
	case m.InlineKeyboard != nil:
		return m.InlineKeyboard
	case m.Keyboard != nil:
		return m.Keyboard
	case m.RemoveKeyboard != nil:
		return m.RemoveKeyboard
	}
	return nil
}

// SendOptions are the options of telegram.Client.SendMessage for a text
// message.
func (m Message) SendOptions() telegram.SendOptions {
	return telegram.SendOptions{ParseMode: string(m.ParseMode), ReplyMarkup: m.ReplyMarkup()}
}

// SendPhotoParams are sendPhoto's parameters for a message with a photo;
// file is the upload as Telegram should get it (a file_id or the bytes).
func (m Message) SendPhotoParams(chatID int64, file telego.InputFile) *telego.SendPhotoParams {
	return &telego.SendPhotoParams{ChatID: telego.ChatID{ID: chatID}, Photo: file, Caption: m.Text,
		ParseMode: string(m.ParseMode), ReplyMarkup: m.ReplyMarkup()}
}

// SendDocumentParams are sendDocument's parameters for a message with a
// document.
func (m Message) SendDocumentParams(chatID int64, file telego.InputFile) *telego.SendDocumentParams {
	return &telego.SendDocumentParams{ChatID: telego.ChatID{ID: chatID}, Document: file, Caption: m.Text,
		ParseMode: string(m.ParseMode), ReplyMarkup: m.ReplyMarkup()}
}

// AskState is what the user is asked after a reply is sent: the reply that
// asked, the property the answer goes to and its check. The zero AskState
// asks nothing.
type AskState struct {
	Reply    string
	Property string
	Kind     AskKind
}

// Render turns a reply into what the bot sends for it, for one person: the
// message (placeholders filled in and escaped for the parse mode, buttons,
// keyboard), the actions to apply to the user (set values with their
// placeholders filled in), and the ask the user is left with.
func Render(r *Reply, v Vars) ([]Message, []Action, AskState) {
	m := Message{
		Text:      expand(r.Text, r.Mode, &v),
		ParseMode: r.Mode,
		Photo:     r.Photo,
		Document:  r.Document,
	}
	if len(r.Buttons) > 0 {
		rows := make([][]telego.InlineKeyboardButton, 0, len(r.Buttons))
		for _, row := range r.Buttons {
			out := make([]telego.InlineKeyboardButton, 0, len(row))
			for _, b := range row {
				ib := telego.InlineKeyboardButton{Text: b.Text}
				if b.URL != "" {
					ib.URL = b.URL
				} else {
					ib.CallbackData = CallbackData(b.Reply)
				}
				out = append(out, ib)
			}
			rows = append(rows, out)
		}
		m.InlineKeyboard = &telego.InlineKeyboardMarkup{InlineKeyboard: rows}
	} else if k := r.Keyboard; k != nil {
		switch {
		case k.Remove:
			m.RemoveKeyboard = &telego.ReplyKeyboardRemove{RemoveKeyboard: true}
		case len(k.Rows) > 0:
			rows := make([][]telego.KeyboardButton, 0, len(k.Rows))
			for _, row := range k.Rows {
				out := make([]telego.KeyboardButton, 0, len(row))
				for _, t := range row {
					out = append(out, telego.KeyboardButton{Text: t})
				}
				rows = append(rows, out)
			}
			m.Keyboard = &telego.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true}
		}
	}
	var actions []Action
	if len(r.Actions) > 0 {
		actions = make([]Action, 0, len(r.Actions))
		for _, a := range r.Actions {
			if s, ok := a.Decoded().(string); ok && a.Set != "" {
				a.Value = jsonString(expand(s, ModePlain, &v))
			}
			actions = append(actions, a)
		}
	}
	var ask AskState
	if r.Ask != nil {
		ask = AskState{Reply: r.ID, Property: r.Ask.Property, Kind: r.Ask.Kind}
	}
	return []Message{m}, actions, ask
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// Plan is everything the bot does for one update, in order: answer the
// button press (AnswerCallback, when set), send Messages, apply Actions to
// the user (an answer's property first), and remember Result.Awaiting.
type Plan struct {
	Result
	AnswerCallback *telego.AnswerCallbackQueryParams
	Messages       []Message
	Actions        []Action
}

// Respond matches an update and renders the answer. v holds the person's
// values; Args is filled in from the command. For ByCode the plan is empty:
// the code answers.
func (s *Set) Respond(in Input, v Vars, codeWants func(Input) bool) Plan {
	res := s.Match(in, codeWants)
	p := Plan{Result: res}
	if res.AnswerCallback {
		p.AnswerCallback = &telego.AnswerCallbackQueryParams{CallbackQueryID: in.CallbackID}
	}
	if v.BotUsername == "" {
		v.BotUsername = s.bot
	}
	v.Args = res.Args
	if res.Answer != nil {
		var value json.RawMessage
		switch x := res.Answer.Value.(type) {
		case float64:
			value, _ = json.Marshal(x)
		case string:
			value = jsonString(x)
		}
		p.Actions = append(p.Actions, Action{Set: res.Answer.Property, Value: value})
		// The answer is readable in the next reply as {prop.NAME}.
		props := make(map[string]any, len(v.Props)+1)
		for k, x := range v.Props {
			props[k] = x
		}
		props[res.Answer.Property] = res.Answer.Value
		v.Props = props
	}
	switch {
	case res.Reply != nil:
		msgs, actions, _ := Render(res.Reply, v)
		p.Messages = msgs
		p.Actions = append(p.Actions, actions...)
	case res.By == ByInvalidAnswer:
		text := res.Asked.Ask.Invalid
		if text == "" {
			text = DefaultInvalid(res.Asked.Ask.Kind)
		}
		p.Messages = []Message{{Text: expand(text, ModePlain, &v)}}
	}
	return p
}
