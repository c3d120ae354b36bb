package telegramtest

import (
	"fmt"

	"github.com/mymmrac/telego"
)

// UserSpec describes a Telegram user. Every field is optional.
type UserSpec struct {
	ID           int64 // default: the next free user id
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string // default "en"
	IsPremium    bool
	// WithPhoto gives the user one profile photo (three sizes), served as
	// generated PNGs.
	WithPhoto bool
}

// AddUser registers a user (or replaces one with the same id).
func (s *Server) AddUser(spec UserSpec) telego.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(spec)
}

func (s *Server) addUserLocked(spec UserSpec) telego.User {
	w := s.w
	if spec.ID == 0 {
		spec.ID = w.nextUserID
		for w.users[spec.ID] != nil {
			spec.ID++
		}
	}
	if spec.ID >= w.nextUserID && spec.ID < firstBotID {
		w.nextUserID = spec.ID + 1
	}
	if spec.FirstName == "" {
		spec.FirstName = fmt.Sprintf("User %d", spec.ID%100_000)
	}
	if spec.LanguageCode == "" {
		spec.LanguageCode = "en"
	}
	u := &userState{user: telego.User{
		ID:           spec.ID,
		FirstName:    spec.FirstName,
		LastName:     spec.LastName,
		Username:     spec.Username,
		LanguageCode: spec.LanguageCode,
		IsPremium:    spec.IsPremium,
	}}
	if spec.WithPhoto {
		u.photos = [][]telego.PhotoSize{s.newPhotoLocked(spec.ID)}
	}
	w.users[spec.ID] = u
	return u.user
}

// knowUserLocked registers u if the server has not seen it, so users that
// appear in pushed updates can be looked up (getChat, getChatMember) later.
func (s *Server) knowUserLocked(u telego.User) {
	if u.ID == 0 || u.IsBot {
		return
	}
	if _, ok := s.w.users[u.ID]; !ok {
		s.w.users[u.ID] = &userState{user: u}
	}
}

// User returns a registered user.
func (s *Server) User(id int64) (telego.User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.w.users[id]
	if !ok {
		return telego.User{}, false
	}
	return u.user, true
}

// SetDeactivated marks a user as deleted: sends to them answer 403
// "Forbidden: user is deactivated".
func (s *Server) SetDeactivated(userID int64, deactivated bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.w.users[userID]
	if !ok {
		return fmt.Errorf("telegramtest: unknown user %d", userID)
	}
	u.deactivated = deactivated
	return nil
}

// SetBlocked records that userID blocked (or unblocked) the bot, without
// pushing an update; sends to them then answer 403. Push BotBlockedUpdate
// to have the bot learn about it too.
func (s *Server) SetBlocked(token string, userID int64, blocked bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.botsByToken[token]
	if !ok {
		return ErrUnknownBot
	}
	b.blockedBy[userID] = blocked
	return nil
}
