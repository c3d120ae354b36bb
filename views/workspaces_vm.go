package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// RoleOption is one role of a select.
type RoleOption struct{ Value, Label string }

// RoleLabel is how a role is shown.
func RoleLabel(role string) string {
	switch role {
	case models.RoleOwner:
		return "Owner"
	case models.RoleAdmin:
		return "Admin"
	case models.RoleEditor:
		return "Editor"
	case models.RoleSupport:
		return "Support"
	case models.RoleViewer:
		return "Viewer"
	}
	return role
}

// RoleHelp says what a role may do.
func RoleHelp(role string) string {
	switch role {
	case models.RoleOwner:
		return "everything, including transferring ownership"
	case models.RoleAdmin:
		return "everything but changing owners: members, invites, the audit log"
	case models.RoleEditor:
		return "bots, replies, code, campaigns and broadcasts"
	case models.RoleSupport:
		return "conversations and users only"
	case models.RoleViewer:
		return "read only"
	}
	return ""
}

// MemberRow is one member of the members page.
type MemberRow struct {
	ID, Name, Email, Role string
	JoinedAt              time.Time
	Self                  bool
	Editable              bool // the viewer may change this member's role or remove them
}

// InviteRow is one pending invite.
type InviteRow struct {
	ID, Role, Email string
	ExpiresAt       time.Time
}

// WorkspaceVM is the view model of the workspace page: its name, members
// and invites. What the viewer's role cannot do is not shown.
type WorkspaceVM struct {
	ID, Name   string
	Role       string // the viewer's role
	CanAdmin   bool
	CanOwner   bool
	Members    []MemberRow
	Invites    []InviteRow
	InviteURL  string // the invite just made, shown once
	InviteRole string
	Mailed     bool
	Form       struct{ Role, Email, Name string }
	Errors     map[string]string
	Message    string
}

// RoleOptions are the roles a member may be given here.
func (vm WorkspaceVM) RoleOptions() []RoleOption {
	var out []RoleOption
	for _, r := range models.Roles {
		if r == models.RoleOwner && !vm.CanOwner {
			continue
		}
		out = append(out, RoleOption{r, RoleLabel(r)})
	}
	return out
}

// InviteRoles are the roles an invite may give (never owner).
func (vm WorkspaceVM) InviteRoles() []RoleOption {
	var out []RoleOption
	for _, r := range models.Roles[1:] {
		out = append(out, RoleOption{r, RoleLabel(r) + " — " + RoleHelp(r)})
	}
	return out
}

// TransferCandidates are the members ownership can go to.
func (vm WorkspaceVM) TransferCandidates() []MemberRow {
	var out []MemberRow
	for _, m := range vm.Members {
		if !m.Self && m.Role != models.RoleOwner {
			out = append(out, m)
		}
	}
	return out
}

// WorkspaceItem is one workspace of the workspaces page.
type WorkspaceItem struct {
	ID, Name, Role string
	Current        bool
}

// WorkspacesVM is the view model of the workspaces page.
type WorkspacesVM struct {
	Items   []WorkspaceItem
	Name    string
	Errors  map[string]string
	Message string
}

// InvitePageVM is the view model of an invite's page.
type InvitePageVM struct {
	Token, WorkspaceName, Role string
	ExpiresAt                  time.Time
	Problem                    string // why the invite cannot be used ("" when it can)
	SignedIn                   bool
	UserEmail                  string
	Member                     bool // the signed-in person already belongs to the workspace
}

// SignupHref is the sign-up page that joins with this invite.
func (vm InvitePageVM) SignupHref() string { return "/signup?invite=" + url.QueryEscape(vm.Token) }

// LoginHref is the sign-in page that comes back here.
func (vm InvitePageVM) LoginHref() string {
	return "/login?next=" + url.QueryEscape("/invites/"+vm.Token)
}

// AuditRow is one entry of the audit page.
type AuditRow struct {
	Who, Action, Target, BotID string
	At                         time.Time
}

// AuditVM is the view model of the audit page.
type AuditVM struct {
	Rows     []AuditRow
	Members  []RoleOption // id, name
	MemberID string
	BotID    string
	Page     int
	Total    int
	Pages    int
	Limit    int
}

// Pager is the audit list's pager; the filters stay in the URL.
func (vm AuditVM) Pager() components.PagerVM {
	return components.PagerVM{Page: vm.Page, TotalPages: vm.Pages, Total: vm.Total, Noun: "entries", Href: func(p int) string {
		q := url.Values{}
		if vm.MemberID != "" {
			q.Set("memberId", vm.MemberID)
		}
		if vm.BotID != "" {
			q.Set("botId", vm.BotID)
		}
		q.Set("page", strconv.Itoa(p))
		return "/workspace/audit?" + q.Encode()
	}}
}
