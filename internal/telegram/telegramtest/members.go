package telegramtest

import "github.com/mymmrac/telego"

// Chat member values for SetChatMember and the update builders, with the
// status field filled in as Telegram sends it.

// Member is an ordinary member.
func Member(u telego.User) telego.ChatMember {
	return &telego.ChatMemberMember{Status: telego.MemberStatusMember, User: u}
}

// Left is a user who is not in the chat (never joined, or left).
func Left(u telego.User) telego.ChatMember {
	return &telego.ChatMemberLeft{Status: telego.MemberStatusLeft, User: u}
}

// Kicked is a banned user. In a private chat with a bot, the bot's status
// "kicked" means the user blocked the bot.
func Kicked(u telego.User) telego.ChatMember {
	return &telego.ChatMemberBanned{Status: telego.MemberStatusBanned, User: u}
}

// Owner is the chat's creator.
func Owner(u telego.User) telego.ChatMember {
	return &telego.ChatMemberOwner{Status: telego.MemberStatusCreator, User: u}
}

// Admin is an administrator with the given rights.
func Admin(u telego.User, r telego.ChatAdministratorRights) telego.ChatMember {
	return &telego.ChatMemberAdministrator{
		Status:                  telego.MemberStatusAdministrator,
		User:                    u,
		CanBeEdited:             false,
		IsAnonymous:             r.IsAnonymous,
		CanManageChat:           r.CanManageChat,
		CanDeleteMessages:       r.CanDeleteMessages,
		CanManageVideoChats:     r.CanManageVideoChats,
		CanRestrictMembers:      r.CanRestrictMembers,
		CanPromoteMembers:       r.CanPromoteMembers,
		CanChangeInfo:           r.CanChangeInfo,
		CanInviteUsers:          r.CanInviteUsers,
		CanPostStories:          r.CanPostStories,
		CanEditStories:          r.CanEditStories,
		CanDeleteStories:        r.CanDeleteStories,
		CanPostMessages:         r.CanPostMessages,
		CanEditMessages:         r.CanEditMessages,
		CanPinMessages:          r.CanPinMessages,
		CanManageTopics:         r.CanManageTopics,
		CanManageDirectMessages: r.CanManageDirectMessages,
	}
}

// DefaultAdminRights are the rights Telegram's "add bot as admin" dialog
// proposes for a chat of chatType: enough to invite users, read
// chat_member updates and post (channels) or pin (groups).
func DefaultAdminRights(chatType string) telego.ChatAdministratorRights {
	r := telego.ChatAdministratorRights{
		CanManageChat:       true,
		CanDeleteMessages:   true,
		CanRestrictMembers:  true,
		CanInviteUsers:      true,
		CanChangeInfo:       true,
		CanManageVideoChats: true,
	}
	if chatType == telego.ChatTypeChannel {
		r.CanPostMessages = true
		r.CanEditMessages = true
	} else {
		r.CanPinMessages = true
	}
	return r
}

// isPresent reports whether m is in the chat (creator, administrator,
// member, or restricted but still a member).
func isPresent(m telego.ChatMember) bool {
	return m != nil && m.MemberIsMember()
}

// canInvite reports whether m may create invite links and handle join requests.
func canInvite(m telego.ChatMember) bool {
	switch v := m.(type) {
	case *telego.ChatMemberOwner:
		return true
	case *telego.ChatMemberAdministrator:
		return v.CanInviteUsers
	}
	return false
}

// canPost reports whether m may post in a channel.
func canPost(m telego.ChatMember) bool {
	switch v := m.(type) {
	case *telego.ChatMemberOwner:
		return true
	case *telego.ChatMemberAdministrator:
		return v.CanPostMessages
	}
	return false
}

func isAdmin(m telego.ChatMember) bool {
	switch m.(type) {
	case *telego.ChatMemberOwner, *telego.ChatMemberAdministrator:
		return true
	}
	return false
}
