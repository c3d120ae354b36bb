package telegramtest

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/mymmrac/telego"
)

// SentMessage is one successful sendMessage call.
type SentMessage struct {
	BotID     int64 `json:"botId"`
	ChatID    int64 `json:"chatId"`
	MessageID int   `json:"messageId"`
	// Text as sent, markup included; Message.Text is the parsed plain text.
	Text               string          `json:"text"`
	ParseMode          string          `json:"parseMode,omitempty"`
	DisableLinkPreview bool            `json:"disableLinkPreview"`
	ReplyMarkup        json.RawMessage `json:"replyMarkup,omitempty"`
	// Params are every parameter of the call, as JSON values.
	Params  map[string]json.RawMessage `json:"params"`
	Message telego.Message             `json:"message"`
	SentAt  time.Time                  `json:"sentAt"`
}

// JoinRequestDecision is an approveChatJoinRequest or declineChatJoinRequest.
type JoinRequestDecision struct {
	ChatID     int64     `json:"chatId"`
	UserID     int64     `json:"userId"`
	Approved   bool      `json:"approved"`
	InviteLink string    `json:"inviteLink,omitempty"`
	At         time.Time `json:"at"`
}

// SentMessages returns every message the bot sent, oldest first.
func (s *Server) SentMessages(token string) []SentMessage {
	return s.SentMessagesTo(token, 0)
}

// SentMessagesTo returns the bot's messages to one chat (0: every chat).
func (s *Server) SentMessagesTo(token string, chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	if b == nil {
		return nil
	}
	out := []SentMessage{}
	for _, m := range b.sent {
		if chatID == 0 || m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// InviteLinks returns the links the bot created in chatID (0: every chat),
// oldest first, with their current is_revoked.
func (s *Server) InviteLinks(token string, chatID int64) []telego.ChatInviteLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	out := []telego.ChatInviteLink{}
	if b == nil {
		return out
	}
	ids := slices.Sorted(maps.Keys(s.w.chats))
	for _, id := range ids {
		if chatID != 0 && id != chatID {
			continue
		}
		for _, l := range s.w.chats[id].links {
			if l.Creator.ID == b.user.ID {
				out = append(out, *l)
			}
		}
	}
	return out
}

// InviteLink looks a link up by its URL, across chats.
func (s *Server) InviteLink(url string) (chatID int64, link telego.ChatInviteLink, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, l := s.findLinkLocked(url)
	if l == nil {
		return 0, telego.ChatInviteLink{}, false
	}
	return cs.chat.ID, *l, true
}

func (s *Server) findLinkLocked(url string) (*chatState, *telego.ChatInviteLink) {
	for _, cs := range s.w.chats {
		for _, l := range cs.links {
			if l.InviteLink == url {
				return cs, l
			}
		}
	}
	return nil, nil
}

// JoinRequestDecisions returns the bot's approvals and declines, oldest first.
func (s *Server) JoinRequestDecisions(token string) []JoinRequestDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	if b == nil {
		return nil
	}
	return slices.Clone(b.decisions)
}

// PendingJoinRequests returns the join requests waiting in chatID.
func (s *Server) PendingJoinRequests(chatID int64) []telego.ChatJoinRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []telego.ChatJoinRequest{}
	cs, ok := s.w.chats[chatID]
	if !ok {
		return out
	}
	for _, id := range slices.Sorted(maps.Keys(cs.requests)) {
		r := cs.requests[id]
		out = append(out, telego.ChatJoinRequest{Chat: cs.chat, From: r.user, UserChatID: r.user.ID, Date: r.date, InviteLink: r.link})
	}
	return out
}

// WebhookInfo returns what getWebhookInfo would, plus the secret token the
// bot registered (empty when none).
func (s *Server) WebhookInfo(token string) (info telego.WebhookInfo, secret string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	if b == nil {
		return telego.WebhookInfo{}, "", ErrUnknownBot
	}
	return s.webhookInfoLocked(b), b.webhook.Secret, nil
}

// AllowedUpdates returns the bot's allowed_updates setting (empty: the default set).
func (s *Server) AllowedUpdates(token string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.anyBotLocked(token); b != nil {
		return slices.Clone(b.allowed)
	}
	return nil
}

// PendingUpdates returns the updates waiting for getUpdates or redelivery.
func (s *Server) PendingUpdates(token string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []json.RawMessage{}
	if b := s.anyBotLocked(token); b != nil {
		for _, q := range b.queue {
			out = append(out, q.Raw)
		}
	}
	return out
}

// CallCount is how many times the bot called method (canonical spelling,
// e.g. "sendMessage"; DownloadMethod for file downloads), failed calls included.
func (s *Server) CallCount(token, method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.anyBotLocked(token); b != nil {
		return b.calls[method]
	}
	return 0
}

// Calls returns the bot's call counts by method.
func (s *Server) Calls(token string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.anyBotLocked(token); b != nil {
		return maps.Clone(b.calls)
	}
	return map[string]int{}
}

// RateLimitedCount is how many sendMessage calls SetSendRate refused with 429.
func (s *Server) RateLimitedCount(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.anyBotLocked(token); b != nil {
		return b.rateLimited
	}
	return 0
}

// IsBlocked reports whether userID has blocked the bot.
func (s *Server) IsBlocked(token string, userID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	return b != nil && b.blockedBy[userID]
}
