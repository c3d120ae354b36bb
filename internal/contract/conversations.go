package contract

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// ConversationJSON is the API shape of an inbox row (schema Conversation in
// handlers/openapi/conversations.yaml).
type ConversationJSON struct {
	UserID      int64            `json:"userId"`
	Name        string           `json:"name"`
	Username    string           `json:"username"`
	LastMessage LastMessageJSON  `json:"lastMessage"`
	Unread      int64            `json:"unread"`
	Status      string           `json:"status"`
	BotBlocked  bool             `json:"botBlocked"`
	Messages    ConversationSize `json:"messages"`
}

// LastMessageJSON is the excerpt of a conversation's latest message.
type LastMessageJSON struct {
	Text      string    `json:"text"`
	Direction string    `json:"direction"`
	At        time.Time `json:"at"`
}

// ConversationSize counts a conversation's messages each way.
type ConversationSize struct {
	In  int64 `json:"in"`
	Out int64 `json:"out"`
}

// ConversationOf is the API shape of a conversation; user (may be nil)
// names its person.
func ConversationOf(c *models.Conversation, user *models.BotUser) ConversationJSON {
	out := ConversationJSON{UserID: c.UserID, Unread: c.Unread, Status: c.Status,
		LastMessage: LastMessageJSON{Text: c.LastText, Direction: c.LastDirection, At: c.LastAt},
		Messages:    ConversationSize{In: c.MessagesIn, Out: c.MessagesOut}}
	if user != nil {
		out.Name, out.Username, out.BotBlocked = user.Name, user.Username, user.BotBlocked
	}
	return out
}

// InboxRowOf is the API shape of an inbox row.
func InboxRowOf(r *models.InboxRow) ConversationJSON {
	return ConversationOf(&r.Conversation, &models.BotUser{Name: r.Name, Username: r.Username, BotBlocked: r.BotBlocked})
}

// ListConversationsRequest filters and pages a bot's inbox.
type ListConversationsRequest struct {
	Q      string `json:"q" form:"q" validate:"max=100"`
	Status string `json:"status" form:"status" validate:"omitempty,oneof=open done all"`
	Page   `form:",inline"`
}

// Normalize trims the search (and the "@" before a username) and makes
// open the default status.
func (r *ListConversationsRequest) Normalize() {
	r.Q = strings.TrimSpace(r.Q)
	if rest, ok := strings.CutPrefix(r.Q, "@"); ok {
		r.Q = strings.TrimSpace(rest)
	}
	if r.Status == "" {
		r.Status = models.ConversationOpen
	}
}

// Filter is what the store narrows the inbox by.
func (r ListConversationsRequest) Filter() models.ConversationFilter {
	f := models.ConversationFilter{Q: r.Q, Status: r.Status}
	if f.Status == "all" {
		f.Status = ""
	}
	return f
}

// ListMessagesRequest pages back through a conversation: limit messages
// older than the message before (newest first without it).
type ListMessagesRequest struct {
	Before     int64 `json:"before" form:"before" validate:"min=0"`
	LimitParam *int  `json:"limit" form:"limit" validate:"omitempty,min=1,max=100"`
}

// Limit is the number of messages asked for, 50 by default.
func (r ListMessagesRequest) Limit() int {
	if r.LimitParam == nil {
		return 50
	}
	return *r.LimitParam
}

// MaxCaptionLength is Telegram's limit on a photo's caption.
const MaxCaptionLength = 1024

// SendMessageRequest is the body of POST …/users/{userId}/messages and of
// the conversation's composer. Photo is the id of an image uploaded with
// POST /api/uploads (sent as bytes once, then by the bot's file_id), an
// https URL Telegram fetches, or the file id of a photo Telegram already
// has; the text is then its caption. The composer attaches the image
// itself instead (File, stored as an upload first). The markup and the
// length after entities parsing are checked by core
// (internal/telegram.ValidateText).
type SendMessageRequest struct {
	Text      string        `json:"text" form:"text" validate:"max=32768"`
	ParseMode string        `json:"parseMode" form:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2"`
	Photo     string        `json:"photo" form:"photo" validate:"max=2048"`
	File      *UploadedFile `json:"-"` // an image attached to the composer's form
}

// Normalize trims the photo reference; the text is kept as typed.
func (r *SendMessageRequest) Normalize() { r.Photo = strings.TrimSpace(r.Photo) }

// MessageJSON is the API shape of a message (schema Message).
type MessageJSON struct {
	ID         int64             `json:"id"`
	Direction  string            `json:"direction"`
	Kind       string            `json:"kind"`
	Text       string            `json:"text"`
	ParseMode  *string           `json:"parseMode"`
	PhotoURL   *string           `json:"photoUrl"`
	Buttons    [][]MessageButton `json:"buttons"`
	Via        string            `json:"via"`
	By         *string           `json:"by"`
	Error      *string           `json:"error"`
	TelegramID *int64            `json:"telegramMessageId"`
	At         time.Time         `json:"at"`
}

// MessageButton is an inline button of a message.
type MessageButton struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	Data string `json:"data,omitempty"`
}

// MessageOf is the API shape of m: a photo's photoUrl is the proxy route
// of the message (the file is fetched by the server, never a token URL).
func MessageOf(m *models.Message) MessageJSON {
	out := MessageJSON{ID: m.ID, Direction: m.Direction, Kind: m.Kind, Text: m.Body(), Via: m.Origin, At: m.CreatedAt,
		Buttons: [][]MessageButton{}}
	if m.ParseMode != "" {
		out.ParseMode = &m.ParseMode
	}
	if m.Kind == models.MessagePhoto && m.FileID != "" {
		u := MessagePhotoURL(m)
		out.PhotoURL = &u
	}
	if m.Buttons != "" {
		_ = json.Unmarshal([]byte(m.Buttons), &out.Buttons) // written by Botdeck; a bad row shows no buttons
	}
	if m.By != "" {
		out.By = &m.By
	}
	if m.Error != "" {
		out.Error = &m.Error
	}
	if m.TelegramID != 0 {
		out.TelegramID = &m.TelegramID
	}
	return out
}

// MessagePhotoURL is the API route serving a photo message's picture.
func MessagePhotoURL(m *models.Message) string {
	return "/api/bots/" + m.BotID + "/users/" + strconv.FormatInt(m.UserID, 10) + "/messages/" + strconv.FormatInt(m.ID, 10) + "/photo"
}

// UserDetailJSON is a bot user with what the user page shows (schema
// UserDetail).
type UserDetailJSON struct {
	BotUserJSON
	Source       *string           `json:"source"`
	Campaigns    []UserCampaign    `json:"campaigns"`
	Props        map[string]any    `json:"props"`
	Tags         []string          `json:"tags"`
	MessagesIn   int64             `json:"messagesIn"`
	MessagesOut  int64             `json:"messagesOut"`
	Conversation *ConversationJSON `json:"conversation"`
}

// UserCampaign is a campaign a user joined through.
type UserCampaign struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Status   string     `json:"status"` // the lead's status: pending, joined, left…
	JoinedAt *time.Time `json:"joinedAt"`
}
