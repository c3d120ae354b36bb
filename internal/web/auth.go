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

// Auth is who is making a request, how they proved it, and the workspace
// they act in with their role there.
type Auth struct {
	User     *models.User
	Session  *sessions.Session // the browser session; nil for API-key requests
	APIKeyID string            // set when an API key authenticated the request
	// WorkspaceID is the workspace the request acts in: the API key's, the
	// X-Workspace header's, or the session's choice (default: the first
	// workspace joined). "" when the user belongs to none.
	WorkspaceID string
	Role        string // the user's role in WorkspaceID (models.RoleOwner …)

	apiKeyWorkspace string
}

// Can reports whether the request's role grants p.
func (a *Auth) Can(p Perm) bool { return a.User != nil && Can(a.Role, p) }

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
// campaigns, API keys, events): the current workspace's id. Every ownership
// check takes it, never the user's id, so who owns objects is decided here
// alone; "" when nobody is signed in or the user belongs to no workspace.
func OwnerOf(r *http.Request) string {
	a := AuthOf(r)
	if a.User == nil {
		return ""
	}
	return a.WorkspaceID
}

// WorkspaceHeader names the workspace an API or htmx request acts in.
const WorkspaceHeader = "X-Workspace"

// Memberships looks up the workspace a user acts in (models.CurrentMembership
// and models.MemberRole over the database).
type Memberships interface {
	// Current is the user's membership of want, else their first one; ok
	// is false when they belong to no workspace.
	Current(ctx context.Context, userID, want string) (wsID, role string, ok bool, err error)
	// Role is the user's role in wsID; a not-found error when not a member.
	Role(ctx context.Context, wsID, userID string) (string, error)
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
	Members  Memberships
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
			auth.User, auth.APIKeyID, auth.apiKeyWorkspace = u, k.ID, k.WorkspaceID
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
			if err := a.workspace(r, auth); err != nil {
				a.Respond.Fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, auth)))
	})
}

// workspace fills in the workspace the request acts in and the role there.
// The membership is read on every request, so a member who is removed or
// whose role changes is treated accordingly from their next request on.
func (a *Authenticator) workspace(r *http.Request, auth *Auth) error {
	ctx, header := r.Context(), strings.TrimSpace(r.Header.Get(WorkspaceHeader))
	if header == "" {
		// /api/workspaces/{id}/… acts in the workspace it names.
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/workspaces/"); ok {
			header, _, _ = strings.Cut(rest, "/")
		}
	}
	if auth.APIKeyID != "" {
		ws := auth.apiKeyWorkspace
		if header != "" && header != ws {
			return apperr.NotFound("workspace") // a key acts in its own workspace only
		}
		role, err := a.Members.Role(ctx, ws, auth.User.ID)
		if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound {
			return apperr.ErrUnauthorized // the key's maker left the workspace: the key is void
		} else if err != nil {
			return err
		}
		auth.WorkspaceID, auth.Role = ws, role
		return nil
	}
	if header != "" {
		if !models.LooksLikeID("ws", header) {
			return apperr.NotFound("workspace")
		}
		role, err := a.Members.Role(ctx, header, auth.User.ID)
		if err != nil {
			return err
		}
		auth.WorkspaceID, auth.Role = header, role
		return nil
	}
	want := ""
	if auth.Session != nil {
		want, _ = auth.Session.Values[sessionWorkspaceKey].(string)
	}
	ws, role, ok, err := a.Members.Current(ctx, auth.User.ID, want)
	if err != nil || !ok {
		return err
	}
	auth.WorkspaceID, auth.Role = ws, role
	return nil
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
