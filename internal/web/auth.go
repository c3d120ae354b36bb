package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/sessions"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// Auth is who is making a request and how they proved it.
type Auth struct {
	User     *models.User
	Session  *sessions.Session // the browser session; nil for API-key requests
	APIKeyID string            // set when an API key authenticated the request
}

type authKey struct{}

// AuthOf returns the request's authentication; its User is nil when nobody
// is signed in.
func AuthOf(r *http.Request) *Auth {
	if a, ok := r.Context().Value(authKey{}).(*Auth); ok {
		return a
	}
	return &Auth{}
}

// UserOf returns the signed-in user or nil.
func UserOf(r *http.Request) *models.User { return AuthOf(r).User }

// OwnerOf is the id that owns what the request may see and change (bots,
// campaigns, API keys, events): every ownership check takes it, never the
// user's id directly, so who owns objects is decided here alone. Today each
// account owns its own objects; "" when nobody is signed in.
func OwnerOf(r *http.Request) string {
	if u := AuthOf(r).User; u != nil {
		return u.ID
	}
	return ""
}

// KeyAuthenticator checks API keys (core.Accounts implements it).
type KeyAuthenticator interface {
	AuthenticateAPIKey(ctx context.Context, key string) (*models.User, *models.APIKey, error)
}

// UserLoader loads a user by id (for sessions).
type UserLoader func(ctx context.Context, id string) (*models.User, error)

// Authenticator resolves the caller of every request: an API key (on /api,
// from "Authorization: Bearer" or "X-API-Key") or the session cookie.
type Authenticator struct {
	Sessions *SessionStore
	Keys     KeyAuthenticator
	LoadUser UserLoader
	Respond  *Responder
}

// Middleware attaches Auth to the request. A request presenting a bad API
// key is refused at once (401), even when it also carries a cookie: an
// integrator must learn that their key is wrong.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := &Auth{}
		if key, present := apiKeyOf(r); present && IsAPI(r) {
			u, k, err := a.Keys.AuthenticateAPIKey(r.Context(), key)
			if err != nil {
				a.Respond.Fail(w, r, err)
				return
			}
			auth.User, auth.APIKeyID = u, k.ID
		} else if _, err := r.Cookie(SessionCookie); err == nil {
			sess, err := a.Sessions.Get(r, SessionCookie)
			if err != nil {
				a.Respond.Fail(w, r, err)
				return
			}
			auth.Session = sess
			if uid, ok := sess.Values[sessionUserKey].(string); ok && uid != "" {
				u, err := a.LoadUser(r.Context(), uid)
				if err == nil {
					auth.User = u
				} else if e, ok := apperr.AsError(err); !ok || e.Kind != apperr.KindNotFound {
					a.Respond.Fail(w, r, err)
					return
				}
			}
		}
		if auth.User != nil {
			infoFrom(r.Context()).UserID = auth.User.ID
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, auth)))
	})
}

// apiKeyOf returns the API key presented by r, if any.
func apiKeyOf(r *http.Request) (string, bool) {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return strings.TrimSpace(k), true
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token), true
		}
		return "", true // an Authorization header we do not understand is a bad key
	}
	return "", false
}

// RequireUser lets only signed-in callers through: API callers get 401,
// browsers are sent to the sign-in page and brought back afterwards.
func (x *Responder) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if UserOf(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if IsAPI(r) {
			x.Fail(w, r, apperr.ErrUnauthorized)
			return
		}
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// SafeNext returns next when it is a local path (no scheme, no host, not
// protocol-relative), else "/": a sign-in link can never bounce a user to
// another site.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}
