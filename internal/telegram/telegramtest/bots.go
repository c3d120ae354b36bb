package telegramtest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// BotSpec describes a bot to register. Every field is optional.
type BotSpec struct {
	Username  string // default "test<N>_bot"
	FirstName string // default "Test Bot <N>"
	ID        int64  // default: the next free bot id
	// Token to answer to; default a fresh "<id>:AA…" token. When set, the
	// bot id is taken from it.
	Token string
}

// FakeBot is a registered bot as its owner knows it.
type FakeBot struct {
	ID        int64
	Token     string
	Username  string
	FirstName string
}

// User is the bot's own user object, as getMe returns it.
func (b FakeBot) User() telego.User {
	return telego.User{ID: b.ID, IsBot: true, FirstName: b.FirstName, Username: b.Username, CanJoinGroups: true}
}

// AddBot registers a bot and returns its token and identity.
func (s *Server) AddBot(spec BotSpec) *FakeBot {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.w

	if spec.Token != "" {
		if b, ok := w.botsByToken[spec.Token]; ok {
			return fakeBot(b)
		}
		if id, err := strconv.ParseInt(strings.SplitN(spec.Token, ":", 2)[0], 10, 64); err == nil && id > 0 {
			spec.ID = id
		}
	}
	if spec.ID == 0 {
		spec.ID = w.nextBotID
	}
	for w.bots[spec.ID] != nil && spec.Token == "" {
		spec.ID++
	}
	if spec.ID >= w.nextBotID {
		w.nextBotID = spec.ID + 1
	}
	n := spec.ID % 100_000
	if spec.Username == "" {
		spec.Username = fmt.Sprintf("test%d_bot", n)
	}
	if spec.FirstName == "" {
		spec.FirstName = fmt.Sprintf("Test Bot %d", n)
	}
	if spec.Token == "" {
		spec.Token = newToken(spec.ID)
	}

	if old := w.bots[spec.ID]; old != nil {
		// Same bot, new token: like BotFather's /revoke, the old one dies.
		delete(w.botsByToken, old.token)
		w.revoked[old.token] = old
		old.token = spec.Token
		w.botsByToken[spec.Token] = old
		return fakeBot(old)
	}
	user := FakeBot{ID: spec.ID, Token: spec.Token, Username: spec.Username, FirstName: spec.FirstName}.User()
	b := newBotState(user, spec.Token)
	w.bots[spec.ID] = b
	w.botsByToken[spec.Token] = b
	return fakeBot(b)
}

func fakeBot(b *botState) *FakeBot {
	return &FakeBot{ID: b.user.ID, Token: b.token, Username: b.user.Username, FirstName: b.user.FirstName}
}

// Bot returns the bot that answers to token.
func (s *Server) Bot(token string) (*FakeBot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.botsByToken[token]
	if !ok {
		return nil, false
	}
	return fakeBot(b), true
}

// RevokeToken makes every later call with token answer 401 Unauthorized, as
// after BotFather's /revoke. What the bot did stays inspectable by the old token.
func (s *Server) RevokeToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.botsByToken[token]
	if !ok {
		return false
	}
	delete(s.w.botsByToken, token)
	s.w.revoked[token] = b
	if b.poll != nil {
		b.poll.terminate(errUnauthorized)
	}
	return true
}

// RotateToken revokes token and issues a new one for the same bot.
func (s *Server) RotateToken(token string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.botsByToken[token]
	if !ok {
		return "", ErrUnknownBot
	}
	delete(s.w.botsByToken, token)
	s.w.revoked[token] = b
	b.token = newToken(b.user.ID)
	s.w.botsByToken[b.token] = b
	return b.token, nil
}
