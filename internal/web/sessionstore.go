package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// SessionCookie is the name of Botdeck's session cookie.
const SessionCookie = "botdeck_session"

// Reserved session value keys.
const (
	sessionUserKey = "uid"
	// sessionWorkspaceKey is the workspace the session acts in.
	sessionWorkspaceKey = "ws"
	sessionCreatedKey   = "_created" // unix seconds; fixes the absolute expiry
	sessionFlashKey     = "_flash"
)

// touchEvery limits how often a session's activity is written: a busy
// dashboard must not write to the database on every request.
const touchEvery = time.Minute

// SessionStore is a gorilla/sessions Store that keeps sessions in the
// database: the cookie holds only a signed random id, so signing out
// everywhere, ending other sessions on a password change and expiry are
// enforced by the server. Rows are keyed by the SHA-256 of the id.
type SessionStore struct {
	db             *bun.DB
	codecs         []securecookie.Codec
	idle, absolute time.Duration
	secure         bool
}

// NewSessionStore builds the store. hashKey and blockKey sign and encrypt
// the cookie (derived from the secret key file).
func NewSessionStore(db *bun.DB, hashKey, blockKey []byte, idle, absolute time.Duration, secure bool) *SessionStore {
	codec := securecookie.New(hashKey, blockKey)
	codec.MaxAge(int(absolute.Seconds()))
	return &SessionStore{db: db, codecs: []securecookie.Codec{codec}, idle: idle, absolute: absolute, secure: secure}
}

// Get returns the request's session, cached per request by gorilla's registry.
func (s *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or returns a new empty one. A
// missing, forged or expired cookie is not an error: it is a new session.
func (s *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options(0)
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil
	}
	now := models.Now()
	row, err := models.SessionByHash(r.Context(), s.db, hashSessionID(id), now)
	if err != nil {
		if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound {
			return sess, nil
		}
		return sess, err
	}
	values := map[string]any{}
	if err := json.Unmarshal([]byte(row.Data), &values); err != nil {
		return sess, nil
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	if row.UserID != nil {
		sess.Values[sessionUserKey] = *row.UserID
	}
	sess.Values[sessionCreatedKey] = float64(row.CreatedAt.Unix())
	sess.ID = id
	sess.IsNew = false
	if now.Sub(row.LastSeenAt) > touchEvery {
		expires := s.expiry(row.CreatedAt, now)
		if err := models.TouchSession(r.Context(), s.db, row.IDHash, now, expires); err != nil {
			return sess, err
		}
	}
	return sess, nil
}

// Save writes the session row and the cookie. MaxAge < 0 deletes both.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := models.DeleteSession(ctx, s.db, hashSessionID(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", s.options(-1)))
		return nil
	}
	now := models.Now()
	if sess.ID == "" {
		sess.ID = models.RandomString(32)
		sess.Values[sessionCreatedKey] = float64(now.Unix())
	}
	created := createdAt(sess, now)
	row := &models.Session{
		IDHash:     hashSessionID(sess.ID),
		CreatedAt:  created,
		LastSeenAt: now,
		ExpiresAt:  s.expiry(created, now),
		UserAgent:  truncate(r.UserAgent(), 200),
		IP:         clientIPFrom(r),
	}
	data := map[string]any{}
	for k, v := range sess.Values {
		key, ok := k.(string)
		if !ok || key == sessionUserKey || key == sessionCreatedKey {
			continue
		}
		data[key] = v
	}
	if uid, ok := sess.Values[sessionUserKey].(string); ok && uid != "" {
		row.UserID = &uid
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	row.Data = string(b)
	if err := models.UpsertSession(ctx, s.db, row); err != nil {
		return err
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, s.options(int(time.Until(created.Add(s.absolute)).Seconds()))))
	return nil
}

// Rotate gives sess a fresh id, dropping the old row: called at sign-in so a
// session id planted before sign-in is worthless after it.
func (s *SessionStore) Rotate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := models.DeleteSession(ctx, s.db, hashSessionID(sess.ID)); err != nil {
			return err
		}
	}
	sess.ID = ""
	sess.IsNew = true
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	return nil
}

// HashOf returns the row key of a session, "" for a new one.
func (s *SessionStore) HashOf(sess *sessions.Session) string {
	if sess == nil || sess.ID == "" {
		return ""
	}
	return hashSessionID(sess.ID)
}

func (s *SessionStore) expiry(created, now time.Time) time.Time {
	idleEnd, absEnd := now.Add(s.idle), created.Add(s.absolute)
	if idleEnd.Before(absEnd) {
		return idleEnd
	}
	return absEnd
}

func (s *SessionStore) options(maxAge int) *sessions.Options {
	return &sessions.Options{Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}

func createdAt(sess *sessions.Session, fallback time.Time) time.Time {
	if v, ok := sess.Values[sessionCreatedKey].(float64); ok {
		return time.Unix(int64(v), 0).UTC()
	}
	return fallback
}

func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// StartSession signs userID in on this browser: the old session (if any)
// is dropped and a new id issued, then saved with the cookie.
func (s *SessionStore) StartSession(w http.ResponseWriter, r *http.Request, userID string) (*sessions.Session, error) {
	sess, err := s.Get(r, SessionCookie)
	if err != nil {
		return nil, err
	}
	if err := s.Rotate(r.Context(), sess); err != nil {
		return nil, err
	}
	sess.Values[sessionUserKey] = userID
	delete(sess.Values, sessionWorkspaceKey)
	return sess, sess.Save(r, w)
}

// ChooseWorkspace makes wsID the workspace this browser's session acts in
// (the caller has checked the membership; it is checked again on every
// request).
func (s *SessionStore) ChooseWorkspace(w http.ResponseWriter, r *http.Request, wsID string) error {
	return s.ChooseWorkspaceOf(w, r, AuthOf(r).Session, wsID)
}

// ChooseWorkspaceOf is ChooseWorkspace for a session just started.
func (s *SessionStore) ChooseWorkspaceOf(w http.ResponseWriter, r *http.Request, sess *sessions.Session, wsID string) error {
	if sess == nil {
		return nil // an API-key request has no session: its key names the workspace
	}
	sess.Values[sessionWorkspaceKey] = wsID
	return sess.Save(r, w)
}

// EndSession signs this browser out: the row is deleted and the cookie
// cleared.
func (s *SessionStore) EndSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Get(r, SessionCookie)
	if err != nil {
		return err
	}
	sess.Options = s.options(-1)
	return sess.Save(r, w)
}
