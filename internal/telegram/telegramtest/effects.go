package telegramtest

import (
	"github.com/mymmrac/telego"
)

// applyEffectsLocked keeps the fake's state consistent with the updates it
// emits, so a test can push "user joined" and then see getChatMember agree.
func (s *Server) applyEffectsLocked(b *botState, u *telego.Update) {
	for _, m := range []*telego.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil {
			continue
		}
		if m.From != nil {
			s.knowUserLocked(*m.From)
		}
		s.knowChatLocked(m.Chat)
	}
	if q := u.CallbackQuery; q != nil {
		s.knowUserLocked(q.From)
	}
	if c := u.MyChatMember; c != nil && c.NewChatMember != nil {
		s.knowUserLocked(c.From)
		if c.Chat.Type == telego.ChatTypePrivate {
			b.blockedBy[c.Chat.ID] = c.NewChatMember.MemberStatus() == telego.MemberStatusBanned
		} else if cs := s.knowChatLocked(c.Chat); cs != nil {
			cs.members[b.user.ID] = c.NewChatMember
		}
	}
	if c := u.ChatMember; c != nil && c.NewChatMember != nil {
		s.knowUserLocked(c.From)
		user := c.NewChatMember.MemberUser()
		s.knowUserLocked(user)
		if cs := s.knowChatLocked(c.Chat); cs != nil {
			cs.members[user.ID] = c.NewChatMember
			if isPresent(c.NewChatMember) {
				delete(cs.requests, user.ID)
			}
		}
	}
	if r := u.ChatJoinRequest; r != nil {
		s.knowUserLocked(r.From)
		if cs := s.knowChatLocked(r.Chat); cs != nil {
			cs.requests[r.From.ID] = &joinRequest{user: r.From, link: r.InviteLink, date: r.Date}
		}
	}
}
