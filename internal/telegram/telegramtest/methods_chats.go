package telegramtest

import (
	"maps"
	"net/http"
	"slices"

	"github.com/mymmrac/telego"
)

// chatForBotLocked resolves a group/channel chat_id the bot may look into:
// Telegram answers "chat not found" for private chats the bot is not in.
func (s *Server) chatForBotLocked(b *botState, ref chatRef) (*chatState, *apiError) {
	var cs *chatState
	if ref.username != "" {
		cs = s.chatByUsernameLocked(ref.username)
	} else {
		cs = s.w.chats[ref.id]
	}
	if cs == nil {
		return nil, errChatNotFound
	}
	if cs.chat.Username == "" && !isPresent(s.memberLocked(cs, b.user.ID)) {
		return nil, errChatNotFound
	}
	return cs, nil
}

func (s *Server) getChat(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.id > 0 {
		u, ok := s.w.users[ref.id]
		if !ok {
			return nil, "", errChatNotFound
		}
		info := telego.ChatFullInfo{
			ID:               u.user.ID,
			Type:             telego.ChatTypePrivate,
			FirstName:        u.user.FirstName,
			LastName:         u.user.LastName,
			Username:         u.user.Username,
			AccentColorID:    int(u.user.ID % 7),
			MaxReactionCount: 11,
		}
		if len(u.photos) > 0 {
			sizes := u.photos[0]
			small, big := sizes[0], sizes[len(sizes)-1]
			info.Photo = &telego.ChatPhoto{
				SmallFileID: small.FileID, SmallFileUniqueID: small.FileUniqueID,
				BigFileID: big.FileID, BigFileUniqueID: big.FileUniqueID,
			}
		}
		return info, "", nil
	}
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	c := cs.chat
	return telego.ChatFullInfo{
		ID:               c.ID,
		Type:             c.Type,
		Title:            c.Title,
		Username:         c.Username,
		IsForum:          c.IsForum,
		AccentColorID:    int(-c.ID % 7),
		MaxReactionCount: 11,
	}, "", nil
}

func (s *Server) getChatMember(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	userID, aerr := p.userID("user_id")
	if aerr != nil {
		return nil, "", aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.id > 0 { // a private chat: its two members are the user and the bot
		if u, ok := s.w.users[ref.id]; ok && userID == ref.id {
			return Member(u.user), "", nil
		}
		if userID == b.user.ID {
			return Member(b.user), "", nil
		}
		return nil, "", errUserNotFound
	}
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	if _, ok := cs.members[userID]; !ok && s.w.users[userID] == nil && s.w.bots[userID] == nil {
		return nil, "", errUserNotFound
	}
	return s.memberLocked(cs, userID), "", nil
}

// getChatAdministrators lists the chat's administrators, leaving out bots
// other than the caller, as Telegram does.
func (s *Server) getChatAdministrators(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.id > 0 {
		return nil, "", badRequest("there are no administrators in the private chat")
	}
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	admins := []telego.ChatMember{}
	for _, id := range slices.Sorted(maps.Keys(cs.members)) {
		m := cs.members[id]
		if !isAdmin(m) || (m.MemberUser().IsBot && id != b.user.ID) {
			continue
		}
		if _, owner := m.(*telego.ChatMemberOwner); owner {
			admins = append([]telego.ChatMember{m}, admins...)
		} else {
			admins = append(admins, m)
		}
	}
	return admins, "", nil
}

func (s *Server) getChatMemberCount(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.id > 0 {
		return 2, "", nil
	}
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	n := 0
	for _, m := range cs.members {
		if isPresent(m) {
			n++
		}
	}
	return n, "", nil
}

// leaveChat removes the bot and, like Telegram, tells it with my_chat_member.
func (s *Server) leaveChat(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	old := s.memberLocked(cs, b.user.ID)
	left := Left(b.user)
	cs.members[b.user.ID] = left
	update := MyChatMemberUpdate(cs.chat, b.user, old, left)
	s.goBackground(func() { _, _ = s.pushUpdate(b, update) })
	return true, "", nil
}
