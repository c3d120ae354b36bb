package telegramtest

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mymmrac/telego"
)

// Update builders. They return updates shaped as Telegram sends them, with
// update_id and message_id left 0: Push fills both in (per bot and per chat,
// increasing), so a builder's output is meant to go through Push.

// PrivateChat is the private chat between a bot and u, as it appears in
// messages (its id is the user's id).
func PrivateChat(u telego.User) telego.Chat {
	return telego.Chat{ID: u.ID, Type: telego.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// MessageUpdate is a text message from a user to the bot in their private
// chat. A leading command ("/start payload") gets its bot_command entity.
func MessageUpdate(from telego.User, text string) telego.Update {
	return telego.Update{Message: textMessage(PrivateChat(from), &from, text)}
}

// GroupMessageUpdate is a text message from a user in a group or supergroup.
func GroupMessageUpdate(chat telego.Chat, from telego.User, text string) telego.Update {
	return telego.Update{Message: textMessage(chat, &from, text)}
}

// EditedMessageUpdate is the user editing their earlier private message messageID.
func EditedMessageUpdate(from telego.User, messageID int, text string) telego.Update {
	m := textMessage(PrivateChat(from), &from, text)
	m.MessageID = messageID
	m.EditDate = m.Date
	m.Date -= 60
	return telego.Update{EditedMessage: m}
}

// ChannelPostUpdate is a post in a channel (no from; sender_chat is the channel).
func ChannelPostUpdate(channel telego.Chat, text string) telego.Update {
	m := textMessage(channel, nil, text)
	m.SenderChat = &channel
	return telego.Update{ChannelPost: m}
}

// CallbackQueryUpdate is a press on an inline button with callback data.
// message is the bot's message carrying the keyboard; nil means a message
// sent in inline mode, identified by inline_message_id instead.
func CallbackQueryUpdate(from telego.User, message *telego.Message, data string) telego.Update {
	q := &telego.CallbackQuery{
		ID:           strconv.FormatInt(randomInt64(), 10),
		From:         from,
		ChatInstance: strconv.FormatInt(-randomInt64(), 10),
		Data:         data,
	}
	if message != nil {
		q.Message = message // assigned only when non-nil: a typed nil would marshal as null
	} else {
		q.InlineMessageID = randomString(24)
	}
	return telego.Update{CallbackQuery: q}
}

// MyChatMemberUpdate is a change of the bot's own status in chat, made by
// from: added, promoted to administrator, demoted, removed — or, in a
// private chat, blocked (kicked) and unblocked (member) by the user.
func MyChatMemberUpdate(chat telego.Chat, from telego.User, oldMember, newMember telego.ChatMember) telego.Update {
	return telego.Update{MyChatMember: memberChange(chat, from, oldMember, newMember)}
}

// BotBlockedUpdate is user blocking bot: member → kicked in their private chat.
func BotBlockedUpdate(user, bot telego.User) telego.Update {
	return MyChatMemberUpdate(PrivateChat(user), user, Member(bot), Kicked(bot))
}

// BotUnblockedUpdate is user unblocking bot (restarting it): kicked → member.
func BotUnblockedUpdate(user, bot telego.User) telego.Update {
	return MyChatMemberUpdate(PrivateChat(user), user, Kicked(bot), Member(bot))
}

// ChatMemberUpdate is a change of another member's status, delivered only to
// administrator bots that listed chat_member in allowed_updates. link is the
// invite link used to join (nil for public-username joins and some re-joins).
func ChatMemberUpdate(chat telego.Chat, from telego.User, oldMember, newMember telego.ChatMember, link *telego.ChatInviteLink, viaJoinRequest bool) telego.Update {
	c := memberChange(chat, from, oldMember, newMember)
	c.InviteLink = link
	c.ViaJoinRequest = viaJoinRequest
	return telego.Update{ChatMember: c}
}

// JoinUpdate is user joining chat (left → member), through link if not nil.
func JoinUpdate(chat telego.Chat, user telego.User, link *telego.ChatInviteLink, viaJoinRequest bool) telego.Update {
	return ChatMemberUpdate(chat, user, Left(user), Member(user), link, viaJoinRequest)
}

// LeaveUpdate is user leaving chat (member → left).
func LeaveUpdate(chat telego.Chat, user telego.User) telego.Update {
	return ChatMemberUpdate(chat, user, Member(user), Left(user), nil, false)
}

// ChatJoinRequestUpdate is from asking to join chat through a link that
// requires approval. user_chat_id lets the bot message them for 5 minutes.
func ChatJoinRequestUpdate(chat telego.Chat, from telego.User, link *telego.ChatInviteLink) telego.Update {
	return telego.Update{ChatJoinRequest: &telego.ChatJoinRequest{
		Chat:       chat,
		From:       from,
		UserChatID: from.ID,
		Date:       time.Now().Unix(),
		InviteLink: link,
	}}
}

func memberChange(chat telego.Chat, from telego.User, oldMember, newMember telego.ChatMember) *telego.ChatMemberUpdated {
	return &telego.ChatMemberUpdated{
		Chat:          chat,
		From:          from,
		Date:          time.Now().Unix(),
		OldChatMember: oldMember,
		NewChatMember: newMember,
	}
}

func textMessage(chat telego.Chat, from *telego.User, text string) *telego.Message {
	m := &telego.Message{From: from, Chat: chat, Date: time.Now().Unix(), Text: text}
	if n := commandLength(text); n > 0 {
		m.Entities = []telego.MessageEntity{{Type: telego.EntityTypeBotCommand, Offset: 0, Length: utf16Len(text[:n])}}
	}
	return m
}

// commandLength is the byte length of a leading "/command" or
// "/command@botname", 0 when text does not start with one.
func commandLength(text string) int {
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return 0
	}
	n := strings.IndexAny(text, " \n\t")
	if n < 0 {
		n = len(text)
	}
	return n
}

// utf16Len measures text as entity offsets and lengths do: in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}
