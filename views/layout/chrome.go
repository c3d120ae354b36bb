// Package layout renders the page shell: head, navigation, flash messages,
// the toast region and the main landmark every page lives in.
package layout

import (
	"context"
	"strconv"
)

type canKey struct{}

// WithCan gives the views of a request the member's permission check
// (web.Perm names), so any page can hide what the role cannot use.
func WithCan(ctx context.Context, can func(perm string) bool) context.Context {
	return context.WithValue(ctx, canKey{}, can)
}

// Can reports whether the member drawing the page may use perm ("build",
// "read_build", "talk", "admin" …). Without a check (a view rendered
// outside a request) everything shows.
func Can(ctx context.Context, perm string) bool {
	if can, ok := ctx.Value(canKey{}).(func(string) bool); ok {
		return can(perm)
	}
	return true
}

// Chrome is the view model of everything around a page's own content. The
// web layer builds it from the request; pages never see it.
type Chrome struct {
	Title      string
	UserName   string // empty when signed out
	UserEmail  string
	Path       string // current path, to mark the active navigation item
	CSS        string // fingerprinted asset URLs
	JS         string
	PageJS     []string // extra scripts a page asked for (the code editor)
	PageCSS    []string
	Flashes    []Flash
	Demo       bool
	SignupOpen bool
	Theme      string // "light", "dark", or "" to follow the system
	TimeZone   string // the signed-in member's IANA zone; "" until known
	Unread     int64  // messages waiting unread in the workspace's conversations
	UserID     string // the signed-in member (their notification events)
	// Notifications counts the member's unread notifications (the bell).
	Notifications int64
	// The workspace the member acts in, their role there and what it
	// allows (web.Perm names), and the others they may switch to.
	WorkspaceID   string
	WorkspaceName string
	Role          string
	Perms         []string
	Workspaces    []WorkspaceChoice

	pageStream string // the event stream the page asked for (stream.go)
}

// WorkspaceChoice is one workspace of the header's switcher.
type WorkspaceChoice struct{ ID, Name string }

// Can reports whether the member's role grants perm (a web.Perm name):
// the layout and pages hide what the role cannot use.
func (c Chrome) Can(perm string) bool {
	for _, p := range c.Perms {
		if p == perm {
			return true
		}
	}
	return false
}

// ThemeChoice is the theme menu's current choice.
func (c Chrome) ThemeChoice() string {
	if c.Theme == "" {
		return "system"
	}
	return c.Theme
}

// Flash is a one-time message carried across a redirect.
type Flash struct {
	Level   string // "success", "error" or "info"
	Message string
}

// SignedIn reports whether a user is signed in.
func (c Chrome) SignedIn() bool { return c.UserName != "" || c.UserEmail != "" }

// NavItem is one entry of the main navigation.
type NavItem struct {
	Label string
	Href  string
}

// Nav is the main navigation of a signed-in user.
func (c Chrome) Nav() []NavItem {
	items := []NavItem{{"Dashboard", "/"}, {"Bots", "/bots"}}
	if c.Can("read") {
		items = append(items, NavItem{"Campaigns", "/campaigns"}, NavItem{"Members", "/workspace/members"})
	}
	return append(items, NavItem{"Account", "/account"})
}

// UnreadLabel is the navigation's unread count, e.g. "3" ("99+" beyond).
func (c Chrome) UnreadLabel() string { return unreadLabel(c.Unread) }

func unreadLabel(n int64) string {
	if n > 99 {
		return "99+"
	}
	return strconv.FormatInt(n, 10)
}

// Active reports whether item is the current section.
func (c Chrome) Active(item NavItem) bool {
	if item.Href == "/" {
		return c.Path == "/"
	}
	return c.Path == item.Href || len(c.Path) > len(item.Href) && c.Path[:len(item.Href)+1] == item.Href+"/"
}

// PageTitle is the document title.
func (c Chrome) PageTitle() string {
	if c.Title == "" {
		return "Botdeck"
	}
	return c.Title + " · Botdeck"
}
