package web

import (
	"net/http"
	"time"

	"github.com/botdeck/botdeck/models"
)

// A sign-in whose password was right but whose account asks for a second
// factor waits in the browser's (still anonymous) session for the code:
// the code page then posts only the code, never the password again. The
// wait lasts secondFactorWait; signing in (StartSession) clears it.
const (
	sessionPendingUserKey = "_2fa_uid"
	sessionPendingAtKey   = "_2fa_at"
	secondFactorWait      = 5 * time.Minute
)

// AwaitSecondFactor remembers in this browser's session that userID gave
// the right password and now owes a code. The session gets a new id first,
// so an id planted in the browser beforehand cannot finish the sign-in.
func (s *SessionStore) AwaitSecondFactor(w http.ResponseWriter, r *http.Request, userID string) error {
	sess, err := s.Get(r, SessionCookie)
	if err != nil {
		return err
	}
	if err := s.Rotate(r.Context(), sess); err != nil {
		return err
	}
	sess.Values[sessionPendingUserKey] = userID
	sess.Values[sessionPendingAtKey] = float64(models.Now().Unix())
	return sess.Save(r, w)
}

// PendingSecondFactor returns the user whose code this browser owes, when
// the password was given less than secondFactorWait ago.
func (s *SessionStore) PendingSecondFactor(r *http.Request) (string, bool) {
	sess, err := s.Get(r, SessionCookie)
	if err != nil {
		return "", false
	}
	uid, _ := sess.Values[sessionPendingUserKey].(string)
	at, _ := sess.Values[sessionPendingAtKey].(float64)
	if uid == "" || time.Since(time.Unix(int64(at), 0)) > secondFactorWait {
		return "", false
	}
	return uid, true
}
