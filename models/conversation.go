package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// Conversation statuses: open needs the owner's attention, done does not
// (until the user writes again).
const (
	ConversationOpen = "open"
	ConversationDone = "done"
)

// Conversation is the inbox row of one (bot, user) who exchanged
// messages: its latest message, what is unread, open or done.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations"`

	BotID         string    `bun:"bot_id,pk"`
	UserID        int64     `bun:"user_id,pk"`
	Status        string    `bun:"status"`
	Unread        int64     `bun:"unread"`
	MessagesIn    int64     `bun:"messages_in"`
	MessagesOut   int64     `bun:"messages_out"`
	LastMessageID int64     `bun:"last_message_id"`
	LastText      string    `bun:"last_text"` // an excerpt of the latest message
	LastDirection string    `bun:"last_direction"`
	LastAt        time.Time `bun:"last_at"`
}

// InboxRow is a conversation with the user's name, as the inbox lists it.
type InboxRow struct {
	Conversation `bun:",extend"`

	Username   string `bun:"username"`
	FirstName  string `bun:"first_name"`
	LastName   string `bun:"last_name"`
	Name       string `bun:"name"`
	BotBlocked bool   `bun:"bot_blocked"`
}

// ConversationFilter narrows the inbox: Q searches the user's name,
// username or id like the users list; Status is open, done or "" (all).
type ConversationFilter struct {
	Q, Status string

	users []int64 // the users matching Q, once looked up (at most SearchCap)
	many  bool    // more than SearchCap users match Q: search with a subquery
}

// ListConversations returns the window w of a bot's conversations
// matching f, newest first, and whether more follow.
func ListConversations(ctx context.Context, db bun.IDB, botID string, f ConversationFilter, w Window) ([]InboxRow, bool, error) {
	var rows []InboxRow
	if err := matchUsers(ctx, db, botID, &f); err != nil {
		return nil, false, wrap("list conversations", err)
	}
	if f.Q != "" && len(f.users) == 0 && !f.many {
		return nil, false, nil
	}
	q := whereConversations(db.NewSelect().Model(&rows), botID, f).
		ColumnExpr("c.*").ColumnExpr("u.username, u.first_name, u.last_name, u.name, u.bot_blocked").
		Join("JOIN bot_users AS u ON u.bot_id = c.bot_id AND u.user_id = c.user_id").
		OrderExpr("c.last_at DESC, c.user_id DESC").Limit(int64(w.Limit + 1)).Offset(int64(w.Offset))
	if err := q.Scan(ctx); err != nil {
		return nil, false, wrap("list conversations", err)
	}
	more := len(rows) > w.Limit
	if more {
		rows = rows[:w.Limit]
	}
	return rows, more, nil
}

// CountConversations counts a bot's conversations matching f.
func CountConversations(ctx context.Context, db bun.IDB, botID string, f ConversationFilter) (int, error) {
	if err := matchUsers(ctx, db, botID, &f); err != nil {
		return 0, wrap("count conversations", err)
	}
	if f.Q != "" && len(f.users) == 0 && !f.many {
		return 0, nil
	}
	n, err := whereConversations(db.NewSelect().Model((*InboxRow)(nil)), botID, f).Count(ctx)
	return int(n), wrap("count conversations", err)
}

// whereConversations narrows a query on conversations (aliased c) to one
// bot's conversations matching f. The search runs on bot_users with the
// users list's rules (whereBotUsers) and its indexes.
func whereConversations(q *bun.SelectQuery, botID string, f ConversationFilter) *bun.SelectQuery {
	q = q.ModelTableExpr("conversations AS c").Where("c.bot_id = ?", botID)
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	switch {
	case f.Q != "" && f.many:
		q = q.Where("c.user_id IN (?)", whereBotUsers(q.NewSelect().Model((*BotUser)(nil)).Column("user_id"), botID, BotUserFilter{Q: f.Q}))
	case f.Q != "":
		q = q.Where("c.user_id IN (?)", bun.In(f.users))
	}
	return q
}

// SearchCap is how many matching users a conversation search looks up
// first; a search matching more (a common fragment over a large audience)
// runs as a subquery instead, slower but complete.
const SearchCap = 1000

// matchUsers finds, for a search, the ids of up to SearchCap matching
// users first (through the users list's indexes, see whereBotUsers), so
// the conversations are then read by primary key. Handing PostgreSQL the
// search as a subquery let it walk the conversations in date order and
// test each one: 150 ms over 100,000 conversations, against a few
// milliseconds this way.
func matchUsers(ctx context.Context, db bun.IDB, botID string, f *ConversationFilter) error {
	if f.Q == "" || f.users != nil {
		return nil
	}
	f.users = []int64{}
	err := whereBotUsers(db.NewSelect().Model((*BotUser)(nil)).Column("user_id"), botID, BotUserFilter{Q: f.Q}).
		Limit(SearchCap+1).Scan(ctx, &f.users)
	if len(f.users) > SearchCap {
		f.users, f.many = nil, true
	}
	return err
}

// ConversationOf returns the conversation of a bot's user; a user who
// never exchanged a message has none (not found).
func ConversationOf(ctx context.Context, db bun.IDB, botID string, userID int64) (*Conversation, error) {
	c := new(Conversation)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("user_id = ?", userID).Scan(ctx)
	return c, wrap("conversation of user", notFoundAs(err, "conversation"))
}

// SetConversationStatus marks a conversation open or done.
func SetConversationStatus(ctx context.Context, db bun.IDB, botID string, userID int64, status string) (*Conversation, error) {
	return updateConversation(ctx, db, botID, userID, "set conversation status", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", status)
	})
}

// MarkConversationRead clears a conversation's unread count.
func MarkConversationRead(ctx context.Context, db bun.IDB, botID string, userID int64) (*Conversation, error) {
	return updateConversation(ctx, db, botID, userID, "mark conversation read", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("unread = 0")
	})
}

func updateConversation(ctx context.Context, db bun.IDB, botID string, userID int64, op string,
	set func(*bun.UpdateQuery) *bun.UpdateQuery) (*Conversation, error) {
	c := new(Conversation)
	_, err := set(db.NewUpdate().Model(c)).Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Returning("*").Exec(ctx, c)
	if err == nil && c.BotID == "" {
		err = sql.ErrNoRows // nothing updated (a driver may not say so)
	}
	if err != nil {
		return nil, wrap(op, notFoundAs(err, "conversation"))
	}
	return c, nil
}

// UnreadTotal is how many messages wait unread in the conversations of
// the given bots (read through the partial index of unread conversations).
func UnreadTotal(ctx context.Context, db bun.IDB, botIDs []string) (int64, error) {
	if len(botIDs) == 0 {
		return 0, nil
	}
	var n int64
	err := db.NewSelect().Model((*Conversation)(nil)).ColumnExpr("COALESCE(SUM(unread), 0)").
		Where("bot_id IN (?)", bun.In(botIDs)).Where("unread > 0").Scan(ctx, &n)
	return n, wrap("unread total", err)
}

// UnreadConversations counts a bot's conversations with unread messages.
func UnreadConversations(ctx context.Context, db bun.IDB, botID string) (int, error) {
	n, err := db.NewSelect().Model((*Conversation)(nil)).Where("bot_id = ?", botID).Where("unread > 0").Count(ctx)
	return int(n), wrap("unread conversations", err)
}

// UnreadTotalOfOwner is how many messages wait unread in the
// conversations of an account's live bots.
func UnreadTotalOfOwner(ctx context.Context, db bun.IDB, ownerID string) (int64, error) {
	var n int64
	bots := db.NewSelect().Model((*Bot)(nil)).Column("id").Where("owner_id = ?", ownerID).Where("status <> ?", BotDeleted)
	err := db.NewSelect().Model((*Conversation)(nil)).ColumnExpr("COALESCE(SUM(unread), 0)").
		Where("bot_id IN (?)", bots).Where("unread > 0").Scan(ctx, &n)
	return n, wrap("unread total of owner", err)
}
