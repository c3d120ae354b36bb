package telegramtest

import (
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

// inviteChatLocked resolves chat_id for invite-link and join-request methods,
// which need a group or channel where the bot may invite users.
func (s *Server) inviteChatLocked(b *botState, ref chatRef) (*chatState, *apiError) {
	if ref.id > 0 {
		return nil, badRequest("can't invite members to a private chat")
	}
	cs, aerr := s.chatForBotLocked(b, ref)
	if aerr != nil {
		return nil, aerr
	}
	if !canInvite(s.memberLocked(cs, b.user.ID)) {
		return nil, errNoInviteRights
	}
	return cs, nil
}

func (s *Server) createChatInviteLink(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	name := p.str("name")
	if utf8.RuneCountInString(name) > 32 {
		return nil, "", errInviteNameTooLong
	}
	memberLimit, _ := p.int("member_limit")
	joinRequest := p.bool("creates_join_request")
	if joinRequest && memberLimit > 0 {
		return nil, "", errLimitWithJoinRequest
	}
	if memberLimit < 0 || memberLimit > 99999 {
		return nil, "", badRequest("USAGE_LIMIT_INVALID")
	}
	expire, _ := p.int("expire_date")
	if expire != 0 && expire < time.Now().Unix() {
		return nil, "", badRequest("EXPIRE_DATE_INVALID")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cs, aerr := s.inviteChatLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	link := &telego.ChatInviteLink{
		InviteLink:         newInviteLink(),
		Creator:            b.user,
		CreatesJoinRequest: joinRequest,
		Name:               name,
		ExpireDate:         expire,
		MemberLimit:        int(memberLimit),
	}
	cs.links = append(cs.links, link)
	return *link, "", nil
}

func (s *Server) revokeChatInviteLink(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	url := p.str("invite_link")
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, aerr := s.inviteChatLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	for _, l := range cs.links {
		if l.InviteLink == url {
			l.IsRevoked = true
			return *l, "", nil
		}
	}
	return nil, "", errInviteLinkUnknown
}

func (s *Server) approveChatJoinRequest(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	return s.decideJoinRequest(b, p, true)
}

func (s *Server) declineChatJoinRequest(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	return s.decideJoinRequest(b, p, false)
}

// decideJoinRequest settles a pending request. An approval makes the user a
// member and, like Telegram, emits the chat_member update (via_join_request)
// right after answering.
func (s *Server) decideJoinRequest(b *botState, p params, approve bool) (any, string, *apiError) {
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
	cs, aerr := s.inviteChatLocked(b, ref)
	if aerr == errNoInviteRights {
		aerr = errChatAdminRequired
	}
	if aerr != nil {
		return nil, "", aerr
	}
	req, ok := cs.requests[userID]
	if !ok {
		return nil, "", errHideRequesterMissing
	}
	delete(cs.requests, userID)
	d := JoinRequestDecision{ChatID: cs.chat.ID, UserID: userID, Approved: approve, At: time.Now()}
	if req.link != nil {
		d.InviteLink = req.link.InviteLink
	}
	b.decisions = append(b.decisions, d)
	if approve {
		old := s.memberLocked(cs, userID)
		joined := Member(req.user)
		cs.members[userID] = joined
		update := ChatMemberUpdate(cs.chat, b.user, old, joined, req.link, true)
		s.goBackground(func() { _, _ = s.pushUpdate(b, update) })
	}
	return true, "", nil
}
