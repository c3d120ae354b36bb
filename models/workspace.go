package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/sqldialect"
)

// Workspace owns bots, campaigns, uploads and API keys; people join it
// with a role. Every owner column (bots.owner_id, uploads.owner_id,
// events' scope) holds a workspace id.
type Workspace struct {
	bun.BaseModel `bun:"table:workspaces"`

	ID        string    `bun:"id,pk"`
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at"`
}

// Roles, from most to least powerful.
const (
	RoleOwner   = "owner"
	RoleAdmin   = "admin"
	RoleEditor  = "editor"
	RoleSupport = "support"
	RoleViewer  = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleOwner, RoleAdmin, RoleEditor, RoleSupport, RoleViewer}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// WorkspaceMember is one person's membership of a workspace.
type WorkspaceMember struct {
	bun.BaseModel `bun:"table:workspace_members"`

	WorkspaceID string    `bun:"workspace_id,pk"`
	UserID      string    `bun:"user_id,pk"`
	Role        string    `bun:"role"`
	JoinedAt    time.Time `bun:"joined_at"`
}

// Membership is a member as listed: the membership and who it is.
type Membership struct {
	WorkspaceID   string    `bun:"workspace_id"`
	WorkspaceName string    `bun:"workspace_name"`
	UserID        string    `bun:"user_id"`
	Email         string    `bun:"email"`
	Name          string    `bun:"name"`
	Role          string    `bun:"role"`
	JoinedAt      time.Time `bun:"joined_at"`
}

// DisplayName is the member's name, or the email when no name was given.
func (m *Membership) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

// InsertWorkspace stores a workspace and its first member (the owner).
// Run it in a transaction.
func InsertWorkspace(ctx context.Context, db bun.IDB, w *Workspace, ownerID string) error {
	if _, err := db.NewInsert().Model(w).Exec(ctx); err != nil {
		return wrap("insert workspace", err)
	}
	return AddMember(ctx, db, &WorkspaceMember{WorkspaceID: w.ID, UserID: ownerID, Role: RoleOwner, JoinedAt: w.CreatedAt})
}

// AddMember adds a membership; an existing one is a conflict.
func AddMember(ctx context.Context, db bun.IDB, m *WorkspaceMember) error {
	_, err := db.NewInsert().Model(m).Exec(ctx)
	if IsUniqueViolation(err) {
		return wrap("add member", &apperr.Error{Kind: apperr.KindConflict, Code: "already_member", Message: "You are already a member of this workspace."})
	}
	return wrap("add member", err)
}

// CurrentMembership picks the workspace a user acts in: want when the user
// is a member of it, else the first one they joined. ok is false when the
// user belongs to no workspace. One query, run on every signed-in request,
// so a removed member loses access at their next request.
func CurrentMembership(ctx context.Context, db bun.IDB, userID, want string) (wsID, role string, ok bool, err error) {
	var m WorkspaceMember
	err = db.NewSelect().Model(&m).Column("workspace_id", "role").Where("user_id = ?", userID).
		OrderExpr("CASE WHEN workspace_id = ? THEN 0 ELSE 1 END, joined_at, workspace_id", want).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, wrap("current membership", err)
	}
	return m.WorkspaceID, m.Role, true, nil
}

// MemberRole is the user's role in a workspace; not found when the user
// is not a member (so another workspace is a 404 like one that does not
// exist).
func MemberRole(ctx context.Context, db bun.IDB, wsID, userID string) (string, error) {
	var role string
	err := db.NewSelect().Model((*WorkspaceMember)(nil)).Column("role").
		Where("workspace_id = ?", wsID).Where("user_id = ?", userID).Scan(ctx, &role)
	return role, wrap("member role", notFoundAs(err, "workspace"))
}

// WorkspaceByID finds a workspace.
func WorkspaceByID(ctx context.Context, db bun.IDB, id string) (*Workspace, error) {
	w := new(Workspace)
	err := db.NewSelect().Model(w).Where("id = ?", id).Scan(ctx)
	return w, wrap("workspace by id", notFoundAs(err, "workspace"))
}

// WorkspacesOfUser lists the user's memberships, in the order joined.
func WorkspacesOfUser(ctx context.Context, db bun.IDB, userID string) ([]Membership, error) {
	var out []Membership
	err := membershipSelect(db).Where("m.user_id = ?", userID).Order("m.joined_at", "m.workspace_id").Scan(ctx, &out)
	return out, wrap("workspaces of user", err)
}

// MembersOf lists a workspace's members, owners first, then by name.
func MembersOf(ctx context.Context, db bun.IDB, wsID string) ([]Membership, error) {
	var out []Membership
	err := membershipSelect(db).Where("m.workspace_id = ?", wsID).
		OrderExpr("CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 WHEN 'support' THEN 3 ELSE 4 END, u.email").
		Scan(ctx, &out)
	return out, wrap("members of workspace", err)
}

// MemberOf is one member of a workspace; not found when not a member.
func MemberOf(ctx context.Context, db bun.IDB, wsID, userID string) (*Membership, error) {
	m := new(Membership)
	err := membershipSelect(db).Where("m.workspace_id = ?", wsID).Where("m.user_id = ?", userID).Scan(ctx, m)
	return m, wrap("member of workspace", notFoundAs(err, "member"))
}

func membershipSelect(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("workspace_members AS m").
		Join("JOIN users AS u ON u.id = m.user_id").Join("JOIN workspaces AS w ON w.id = m.workspace_id").
		ColumnExpr("m.workspace_id, w.name AS workspace_name, m.user_id, u.email, u.name, m.role, m.joined_at")
}

// RenameWorkspace changes a workspace's name.
func RenameWorkspace(ctx context.Context, db bun.IDB, id, name string) error {
	_, err := db.NewUpdate().Model((*Workspace)(nil)).Set("name = ?", name).Where("id = ?", id).Exec(ctx)
	return wrap("rename workspace", err)
}

// SetMemberRole changes a member's role; not found when not a member.
func SetMemberRole(ctx context.Context, db bun.IDB, wsID, userID, role string) error {
	res, err := db.NewUpdate().Model((*WorkspaceMember)(nil)).Set("role = ?", role).
		Where("workspace_id = ?", wsID).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return wrap("set member role", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("set member role", apperr.NotFound("member"))
	}
	return nil
}

// RemoveMember ends a membership and deletes the API keys the member made
// in that workspace; not found when not a member.
func RemoveMember(ctx context.Context, db bun.IDB, wsID, userID string) error {
	res, err := db.NewDelete().Model((*WorkspaceMember)(nil)).Where("workspace_id = ?", wsID).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return wrap("remove member", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("remove member", apperr.NotFound("member"))
	}
	_, err = db.NewDelete().Model((*APIKey)(nil)).Where("workspace_id = ?", wsID).Where("user_id = ?", userID).Exec(ctx)
	return wrap("remove member keys", err)
}

// LiveBotIDs lists the ids of a workspace's bots that are not deleted.
func LiveBotIDs(ctx context.Context, db bun.IDB, wsID string) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*Bot)(nil)).Column("id").Where("owner_id = ?", wsID).Where("status <> ?", BotDeleted).
		Order("id").Scan(ctx, &ids)
	return ids, wrap("live bot ids", err)
}

// DeleteWorkspace deletes a workspace with everything it owns (bots and
// all under them, uploads, memberships, invites, the audit log, API keys).
func DeleteWorkspace(ctx context.Context, db bun.IDB, wsID string) error {
	if _, err := db.NewDelete().Model((*APIKey)(nil)).Where("workspace_id = ?", wsID).Exec(ctx); err != nil {
		return wrap("delete workspace keys", err)
	}
	res, err := db.NewDelete().Model((*Workspace)(nil)).Where("id = ?", wsID).Exec(ctx)
	if err != nil {
		return wrap("delete workspace", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete workspace", apperr.NotFound("workspace"))
	}
	return nil
}

// CountOwners counts a workspace's owners (a workspace keeps at least one).
func CountOwners(ctx context.Context, db bun.IDB, wsID string) (int, error) {
	n, err := db.NewSelect().Model((*WorkspaceMember)(nil)).Where("workspace_id = ?", wsID).Where("role = ?", RoleOwner).Count(ctx)
	return int(n), wrap("count owners", err)
}

// LockWorkspace takes the workspace's row lock (PostgreSQL) so membership
// changes that must keep an owner are serialized; SQLite transactions are
// already serialized.
func LockWorkspace(ctx context.Context, db bun.IDB, wsID string) error {
	q := db.NewSelect().Model((*Workspace)(nil)).Column("id").Where("id = ?", wsID)
	if sqldialect.IsPostgres(db) {
		q = q.For("UPDATE")
	}
	var id string
	err := q.Scan(ctx, &id)
	return wrap("lock workspace", notFoundAs(err, "workspace"))
}

// Invite is a single-use link to join a workspace with a role, stored by
// the SHA-256 of its token.
type Invite struct {
	bun.BaseModel `bun:"table:workspace_invites"`

	ID          string     `bun:"id,pk"`
	WorkspaceID string     `bun:"workspace_id"`
	TokenHash   string     `bun:"token_hash"`
	Role        string     `bun:"role"`
	Email       string     `bun:"email"`
	CreatedBy   string     `bun:"created_by"`
	CreatedAt   time.Time  `bun:"created_at"`
	ExpiresAt   time.Time  `bun:"expires_at"`
	UsedAt      *time.Time `bun:"used_at"`
	UsedBy      string     `bun:"used_by"`
}

// InsertInvite stores an invite.
func InsertInvite(ctx context.Context, db bun.IDB, inv *Invite) error {
	_, err := db.NewInsert().Model(inv).Exec(ctx)
	return wrap("insert invite", err)
}

// PendingInvites lists a workspace's unused, unexpired invites, newest first.
func PendingInvites(ctx context.Context, db bun.IDB, wsID string, now time.Time) ([]Invite, error) {
	var out []Invite
	err := db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).Where("used_at IS NULL").
		Where("expires_at > ?", now).Order("created_at DESC", "id").Limit(200).Scan(ctx)
	return out, wrap("pending invites", err)
}

// DeleteInvite revokes an invite of the workspace; not found otherwise.
func DeleteInvite(ctx context.Context, db bun.IDB, wsID, id string) error {
	res, err := db.NewDelete().Model((*Invite)(nil)).Where("id = ?", id).Where("workspace_id = ?", wsID).Exec(ctx)
	if err != nil {
		return wrap("delete invite", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete invite", apperr.NotFound("invite"))
	}
	return nil
}

// InviteByToken finds an invite by its token's hash, used or not.
func InviteByToken(ctx context.Context, db bun.IDB, tokenHash string) (*Invite, error) {
	inv := new(Invite)
	err := db.NewSelect().Model(inv).Where("token_hash = ?", tokenHash).Scan(ctx)
	return inv, wrap("invite by token", notFoundAs(err, "invite"))
}

// UseInvite marks an invite used by userID. One conditional UPDATE, so of
// two concurrent uses only one succeeds; the other gets ErrInviteExpired.
func UseInvite(ctx context.Context, db bun.IDB, id, userID string, now time.Time) error {
	res, err := db.NewUpdate().Model((*Invite)(nil)).Set("used_at = ?", now).Set("used_by = ?", userID).
		Where("id = ?", id).Where("used_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
	if err != nil {
		return wrap("use invite", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("use invite", apperr.ErrInviteExpired)
	}
	return nil
}

// AuditEntry is one thing a member did.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID          int64     `bun:"id,pk,autoincrement"`
	WorkspaceID string    `bun:"workspace_id"`
	UserID      string    `bun:"user_id"`
	Action      string    `bun:"action"` // the route pattern, e.g. "DELETE /api/bots/{id}", or "sign-in"
	Target      string    `bun:"target"` // the path's ids, e.g. "id=bot_…"
	BotID       string    `bun:"bot_id"`
	At          time.Time `bun:"at"`
	// Filled when listing.
	Email string `bun:"email,scanonly"`
	Name  string `bun:"name,scanonly"`
}

// InsertAudit records entries.
func InsertAudit(ctx context.Context, db bun.IDB, entries ...*AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&entries).Exec(ctx)
	return wrap("insert audit entry", err)
}

// AuditSignIn records a sign-in in every workspace the user belongs to.
func AuditSignIn(ctx context.Context, db bun.IDB, userID string, at time.Time) error {
	_, err := db.NewRaw(`INSERT INTO audit_log (workspace_id, user_id, action, target, bot_id, at)
		SELECT workspace_id, user_id, 'sign-in', '', '', ? FROM workspace_members WHERE user_id = ?`, at, userID).Exec(ctx)
	return wrap("audit sign-in", err)
}

// AuditFilter selects a workspace's audit entries.
type AuditFilter struct {
	WorkspaceID string
	UserID      string // "" for every member
	BotID       string // "" for every bot
}

// ListAudit returns a page of a workspace's audit entries, newest first,
// and how many match.
func ListAudit(ctx context.Context, db bun.IDB, f AuditFilter, w Window) ([]AuditEntry, int, error) {
	var out []AuditEntry
	q := db.NewSelect().Model(&out).ColumnExpr("a.*").ColumnExpr("COALESCE(u.email, '') AS email, COALESCE(u.name, '') AS name").
		Join("LEFT JOIN users AS u ON u.id = a.user_id").
		Where("a.workspace_id = ?", f.WorkspaceID)
	if f.UserID != "" {
		q = q.Where("a.user_id = ?", f.UserID)
	}
	if f.BotID != "" {
		q = q.Where("a.bot_id = ?", f.BotID)
	}
	n, err := q.Order("a.id DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx)
	return out, int(n), wrap("list audit", err)
}
