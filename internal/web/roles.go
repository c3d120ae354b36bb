package web

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// Perm is what a signed-in route needs. Each private route names one in
// the route table (handlers.RoutePerms); the router checks it before the
// handler runs, so roles are enforced in one place for pages and API.
type Perm string

const (
	// PermAccount: any signed-in person, whatever their role (their own
	// account, their workspaces, accepting an invite).
	PermAccount Perm = "account"
	// PermRead: see bots, stats, users, conversations, campaigns.
	PermRead Perm = "read"
	// PermReadBuild: see how bots are built: replies, code, settings,
	// broadcasts, relay, export (not support).
	PermReadBuild Perm = "read_build"
	// PermTalk: answer conversations, edit and block users.
	PermTalk Perm = "talk"
	// PermBuild: change bots, replies, code, settings, campaigns, broadcasts.
	PermBuild Perm = "build"
	// PermAdmin: members, invites, the workspace's name, the audit log.
	PermAdmin Perm = "admin"
	// PermOwner: transfer ownership.
	PermOwner Perm = "owner"
)

// Perms lists every permission.
var Perms = []Perm{PermAccount, PermRead, PermReadBuild, PermTalk, PermBuild, PermAdmin, PermOwner}

// rolePerms is what each role may do.
var rolePerms = map[string][]Perm{
	models.RoleOwner:   {PermRead, PermReadBuild, PermTalk, PermBuild, PermAdmin, PermOwner},
	models.RoleAdmin:   {PermRead, PermReadBuild, PermTalk, PermBuild, PermAdmin},
	models.RoleEditor:  {PermRead, PermReadBuild, PermTalk, PermBuild},
	models.RoleSupport: {PermRead, PermTalk},
	models.RoleViewer:  {PermRead, PermReadBuild},
}

// Can reports whether role grants p. PermAccount needs no role.
func Can(role string, p Perm) bool {
	if p == PermAccount {
		return true
	}
	for _, x := range rolePerms[role] {
		if x == p {
			return true
		}
	}
	return false
}

// CanOf reports whether the request's role grants p (for views hiding
// what a role cannot use).
func CanOf(r *http.Request) func(Perm) bool {
	a := AuthOf(r)
	return a.Can
}

// errNoWorkspace is forbidden_role for a person who belongs to no
// workspace (they left or were removed from every one).
var errNoWorkspace = &apperr.Error{Kind: apperr.KindForbidden, Code: "forbidden_role",
	Message: "You belong to no workspace. Create one under Workspaces, or open an invite link someone sent you."}

// guard answers 403 forbidden_role when the caller's role lacks the
// route's permission; a private route missing from the table is refused
// to everyone (and fails TestEveryPrivateRouteHasARole).
func (rt *Router) guard(pattern string, h http.Handler) http.Handler {
	perm, known := rt.perms[pattern]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := AuthOf(r)
		if !known || !auth.Can(perm) {
			err := apperr.ErrForbiddenRole
			if known && auth.User != nil && auth.WorkspaceID == "" {
				err = errNoWorkspace
			}
			rt.fail(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}
