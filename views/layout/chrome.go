// Package layout renders the page shell: head, navigation, flash messages,
// the toast region and the main landmark every page lives in.
package layout

import "strconv"

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
	Unread     int64  // messages waiting unread in the account's conversations
	UserID     string // the signed-in member (their notification events)
	// Notifications counts the member's unread notifications (the bell).
	Notifications int64
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
func Nav() []NavItem {
	return []NavItem{
		{"Dashboard", "/"},
		{"Bots", "/bots"},
		{"Campaigns", "/campaigns"},
		{"Account", "/account"},
	}
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
