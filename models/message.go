package models

import (
	"context"
	"github.com/botdeck/botdeck/internal/telegram"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// Directions of a message in a private chat.
const (
	DirectionIn  = "in"  // the user wrote to the bot
	DirectionOut = "out" // the bot sent it
)

// Origins of a message: who wrote it. An incoming message is the user's;
// an outgoing one names the path that sent it.
const (
	OriginUser      = "user"      // the person, to the bot
	OriginReply     = "reply"     // the no-code replies engine
	OriginCode      = "code"      // the bot's JavaScript handler
	OriginBroadcast = "broadcast" // a broadcast
	OriginDashboard = "dashboard" // a member answering from the inbox (or the API)
	OriginGreeting  = "greeting"  // a campaign's greeting
	OriginRelay     = "relay"     // the owner's own bot server through the relay
	OriginProxy     = "proxy"     // the owner's own bot server through the Bot API proxy
)

// Origins lists every origin, for validation and documentation.
var Origins = []string{OriginUser, OriginReply, OriginCode, OriginGreeting, OriginBroadcast, OriginDashboard, OriginRelay, OriginProxy}

// Message kinds: what a message carries besides text.
const (
	MessageText     = "text"
	MessagePhoto    = "photo"
	MessageVideo    = "video"
	MessageDocument = "document"
	MessageAudio    = "audio"
	MessageVoice    = "voice"
	MessageSticker  = "sticker"
	MessageOther    = "other" // a location, contact, poll… shown as a label
)

// Message is one message of a private chat between a bot and a user, in
// either direction. Text and Caption, FileID and Buttons are its body,
// which retention may blank (Pruned); the rest stays.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID         int64     `bun:"id,pk,autoincrement"`
	BotID      string    `bun:"bot_id"`
	UserID     int64     `bun:"user_id"`
	Direction  string    `bun:"direction"` // DirectionIn or DirectionOut
	Origin     string    `bun:"origin"`    // one of Origins
	Kind       string    `bun:"kind"`      // MessageText, MessagePhoto…
	Text       string    `bun:"text"`
	Caption    string    `bun:"caption"`
	FileID     string    `bun:"file_id"`    // Telegram's file id of the media (never a URL)
	Buttons    string    `bun:"buttons"`    // the inline keyboard as JSON ([[{text, url|data}]]), "" for none
	ParseMode  string    `bun:"parse_mode"` // HTML, MarkdownV2 or "" for plain text
	TelegramID int64     `bun:"telegram_message_id"`
	Error      string    `bun:"error"`     // why Telegram refused an outgoing message; "" when delivered
	By         string    `bun:"by_member"` // the member who sent a dashboard message
	Pruned     bool      `bun:"pruned"`    // retention blanked the body
	CreatedAt  time.Time `bun:"created_at"`
}

// Body is what the message says: its text, else its caption.
func (m *Message) Body() string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

// InsertMessages records messages (one statement), sets their ids, and
// moves each (bot, user) conversation on in one more statement: the
// latest message, unread and the in/out counts; an incoming message
// reopens a conversation marked done. It is how every path records what
// was said — the ingest hook for incoming messages, the senders for
// outgoing ones (with their Origin) — and must run in the caller's
// transaction so the record commits with the rest of the work.
func InsertMessages(ctx context.Context, db bun.IDB, msgs ...*Message) error {
	_, err := InsertMessagesStarting(ctx, db, msgs...)
	return err
}

// ConversationKey names a conversation, with the excerpt of its latest
// message.
type ConversationKey struct {
	BotID   string
	UserID  int64
	Excerpt string
}

// InsertMessagesStarting is InsertMessages that also returns the
// conversations these messages began with a person's message: rows the
// upsert created that have incoming messages (a conversation a broadcast
// or the bot began is not one a person started).
func InsertMessagesStarting(ctx context.Context, db bun.IDB, msgs ...*Message) ([]ConversationKey, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	now := Now()
	for _, m := range msgs {
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		if m.Kind == "" {
			m.Kind = MessageText
		}
	}
	if _, err := db.NewInsert().Model(&msgs).Returning("id").Exec(ctx); err != nil {
		return nil, wrap("insert messages", err)
	}
	cs := conversationsOf(msgs)
	type counts struct {
		BotID       string `bun:"bot_id"`
		UserID      int64  `bun:"user_id"`
		MessagesIn  int64  `bun:"messages_in"`
		MessagesOut int64  `bun:"messages_out"`
	}
	var after []counts
	if err := upsertConversations(ctx, db, cs, &after); err != nil {
		return nil, wrap("insert messages", err)
	}
	type key struct {
		bot  string
		user int64
	}
	sent := make(map[key]*Conversation, len(cs))
	for _, c := range cs {
		sent[key{c.BotID, c.UserID}] = c
	}
	var started []ConversationKey
	for _, a := range after {
		c := sent[key{a.BotID, a.UserID}]
		// The row holds exactly this statement's messages: it was created now.
		if c != nil && c.MessagesIn > 0 && a.MessagesIn == c.MessagesIn && a.MessagesOut == c.MessagesOut {
			started = append(started, ConversationKey{BotID: a.BotID, UserID: a.UserID, Excerpt: c.LastText})
		}
	}
	sort.Slice(started, func(i, j int) bool {
		if started[i].BotID != started[j].BotID {
			return started[i].BotID < started[j].BotID
		}
		return started[i].UserID < started[j].UserID
	})
	return started, nil
}

// conversationsOf folds messages into one conversation change per (bot,
// user), in a stable order (a statement must not touch a row twice).
func conversationsOf(msgs []*Message) []*Conversation {
	type key struct {
		bot  string
		user int64
	}
	byKey := map[key]*Conversation{}
	var out []*Conversation
	for _, m := range msgs {
		k := key{m.BotID, m.UserID}
		c := byKey[k]
		if c == nil {
			c = &Conversation{BotID: m.BotID, UserID: m.UserID, Status: ConversationOpen}
			byKey[k] = c
			out = append(out, c)
		}
		if m.Direction == DirectionIn {
			c.MessagesIn++
			c.Unread++
		} else {
			c.MessagesOut++
		}
		if m.ID > c.LastMessageID {
			c.LastMessageID, c.LastText, c.LastDirection, c.LastAt = m.ID, excerpt(m), m.Direction, m.CreatedAt
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].BotID != out[j].BotID {
			return out[i].BotID < out[j].BotID
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// excerptRunes bounds the last message kept on a conversation row.
const excerptRunes = 200

// excerpt is the start of a message's body as a person reads it (HTML or
// MarkdownV2 markup removed), or its kind when it has none.
func excerpt(m *Message) string {
	s := m.Body()
	if m.ParseMode != "" {
		if plain, _, err := telegram.ParseMarkup(m.ParseMode, s); err == nil {
			s = plain
		}
	}
	if s == "" && m.Kind != MessageText {
		s = "[" + m.Kind + "]"
	}
	if r := []rune(s); len(r) > excerptRunes {
		s = string(r[:excerptRunes-1]) + "…"
	}
	return s
}

// upsertConversations applies conversation changes: counts are added, the
// latest message replaces the row's only when it is newer, and a change
// with incoming messages reopens the conversation.
func upsertConversations(ctx context.Context, db bun.IDB, cs []*Conversation, after any) error {
	newer := "EXCLUDED.last_message_id > ?TableAlias.last_message_id"
	_, err := db.NewInsert().Model(&cs).On("CONFLICT (bot_id, user_id) DO UPDATE").
		Set("unread = ?TableAlias.unread + EXCLUDED.unread").
		Set("messages_in = ?TableAlias.messages_in + EXCLUDED.messages_in").
		Set("messages_out = ?TableAlias.messages_out + EXCLUDED.messages_out").
		Set("status = CASE WHEN EXCLUDED.messages_in > 0 THEN 'open' ELSE ?TableAlias.status END").
		Set("last_text = CASE WHEN "+newer+" THEN EXCLUDED.last_text ELSE ?TableAlias.last_text END").
		Set("last_direction = CASE WHEN "+newer+" THEN EXCLUDED.last_direction ELSE ?TableAlias.last_direction END").
		Set("last_at = CASE WHEN "+newer+" THEN EXCLUDED.last_at ELSE ?TableAlias.last_at END").
		Set("last_message_id = CASE WHEN "+newer+" THEN EXCLUDED.last_message_id ELSE ?TableAlias.last_message_id END").
		Returning("bot_id, user_id, messages_in, messages_out").
		Exec(ctx, after)
	return err
}

// MessagesOf returns up to limit messages between a bot and a user,
// newest first, with ids below before (0: from the newest), and whether
// older ones follow.
func MessagesOf(ctx context.Context, db bun.IDB, botID string, userID, before int64, limit int) ([]Message, bool, error) {
	var list []Message
	q := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Where("user_id = ?", userID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Order("id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, false, wrap("messages of user", err)
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	return list, more, nil
}

// MessageByID finds one message of a bot's user.
func MessageByID(ctx context.Context, db bun.IDB, botID string, userID, id int64) (*Message, error) {
	m := new(Message)
	err := db.NewSelect().Model(m).Where("bot_id = ?", botID).Where("user_id = ?", userID).Where("id = ?", id).Scan(ctx)
	return m, wrap("message by id", notFoundAs(err, "message"))
}

// SetMessageSent records the outcome of sending an outgoing message:
// Telegram's message id, or why it was refused.
func SetMessageSent(ctx context.Context, db bun.IDB, id, telegramID int64, sendErr string) error {
	_, err := db.NewUpdate().Model((*Message)(nil)).Set("telegram_message_id = ?", telegramID).Set("error = ?", sendErr).
		Where("id = ?", id).Exec(ctx)
	return wrap("set message sent", err)
}

// SetMessageFileID records the Telegram file id of an outgoing message's
// media, known once it was sent.
func SetMessageFileID(ctx context.Context, db bun.IDB, id int64, fileID string) error {
	_, err := db.NewUpdate().Model((*Message)(nil)).Set("file_id = ?", fileID).Where("id = ?", id).Exec(ctx)
	return wrap("set message file id", err)
}

// PruneMessageBodies blanks the bodies of up to limit messages older than
// cutoff and returns how many it blanked. The rows stay (counts, the
// timeline's shape); what was said is gone.
func PruneMessageBodies(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*Message)(nil)).Column("id").Where("NOT pruned").Where("created_at < ?", cutoff).Limit(int64(limit))
	res, err := db.NewUpdate().Model((*Message)(nil)).
		Set("text = ''").Set("caption = ''").Set("file_id = ''").Set("buttons = ''").Set("pruned = ?", true).
		Where("id IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, wrap("prune message bodies", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("prune message bodies", err)
}

// UserCampaignRow is a campaign a bot user is a lead of.
type UserCampaignRow struct {
	ID       string     `bun:"id"`
	Name     string     `bun:"name"`
	Status   string     `bun:"status"`
	JoinedAt *time.Time `bun:"joined_at"`
}

// CampaignsOfUser lists the bot's campaigns the user is a lead of, the
// earliest joined first.
func CampaignsOfUser(ctx context.Context, db bun.IDB, botID string, userID int64) ([]UserCampaignRow, error) {
	var rows []UserCampaignRow
	err := db.NewSelect().TableExpr("campaign_leads AS l").Join("JOIN campaigns AS c ON c.id = l.campaign_id").
		ColumnExpr("c.id, c.name, l.status, l.joined_at").
		Where("c.bot_id = ?", botID).Where("l.user_id = ?", userID).
		OrderExpr("l.joined_at ASC, c.id ASC").Limit(50).Scan(ctx, &rows)
	return rows, wrap("campaigns of user", err)
}

// FirstStart is the first /start message the user sent the bot (its
// payload is the deep link they came by), or nil.
func FirstStart(ctx context.Context, db bun.IDB, botID string, userID int64) (*Message, error) {
	var list []Message
	err := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Where("direction = ?", DirectionIn).Where("text LIKE '/start%'").Order("id").Limit(1).Scan(ctx)
	if err != nil || len(list) == 0 {
		return nil, wrap("first start", err)
	}
	return &list[0], nil
}
