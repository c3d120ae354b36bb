package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// WorkspaceRequest is the body of POST /api/workspaces and PATCH
// /api/workspaces/{id} (and their forms).
type WorkspaceRequest struct {
	Name string `json:"name" form:"name" validate:"required,max=100"`
}

// Normalize trims the name.
func (r *WorkspaceRequest) Normalize() { r.Name = strings.TrimSpace(r.Name) }

// SwitchWorkspaceRequest is the header switcher's form.
type SwitchWorkspaceRequest struct {
	Workspace string `form:"workspace" validate:"required,max=40"`
	Next      string `form:"next"`
}

// MemberRoleRequest is the body of PATCH /api/workspaces/{id}/members/{memberId}.
type MemberRoleRequest struct {
	Role string `json:"role" form:"role" validate:"required,oneof=owner admin editor support viewer"`
}

// InviteRequest is the body of POST /api/workspaces/{id}/invites. An
// invite cannot make an owner: ownership is transferred.
type InviteRequest struct {
	Role  string `json:"role" form:"role" validate:"required,oneof=admin editor support viewer"`
	Email string `json:"email" form:"email" validate:"omitempty,email,max=254"`
}

// Normalize trims the email.
func (r *InviteRequest) Normalize() { r.Email = models.NormalizeEmail(r.Email) }

// TransferRequest is the body of POST /api/workspaces/{id}/transfer.
type TransferRequest struct {
	MemberID string `json:"memberId" form:"memberId" validate:"required,max=40"`
}

// AuditRequest is the query of GET /api/audit and the audit page.
type AuditRequest struct {
	MemberID string `json:"memberId" form:"memberId" validate:"max=40"`
	BotID    string `json:"botId" form:"botId" validate:"max=40"`
	Page     `form:",inline"`
}

// WorkspaceJSON is a workspace as the caller sees it, with their role.
type WorkspaceJSON struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
	Current  bool      `json:"current"`
}

// WorkspaceOf is a membership as the member sees their workspace.
func WorkspaceOf(m *models.Membership, current string) WorkspaceJSON {
	return WorkspaceJSON{ID: m.WorkspaceID, Name: m.WorkspaceName, Role: m.Role, JoinedAt: m.JoinedAt, Current: m.WorkspaceID == current}
}

// MemberJSON is one member of a workspace; id is the member's user id
// (the memberId of the member routes and the audit log).
type MemberJSON struct {
	ID       string    `json:"id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

// MemberOf is a membership as listed.
func MemberOf(m *models.Membership) MemberJSON {
	return MemberJSON{ID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, JoinedAt: m.JoinedAt}
}

// InviteJSON is an invite; URL is only known when it is made (the token
// is stored hashed).
type InviteJSON struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	Email     string    `json:"email"`
	URL       string    `json:"url,omitempty"`
	ExpiresAt time.Time `json:"expiresAt"`
	CreatedAt time.Time `json:"createdAt"`
}

// InviteOf is an invite as listed.
func InviteOf(inv *models.Invite) InviteJSON {
	return InviteJSON{ID: inv.ID, Role: inv.Role, Email: inv.Email, ExpiresAt: inv.ExpiresAt, CreatedAt: inv.CreatedAt}
}

// AuditJSON is one audit entry.
type AuditJSON struct {
	MemberID string    `json:"memberId"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	BotID    string    `json:"botId"`
	At       time.Time `json:"at"`
}

// AuditOf is an audit entry as listed.
func AuditOf(e *models.AuditEntry) AuditJSON {
	return AuditJSON{MemberID: e.UserID, Action: e.Action, Target: e.Target, BotID: e.BotID, At: e.At}
}
