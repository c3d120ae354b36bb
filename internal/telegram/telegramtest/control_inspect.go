package telegramtest

import (
	"encoding/json"
	"net/http"

	"github.com/mymmrac/telego"
)

// Control API: what the bots did and what the fake holds.

type botStateResult struct {
	Bot            telego.User        `json:"bot"`
	Webhook        telego.WebhookInfo `json:"webhook"`
	WebhookSecret  string             `json:"webhookSecret"`
	AllowedUpdates []string           `json:"allowedUpdates"`
	PendingUpdates []json.RawMessage  `json:"pendingUpdates"`
	Calls          map[string]int     `json:"calls"`
	RateLimited    int                `json:"rateLimited"`
	SentCount      int                `json:"sentCount"`
}

func (s *Server) ctlBotState(r *http.Request) (any, error) {
	token := r.URL.Query().Get("botToken")
	b, ok := s.inspectable(token)
	if !ok {
		return nil, ErrUnknownBot
	}
	info, secret, _ := s.WebhookInfo(token)
	return botStateResult{
		Bot:            b.user,
		Webhook:        info,
		WebhookSecret:  secret,
		AllowedUpdates: nonNil(s.AllowedUpdates(token)),
		PendingUpdates: s.PendingUpdates(token),
		Calls:          s.Calls(token),
		RateLimited:    s.RateLimitedCount(token),
		SentCount:      len(s.SentMessages(token)),
	}, nil
}

func (s *Server) ctlMessages(r *http.Request) (any, error) {
	chatID, err := queryInt(r, "chatId")
	if err != nil {
		return nil, err
	}
	token := r.URL.Query().Get("botToken")
	if _, ok := s.inspectable(token); !ok {
		return nil, ErrUnknownBot
	}
	return s.SentMessagesTo(token, chatID), nil
}

func (s *Server) ctlInviteLinks(r *http.Request) (any, error) {
	chatID, err := queryInt(r, "chatId")
	if err != nil {
		return nil, err
	}
	token := r.URL.Query().Get("botToken")
	if _, ok := s.inspectable(token); !ok {
		return nil, ErrUnknownBot
	}
	return s.InviteLinks(token, chatID), nil
}

func (s *Server) ctlJoinRequests(r *http.Request) (any, error) {
	chatID, err := queryInt(r, "chatId")
	if err != nil {
		return nil, err
	}
	token := r.URL.Query().Get("botToken")
	if _, ok := s.inspectable(token); !ok {
		return nil, ErrUnknownBot
	}
	decisions := []JoinRequestDecision{}
	for _, d := range s.JoinRequestDecisions(token) {
		if chatID == 0 || d.ChatID == chatID {
			decisions = append(decisions, d)
		}
	}
	return map[string]any{"pending": s.PendingJoinRequests(chatID), "decisions": decisions}, nil
}

// inspectable reports whether token is a current or revoked bot token.
func (s *Server) inspectable(token string) (*botState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	return b, b != nil
}
