package ingest

import (
	"github.com/mymmrac/telego"
)

// Effects is what an update means for Botdeck's state, worked out without
// touching the database (so it is easy to test and to fuzz).
type Effects struct {
	// User is the person this update makes a bot user: someone talking to
	// the bot in a private chat. Nil for group traffic, channel posts,
	// joins to chats and unknown kinds.
	User *telego.User
	// BotBlocked is set by a private my_chat_member update: true when the
	// user blocked the bot, false when they unblocked it.
	BotBlocked *bool
	// Chat is set by a my_chat_member update in a group, supergroup or
	// channel: the bot's new status there.
	Chat *ChatChange
	// Migration is set by the service messages Telegram sends when a group
	// becomes a supergroup (a new chat id): migrate_to_chat_id in the old
	// group, migrate_from_chat_id in the new supergroup. Either moves the
	// chat and its campaigns to the new id (models.MigrateChat).
	Migration *ChatMigration
}

// ChatMigration is a group upgraded to a supergroup.
type ChatMigration struct {
	From, To int64
	Title    string // the supergroup's title, when the update carries it
}

// ChatChange is the bot's new standing in a chat.
type ChatChange struct {
	ChatID          int64
	Type            string
	Title, Username string
	Status          string // administrator, creator, member, restricted, left, kicked
	CanInviteUsers  bool
}

// effectsOf derives the effects of u.
func effectsOf(u *Update) Effects {
	var e Effects
	t := u.T
	switch {
	case t.Message != nil:
		e.User = privateSender(t.Message.Chat, t.Message.From)
		switch m := t.Message; {
		case m.MigrateToChatID != 0 && m.Chat.ID != 0:
			e.Migration = &ChatMigration{From: m.Chat.ID, To: m.MigrateToChatID}
		case m.MigrateFromChatID != 0 && m.Chat.ID != 0:
			e.Migration = &ChatMigration{From: m.MigrateFromChatID, To: m.Chat.ID, Title: m.Chat.Title}
		}
	case t.EditedMessage != nil:
		e.User = privateSender(t.EditedMessage.Chat, t.EditedMessage.From)
	case t.CallbackQuery != nil:
		if m := t.CallbackQuery.Message; m != nil && m.GetChat().Type == telego.ChatTypePrivate {
			e.User = human(&t.CallbackQuery.From)
		}
	case t.MyChatMember != nil:
		cm := t.MyChatMember
		status := memberStatus(cm.NewChatMember)
		if cm.Chat.Type == telego.ChatTypePrivate {
			e.User = human(&cm.From)
			if e.User != nil && status != "" {
				blocked := status == telego.MemberStatusBanned
				e.BotBlocked = &blocked
			}
			return e
		}
		if status != "" {
			e.Chat = &ChatChange{ChatID: cm.Chat.ID, Type: cm.Chat.Type, Title: cm.Chat.Title, Username: cm.Chat.Username,
				Status: status, CanInviteUsers: canInvite(cm.NewChatMember)}
		}
	}
	return e
}

// privateSender is the sender of a private-chat message, when a person.
func privateSender(chat telego.Chat, from *telego.User) *telego.User {
	if chat.Type != telego.ChatTypePrivate {
		return nil
	}
	return human(from)
}

func human(u *telego.User) *telego.User {
	if u == nil || u.IsBot || u.ID <= 0 {
		return nil
	}
	return u
}

// memberStatus is a chat member's status, "" when the update lacks it.
func memberStatus(m telego.ChatMember) string {
	if m == nil {
		return ""
	}
	return m.MemberStatus()
}

// canInvite reports whether the member may create invite links (creators
// always can; administrators with the right).
func canInvite(m telego.ChatMember) bool {
	switch v := m.(type) {
	case *telego.ChatMemberOwner:
		return true
	case *telego.ChatMemberAdministrator:
		return v.CanInviteUsers
	}
	return false
}
