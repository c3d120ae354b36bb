package telegramtest

import (
	"fmt"

	"github.com/mymmrac/telego"
)

// ChatSpec describes a group, supergroup or channel.
type ChatSpec struct {
	ID       int64  // default: the next free id of the type's range
	Type     string // telego.ChatTypeGroup, ChatTypeSupergroup (default) or ChatTypeChannel
	Title    string // default "Test <type> <N>"
	Username string // public chats have one
	IsForum  bool
	// Owner is the chat's creator; default a new user named "Owner".
	Owner *telego.User
}

// AddChat registers a chat with its owner as creator. The bot is not in it:
// use SetBotAdmin / SetBotMember or push a MyChatMemberUpdate.
// It panics on a Type that is not a group, supergroup or channel.
func (s *Server) AddChat(spec ChatSpec) telego.Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addChatLocked(spec)
}

func (s *Server) addChatLocked(spec ChatSpec) telego.Chat {
	w := s.w
	if spec.Type == "" {
		spec.Type = telego.ChatTypeSupergroup
	}
	switch spec.Type {
	case telego.ChatTypeGroup:
		if spec.ID == 0 {
			spec.ID = w.nextGroupID
			w.nextGroupID--
		}
	case telego.ChatTypeSupergroup, telego.ChatTypeChannel:
		if spec.ID == 0 {
			spec.ID = w.nextSupergroupID
			w.nextSupergroupID--
		}
	default:
		panic(fmt.Sprintf("telegramtest: AddChat: chat type %q is not group, supergroup or channel", spec.Type))
	}
	if spec.Title == "" {
		spec.Title = fmt.Sprintf("Test %s %d", spec.Type, -spec.ID%100_000)
	}
	chat := telego.Chat{ID: spec.ID, Type: spec.Type, Title: spec.Title, Username: spec.Username, IsForum: spec.IsForum}
	cs := &chatState{chat: chat, members: map[int64]telego.ChatMember{}, requests: map[int64]*joinRequest{}}
	owner := spec.Owner
	if owner == nil {
		u := s.addUserLocked(UserSpec{FirstName: "Owner"})
		owner = &u
	} else {
		s.knowUserLocked(*owner)
	}
	cs.members[owner.ID] = Owner(*owner)
	w.chats[spec.ID] = cs
	return chat
}

// knowChatLocked registers a chat first seen in a pushed update.
func (s *Server) knowChatLocked(c telego.Chat) *chatState {
	if cs, ok := s.w.chats[c.ID]; ok {
		return cs
	}
	if c.Type == telego.ChatTypePrivate || c.ID == 0 {
		return nil
	}
	cs := &chatState{chat: c, members: map[int64]telego.ChatMember{}, requests: map[int64]*joinRequest{}}
	s.w.chats[c.ID] = cs
	return cs
}

// Chat returns a registered chat.
func (s *Server) Chat(id int64) (telego.Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.chats[id]
	if !ok {
		return telego.Chat{}, false
	}
	return c.chat, true
}

// SetChatMember sets a user's (or bot's) membership in a chat, without
// pushing an update. See Member, Admin, Left, Kicked, Owner.
func (s *Server) SetChatMember(chatID int64, m telego.ChatMember) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.chats[chatID]
	if !ok {
		return fmt.Errorf("telegramtest: unknown chat %d", chatID)
	}
	s.knowUserLocked(m.MemberUser())
	c.members[m.MemberUser().ID] = m
	return nil
}

// SetBotAdmin makes the bot an administrator of chatID with rights.
func (s *Server) SetBotAdmin(token string, chatID int64, rights telego.ChatAdministratorRights) error {
	b, ok := s.Bot(token)
	if !ok {
		return ErrUnknownBot
	}
	return s.SetChatMember(chatID, Admin(b.User(), rights))
}

// SetBotMember makes the bot an ordinary member of chatID.
func (s *Server) SetBotMember(token string, chatID int64) error {
	b, ok := s.Bot(token)
	if !ok {
		return ErrUnknownBot
	}
	return s.SetChatMember(chatID, Member(b.User()))
}

// ChatMember returns userID's current membership in chatID (Left when the
// user was never in it).
func (s *Server) ChatMember(chatID, userID int64) (telego.ChatMember, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.chats[chatID]
	if !ok {
		return nil, fmt.Errorf("telegramtest: unknown chat %d", chatID)
	}
	return s.memberLocked(c, userID), nil
}

// memberLocked is userID's membership, Left by default.
func (s *Server) memberLocked(c *chatState, userID int64) telego.ChatMember {
	if m, ok := c.members[userID]; ok {
		return m
	}
	if u, ok := s.w.users[userID]; ok {
		return Left(u.user)
	}
	if b, ok := s.w.bots[userID]; ok {
		return Left(b.user)
	}
	return Left(telego.User{ID: userID, FirstName: "Unknown"})
}
