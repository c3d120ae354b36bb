package core

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// ErrUserBlockedBot refuses a message to a user who blocked the bot:
// Telegram would refuse it.
var ErrUserBlockedBot = &apperr.Error{Kind: apperr.KindConflict, Code: "user_blocked_bot",
	Message: "This user blocked the bot in Telegram: messages cannot reach them until they unblock it."}

// messagePhotoMaxBytes caps the download of a message's photo.
const messagePhotoMaxBytes = 10 << 20

// Conversations is the inbox: conversations of a bot, the messages of
// one, answering from the dashboard, read/open/done, and the user page.
type Conversations struct {
	db   *bun.DB
	bots *Bots
	tg   *telegram.Client
	bus  *events.Bus
	out  *outbox.Outbox
	log  *slog.Logger
}

// NewConversations returns the conversation use cases.
func NewConversations(db *bun.DB, bots *Bots, tg *telegram.Client, bus *events.Bus, out *outbox.Outbox, log *slog.Logger) *Conversations {
	return &Conversations{db: db, bots: bots, tg: tg, bus: bus, out: out, log: log}
}

// Inbox is one page of a bot's conversations.
type Inbox struct {
	Bot     *models.Bot
	Rows    []models.InboxRow
	Total   int
	HasNext bool
	Unread  int // conversations with unread messages (any status)
}

// List returns one page of the owner's bot's conversations, newest first.
func (s *Conversations) List(ctx context.Context, ownerID, botID string, req contract.ListConversationsRequest) (*Inbox, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	f := req.Filter()
	rows, more, err := models.ListConversations(ctx, s.db, b.ID, f, req.Window())
	if err != nil {
		return nil, err
	}
	total := req.Offset() + len(rows)
	if more || (len(rows) == 0 && req.Number() > 1) {
		if total, err = models.CountConversations(ctx, s.db, b.ID, f); err != nil {
			return nil, err
		}
	}
	unread, err := models.UnreadConversations(ctx, s.db, b.ID)
	if err != nil {
		return nil, err
	}
	return &Inbox{Bot: b, Rows: rows, Total: total, HasNext: more, Unread: unread}, nil
}

// Thread is the messages of one conversation, newest first.
type Thread struct {
	Bot          *models.Bot
	User         *models.BotUser
	Conversation *models.Conversation // nil when nothing was exchanged yet
	Messages     []models.Message
	More         bool // older messages follow
}

// Messages returns a page of the messages between the owner's bot and a
// user; a user the bot does not know is a 404.
func (s *Conversations) Messages(ctx context.Context, ownerID, botID string, userID int64, req contract.ListMessagesRequest) (*Thread, error) {
	b, u, err := s.botUser(ctx, ownerID, botID, userID)
	if err != nil {
		return nil, err
	}
	msgs, more, err := models.MessagesOf(ctx, s.db, b.ID, userID, req.Before, req.Limit())
	if err != nil {
		return nil, err
	}
	conv, err := s.conversationOrNil(ctx, b.ID, userID)
	if err != nil {
		return nil, err
	}
	return &Thread{Bot: b, User: u, Conversation: conv, Messages: msgs, More: more}, nil
}

func (s *Conversations) botUser(ctx context.Context, ownerID, botID string, userID int64) (*models.Bot, *models.BotUser, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	u, err := models.BotUserByID(ctx, s.db, b.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	return b, u, nil
}

func (s *Conversations) conversationOrNil(ctx context.Context, botID string, userID int64) (*models.Conversation, error) {
	c, err := models.ConversationOf(ctx, s.db, botID, userID)
	if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound {
		return nil, nil
	}
	return c, err
}

// Changed is a conversation after a change, with its bot and user.
type Changed struct {
	Bot          *models.Bot
	User         *models.BotUser
	Conversation *models.Conversation
}

// SetStatus marks a conversation open or done.
func (s *Conversations) SetStatus(ctx context.Context, ownerID, botID string, userID int64, status string) (*Changed, error) {
	return s.change(ctx, ownerID, botID, userID, func(tx bun.Tx, botID string) (*models.Conversation, error) {
		return models.SetConversationStatus(ctx, tx, botID, userID, status)
	})
}

// MarkRead clears a conversation's unread count.
func (s *Conversations) MarkRead(ctx context.Context, ownerID, botID string, userID int64) (*Changed, error) {
	return s.change(ctx, ownerID, botID, userID, func(tx bun.Tx, botID string) (*models.Conversation, error) {
		return models.MarkConversationRead(ctx, tx, botID, userID)
	})
}

func (s *Conversations) change(ctx context.Context, ownerID, botID string, userID int64,
	apply func(bun.Tx, string) (*models.Conversation, error)) (*Changed, error) {
	b, u, err := s.botUser(ctx, ownerID, botID, userID)
	if err != nil {
		return nil, err
	}
	var c *models.Conversation
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if c, err = apply(tx, b.ID); err != nil {
			return err
		}
		return s.bus.Publish(ctx, tx, events.ConversationChanged(b.OwnerID, b.ID,
			events.ConversationData{UserID: userID, Status: c.Status, Unread: c.Unread}))
	})
	if err != nil {
		return nil, err
	}
	return &Changed{Bot: b, User: u, Conversation: c}, nil
}

// Sent is a message sent from the dashboard, delivered or not.
type Sent struct {
	Bot     *models.Bot
	User    *models.BotUser
	Message *models.Message
}

// sendWait is how long Send waits for the outbox's answer before it
// returns the message as queued (it is then sent as soon as the bot's
// rate allows, and the conversation shows the outcome).
const sendWait = 10 * time.Second

// Send answers a user now: the message is recorded in the conversation
// (origin dashboard, by memberID), which it marks read — whoever answers
// has read it — and queued in the bot's outbox ahead of everything but
// other answers to people, in one transaction. Send then waits (up to
// sendWait) for Telegram's answer, recorded on the message by
// OutboxRecorder: a refused message keeps the reason, and the error is
// returned (409 user_blocked_bot when the user blocked the bot).
func (s *Conversations) Send(ctx context.Context, ownerID, memberID, botID string, userID int64, req contract.SendMessageRequest) (*Sent, error) {
	b, u, err := s.botUser(ctx, ownerID, botID, userID)
	if err != nil {
		return nil, err
	}
	if err := checkSend(req); err != nil {
		return nil, err
	}
	if u.BotBlocked {
		return nil, ErrUserBlockedBot
	}
	if !CanSend(b) {
		return nil, errBotCannotSend(b, "answer")
	}
	if req.Photo, err = s.photoUpload(ctx, ownerID, req); err != nil {
		return nil, err
	}
	m := &models.Message{BotID: b.ID, UserID: userID, Direction: models.DirectionOut, Origin: models.OriginDashboard,
		Kind: models.MessageText, Text: req.Text, ParseMode: req.ParseMode, By: memberID}
	if req.Photo != "" {
		m.Kind, m.Text, m.Caption = models.MessagePhoto, "", req.Text
		if looksLikeFileID(req.Photo) && !isUploadID(req.Photo) {
			m.FileID = req.Photo // shown at once; an upload's file id is known once it is sent
		}
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := RecordMessages(ctx, tx, s.bus, b.OwnerID, m); err != nil {
			return err
		}
		c, err := models.MarkConversationRead(ctx, tx, b.ID, userID)
		if err != nil {
			return err
		}
		if err := s.bus.Publish(ctx, tx, events.ConversationChanged(b.OwnerID, b.ID,
			events.ConversationData{UserID: userID, Status: c.Status, Unread: c.Unread})); err != nil {
			return err
		}
		return s.out.Enqueue(ctx, tx, dashboardMessage(m, req))
	})
	if err != nil {
		return nil, err
	}
	sent := &Sent{Bot: b, User: u, Message: m}
	if err := s.awaitOutcome(ctx, m); err != nil {
		return sent, err
	}
	switch {
	case m.Error == "":
		return sent, nil
	case strings.Contains(strings.ToLower(m.Error), "blocked"):
		u.BotBlocked = true
		return sent, ErrUserBlockedBot
	}
	return sent, &apperr.Error{Kind: apperr.KindUpstream, Code: "telegram_failed",
		Message: "Telegram did not accept the message: " + m.Error + "."}
}

// dashboardMessage is the outbox message of a dashboard answer; its
// OriginRef is the recorded message's id, so OutboxRecorder fills in the
// outcome, and its key makes it queued once.
func dashboardMessage(m *models.Message, req contract.SendMessageRequest) outbox.Message {
	ref := strconv.FormatInt(m.ID, 10)
	om := outbox.Text(m.BotID, m.UserID, req.Text, req.ParseMode, nil)
	if req.Photo != "" {
		p := map[string]any{"photo": req.Photo}
		if req.Text != "" {
			p["caption"] = req.Text
			if req.ParseMode != "" {
				p["parse_mode"] = req.ParseMode
			}
		}
		om = outbox.Message{BotID: m.BotID, ChatID: m.UserID, Method: "sendPhoto", Params: p}
		if isUploadID(req.Photo) {
			delete(p, "photo")
			om.Upload, om.UploadField = req.Photo, "photo"
		}
	}
	om.Priority, om.Origin, om.OriginRef, om.Key = outbox.PriorityPerson, outbox.OriginDashboard, ref, "dashboard:"+ref
	return om
}

// awaitOutcome waits until the outbox recorded Telegram's answer on m (or
// sendWait passed: m is then still queued) and fills it in.
func (s *Conversations) awaitOutcome(ctx context.Context, m *models.Message) error {
	deadline := time.Now().Add(sendWait)
	for delay := 5 * time.Millisecond; ; delay = min(delay*2, 100*time.Millisecond) {
		got, err := models.MessageByID(ctx, s.db, m.BotID, m.UserID, m.ID)
		if err != nil {
			return err
		}
		if got.TelegramID != 0 || got.Error != "" || time.Now().After(deadline) {
			m.TelegramID, m.Error = got.TelegramID, got.Error
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// isUploadID reports whether a photo reference names an upload.
func isUploadID(s string) bool { return models.LooksLikeID(models.UploadIDPrefix, s) }

// photoUpload returns the photo to send: the composer's attached image
// stored as an upload of the account, an upload of the account checked to
// be an image, or req.Photo as it is (a link, a file id, nothing).
func (s *Conversations) photoUpload(ctx context.Context, ownerID string, req contract.SendMessageRequest) (string, error) {
	if req.File != nil {
		// Sniffed first, so a file that is no image leaves no upload behind.
		if ct, _, _ := strings.Cut(http.DetectContentType(req.File.Data), ";"); len(req.File.Data) > 0 && !isImage(ct) {
			return "", errPhotoNotImage
		}
		up, err := NewUploads(s.db).Create(ctx, ownerID, req.File.Name, req.File.Data)
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Fields["file"] != "" {
				return "", apperr.Invalid(apperr.GenericInvalid, apperr.FieldErrors{"photo": ae.Fields["file"]})
			}
			return "", err
		}
		return up.ID, nil
	}
	if !isUploadID(req.Photo) {
		return req.Photo, nil
	}
	up, err := models.UploadOfOwner(ctx, s.db, ownerID, req.Photo)
	if errors.Is(err, apperr.ErrNotFound) {
		return "", apperr.Invalid(apperr.GenericInvalid, apperr.FieldErrors{"photo": "is not an upload of this account"})
	}
	if err != nil {
		return "", err
	}
	if !isImage(up.ContentType) {
		return "", errPhotoNotImage
	}
	return up.ID, nil
}

var errPhotoNotImage = apperr.Invalid(apperr.GenericInvalid,
	apperr.FieldErrors{"photo": "is not an image (JPEG, PNG, GIF or WebP)"})

// checkSend validates a message as Telegram will: text, or a photo with
// an optional caption; markup that parses; lengths after parsing.
func checkSend(req contract.SendMessageRequest) error {
	if req.Photo != "" || req.File != nil { // an attached file is stored (and checked) once the rest is valid
		if req.File == nil && !isUploadID(req.Photo) && !strings.HasPrefix(req.Photo, "https://") && !looksLikeFileID(req.Photo) {
			return apperr.Invalid("The photo must be an upload id, an https:// link or a Telegram file id.",
				apperr.FieldErrors{"photo": "must be an upload id, an https:// URL or a Telegram file id"})
		}
		if req.Text == "" {
			return nil
		}
		plain, _, err := telegram.ParseMarkup(req.ParseMode, req.Text)
		if err != nil {
			return markupInvalid(req.ParseMode, err)
		}
		if utf8.RuneCountInString(plain) > contract.MaxCaptionLength {
			return apperr.Invalid("A photo's caption may be at most 1024 characters.", apperr.FieldErrors{"text": "is longer than 1024 characters"})
		}
		return nil
	}
	if req.Text == "" {
		return apperr.Invalid("Write a message or add a photo.", apperr.FieldErrors{"text": "is required"})
	}
	_, _, err := CheckMessage(contract.CreateBroadcastRequest{Text: req.Text, ParseMode: modePtr(req.ParseMode)})
	return err
}

func modePtr(mode string) *string {
	if mode == "" {
		return nil
	}
	return &mode
}

func markupInvalid(mode string, err error) error {
	var me *telegram.MarkupError
	if errors.As(err, &me) {
		return apperr.Invalid("The message's "+mode+" formatting is invalid at "+me.Error()+".",
			apperr.FieldErrors{"text": "has invalid " + mode + " at " + me.Error()})
	}
	return err
}

// looksLikeFileID accepts Telegram's file ids: long URL-safe base64.
func looksLikeFileID(s string) bool {
	if len(s) < 20 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// MessagePhoto fetches the picture of a photo message through the Bot API
// (getFile → download): the token-bearing file URL stays on the server.
func (s *Conversations) MessagePhoto(ctx context.Context, ownerID, botID string, userID, messageID int64) (*Photo, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	m, err := models.MessageByID(ctx, s.db, b.ID, userID, messageID)
	if err != nil {
		return nil, err
	}
	if m.Kind != models.MessagePhoto || m.FileID == "" {
		return nil, apperr.NotFound("photo")
	}
	if b.Status == models.BotDeleted || b.Status == models.BotError {
		return nil, photoUnavailable()
	}
	token, err := s.bots.Token(b)
	if err != nil {
		return nil, err
	}
	f, err := s.tg.GetFile(ctx, token, m.FileID)
	if err != nil {
		return nil, s.photoError(ctx, b, err)
	}
	body, _, err := s.tg.DownloadFile(ctx, token, f.FilePath, messagePhotoMaxBytes)
	if err != nil {
		return nil, s.photoError(ctx, b, err)
	}
	ct := http.DetectContentType(body)
	if !strings.HasPrefix(ct, "image/") {
		return nil, apperr.NotFound("photo")
	}
	return &Photo{ContentType: ct, Body: body, ETag: `"` + m.FileID[:min(len(m.FileID), 64)] + `"`, FetchedAt: m.CreatedAt}, nil
}

func (s *Conversations) photoError(ctx context.Context, b *models.Bot, err error) error {
	s.bots.NoteTelegramError(ctx, b, err)
	if errors.Is(err, telegram.ErrBadRequest) || errors.Is(err, telegram.ErrNotFound) {
		return apperr.NotFound("photo") // Telegram no longer has the file
	}
	return telegramUnavailable(err)
}

// UnreadTotal is how many messages wait unread across the owner's bots.
func (s *Conversations) UnreadTotal(ctx context.Context, ownerID string) (int64, error) {
	return models.UnreadTotalOfOwner(ctx, s.db, ownerID)
}
