package core

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// Workspaces manages workspaces, their members and invites, and reads the
// audit log. Who may call what is decided by the route table
// (handlers.RoutePerms); the rules here are the ones a table cannot say:
// a workspace keeps an owner, only an owner touches an owner.
type Workspaces struct {
	db   *bun.DB
	mail Mail
	log  *slog.Logger
}

// NewWorkspaces returns the workspace use cases; invites are mailed when
// mail is enabled.
func NewWorkspaces(db *bun.DB, mail Mail, log *slog.Logger) *Workspaces {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Workspaces{db: db, mail: mail, log: log}
}

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// maxPendingInvites bounds the open invites of one workspace.
const maxPendingInvites = 100

// Create makes a workspace with userID as its owner.
func (s *Workspaces) Create(ctx context.Context, userID, name string) (*models.Membership, error) {
	w := &models.Workspace{ID: models.NewID("ws"), Name: name, CreatedAt: models.Now()}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return models.InsertWorkspace(ctx, tx, w, userID)
	})
	if err != nil {
		return nil, err
	}
	return models.MemberOf(ctx, s.db, w.ID, userID)
}

// PersonalWorkspaceName is the name of the workspace sign-up creates.
func PersonalWorkspaceName(u *models.User) string { return u.DisplayName() + "'s workspace" }

// List is the user's workspaces, in the order joined.
func (s *Workspaces) List(ctx context.Context, userID string) ([]models.Membership, error) {
	return models.WorkspacesOfUser(ctx, s.db, userID)
}

// Member is one member of a workspace.
func (s *Workspaces) Member(ctx context.Context, wsID, userID string) (*models.Membership, error) {
	return models.MemberOf(ctx, s.db, wsID, userID)
}

// Rename changes the workspace's name.
func (s *Workspaces) Rename(ctx context.Context, wsID, userID, name string) (*models.Membership, error) {
	if err := models.RenameWorkspace(ctx, s.db, wsID, name); err != nil {
		return nil, err
	}
	return models.MemberOf(ctx, s.db, wsID, userID)
}

// Members lists the workspace's members.
func (s *Workspaces) Members(ctx context.Context, wsID string) ([]models.Membership, error) {
	return models.MembersOf(ctx, s.db, wsID)
}

// actorRole is the caller's role, read in the transaction.
func actorRole(ctx context.Context, tx bun.IDB, wsID, actorID string) (string, error) {
	return models.MemberRole(ctx, tx, wsID, actorID)
}

var errOwnerOnly = &apperr.Error{Kind: apperr.KindForbidden, Code: "forbidden_role", Message: "Only an owner can change an owner or make one; ownership is transferred."}

// SetRole changes a member's role. Making or unmaking an owner is for
// owners (transfer ownership), and a workspace keeps one owner.
func (s *Workspaces) SetRole(ctx context.Context, wsID, actorID, memberID, role string) (*models.Membership, error) {
	if !models.LooksLikeID("usr", memberID) {
		return nil, apperr.NotFound("member")
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockWorkspace(ctx, tx, wsID); err != nil {
			return err
		}
		actor, err := actorRole(ctx, tx, wsID, actorID)
		if err != nil {
			return err
		}
		target, err := models.MemberRole(ctx, tx, wsID, memberID)
		if err != nil {
			return apperr.NotFound("member")
		}
		if (target == models.RoleOwner || role == models.RoleOwner) && actor != models.RoleOwner {
			return errOwnerOnly
		}
		if target == models.RoleOwner && role != models.RoleOwner {
			if err := s.keepsOwner(ctx, tx, wsID); err != nil {
				return err
			}
		}
		return models.SetMemberRole(ctx, tx, wsID, memberID, role)
	})
	if err != nil {
		return nil, err
	}
	return models.MemberOf(ctx, s.db, wsID, memberID)
}

// keepsOwner refuses a change that would leave the workspace without an
// owner (called before removing or demoting one of them).
func (s *Workspaces) keepsOwner(ctx context.Context, tx bun.IDB, wsID string) error {
	n, err := models.CountOwners(ctx, tx, wsID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return &apperr.Error{Kind: apperr.KindConflict, Code: "last_owner",
			Message: "A workspace needs an owner: transfer ownership to another member first."}
	}
	return nil
}

// Remove ends a member's membership; their next request no longer acts in
// the workspace (the membership is checked on every request) and the API
// keys they made there stop working. Admins cannot remove owners.
func (s *Workspaces) Remove(ctx context.Context, wsID, actorID, memberID string) error {
	if !models.LooksLikeID("usr", memberID) {
		return apperr.NotFound("member")
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockWorkspace(ctx, tx, wsID); err != nil {
			return err
		}
		actor, err := actorRole(ctx, tx, wsID, actorID)
		if err != nil {
			return err
		}
		target, err := models.MemberRole(ctx, tx, wsID, memberID)
		if err != nil {
			return apperr.NotFound("member")
		}
		if target == models.RoleOwner {
			if actor != models.RoleOwner {
				return errOwnerOnly
			}
			if err := s.keepsOwner(ctx, tx, wsID); err != nil {
				return err
			}
		}
		return models.RemoveMember(ctx, tx, wsID, memberID)
	})
}

// Leave ends the caller's own membership (an only owner transfers first).
func (s *Workspaces) Leave(ctx context.Context, wsID, userID string) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockWorkspace(ctx, tx, wsID); err != nil {
			return err
		}
		role, err := models.MemberRole(ctx, tx, wsID, userID)
		if err != nil {
			return err
		}
		if role == models.RoleOwner {
			if err := s.keepsOwner(ctx, tx, wsID); err != nil {
				return err
			}
		}
		return models.RemoveMember(ctx, tx, wsID, userID)
	})
}

// Transfer makes another member the owner; the caller (an owner) becomes
// an admin.
func (s *Workspaces) Transfer(ctx context.Context, wsID, ownerID, memberID string) (*models.Membership, error) {
	if !models.LooksLikeID("usr", memberID) || memberID == ownerID {
		return nil, apperr.Invalid("Choose another member of this workspace.", apperr.FieldErrors{"memberId": "is not another member"})
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockWorkspace(ctx, tx, wsID); err != nil {
			return err
		}
		if role, err := actorRole(ctx, tx, wsID, ownerID); err != nil {
			return err
		} else if role != models.RoleOwner {
			return errOwnerOnly
		}
		if _, err := models.MemberRole(ctx, tx, wsID, memberID); err != nil {
			return apperr.Invalid("Choose another member of this workspace.", apperr.FieldErrors{"memberId": "is not a member"})
		}
		if err := models.SetMemberRole(ctx, tx, wsID, memberID, models.RoleOwner); err != nil {
			return err
		}
		return models.SetMemberRole(ctx, tx, wsID, ownerID, models.RoleAdmin)
	})
	if err != nil {
		return nil, err
	}
	return models.MemberOf(ctx, s.db, wsID, memberID)
}

// Delete deletes the workspace and everything it owns. Its bots are
// disconnected first (their webhooks removed, best effort, by disconnect),
// then the rows go in one transaction.
func (s *Workspaces) Delete(ctx context.Context, wsID, actorID string, disconnect func(ctx context.Context, ownerID, botID string) error) error {
	if role, err := models.MemberRole(ctx, s.db, wsID, actorID); err != nil {
		return err
	} else if role != models.RoleOwner {
		return errOwnerOnly
	}
	ids, err := models.LiveBotIDs(ctx, s.db, wsID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := disconnect(ctx, wsID, id); err != nil {
			return err
		}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return models.DeleteWorkspace(ctx, tx, wsID)
	})
}

// NewInvite is an invite just made, with its link (shown once).
type NewInvite struct {
	Invite *models.Invite
	URL    string
	Mailed bool
}

// Invite makes a single-use link to join the workspace with a role, valid
// InviteTTL, at baseURL/invites/<token>. With an email and mail
// configured, the link is mailed too (with the public URL).
func (s *Workspaces) Invite(ctx context.Context, wsID, actorID string, req contract.InviteRequest, baseURL string) (*NewInvite, error) {
	now := models.Now()
	pending, err := models.PendingInvites(ctx, s.db, wsID, now)
	if err != nil {
		return nil, err
	}
	if len(pending) >= maxPendingInvites {
		return nil, &apperr.Error{Kind: apperr.KindConflict, Code: "too_many_invites", Message: "This workspace has too many open invites. Revoke some first."}
	}
	token := models.RandomString(25) // 200 random bits
	inv := &models.Invite{ID: models.NewID("inv"), WorkspaceID: wsID, TokenHash: hashToken(token), Role: req.Role, Email: req.Email,
		CreatedBy: actorID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	if err := models.InsertInvite(ctx, s.db, inv); err != nil {
		return nil, err
	}
	out := &NewInvite{Invite: inv, URL: strings.TrimRight(baseURL, "/") + "/invites/" + token}
	if req.Email != "" && s.mail.Enabled() {
		out.Mailed = true
		link := strings.TrimRight(s.mail.BaseURL, "/") + "/invites/" + token
		ws, err := models.WorkspaceByID(ctx, s.db, wsID)
		if err != nil {
			return nil, err
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetMailTimeout)
			defer cancel()
			body := "You are invited to join the Botdeck workspace " + ws.Name + " as " + req.Role + ".\n\n" +
				"Open this link within 7 days to sign up or sign in and join (it works once):\n\n" + link + "\n"
			if err := s.mail.Sender.Send(ctx, req.Email, "Join "+ws.Name+" on Botdeck", body); err != nil {
				s.log.Error("invite mail failed", "invite", inv.ID, "err", err)
			}
		}()
	}
	return out, nil
}

// Invites lists the workspace's open invites.
func (s *Workspaces) Invites(ctx context.Context, wsID string) ([]models.Invite, error) {
	return models.PendingInvites(ctx, s.db, wsID, models.Now())
}

// RevokeInvite deletes an invite of the workspace.
func (s *Workspaces) RevokeInvite(ctx context.Context, wsID, id string) error {
	if !models.LooksLikeID("inv", id) {
		return apperr.NotFound("invite")
	}
	return models.DeleteInvite(ctx, s.db, wsID, id)
}

// InviteInfo is what an invite's page shows.
type InviteInfo struct {
	Invite    *models.Invite
	Workspace *models.Workspace
}

// LookupInvite finds the invite of a token: not found when unknown,
// ErrInviteExpired when expired or used.
func (s *Workspaces) LookupInvite(ctx context.Context, token string) (*InviteInfo, error) {
	if token == "" || len(token) > 100 {
		return nil, apperr.NotFound("invite")
	}
	inv, err := models.InviteByToken(ctx, s.db, hashToken(token))
	if err != nil {
		return nil, err
	}
	if inv.UsedAt != nil || !models.Now().Before(inv.ExpiresAt) {
		return nil, apperr.ErrInviteExpired
	}
	ws, err := models.WorkspaceByID(ctx, s.db, inv.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return &InviteInfo{Invite: inv, Workspace: ws}, nil
}

// Accept joins userID to the invite's workspace with its role and uses
// the invite up. A person who is already a member keeps their role (the
// invite stays unused).
func (s *Workspaces) Accept(ctx context.Context, token, userID string) (*models.Membership, error) {
	info, err := s.LookupInvite(ctx, token)
	if err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := models.MemberRole(ctx, tx, info.Invite.WorkspaceID, userID); err == nil {
			return &apperr.Error{Kind: apperr.KindConflict, Code: "already_member", Message: "You are already a member of this workspace."}
		}
		now := models.Now()
		if err := models.UseInvite(ctx, tx, info.Invite.ID, userID, now); err != nil {
			return err
		}
		return models.AddMember(ctx, tx, &models.WorkspaceMember{WorkspaceID: info.Invite.WorkspaceID, UserID: userID, Role: info.Invite.Role, JoinedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return models.MemberOf(ctx, s.db, info.Invite.WorkspaceID, userID)
}

// Audit lists a page of the workspace's audit log.
func (s *Workspaces) Audit(ctx context.Context, wsID string, req contract.AuditRequest) ([]models.AuditEntry, int, error) {
	if req.MemberID != "" && !models.LooksLikeID("usr", req.MemberID) {
		return nil, 0, apperr.Invalid("memberId is not a member id.", apperr.FieldErrors{"memberId": "is not a member id"})
	}
	if req.BotID != "" && !models.LooksLikeID("bot", req.BotID) {
		return nil, 0, apperr.Invalid("botId is not a bot id.", apperr.FieldErrors{"botId": "is not a bot id"})
	}
	return models.ListAudit(ctx, s.db, models.AuditFilter{WorkspaceID: wsID, UserID: req.MemberID, BotID: req.BotID},
		models.Window{Limit: req.Size(), Offset: req.Offset()})
}

// AuditEntry stores one entry of the audit log (the router's recorder).
func (s *Workspaces) AuditEntry(ctx context.Context, e *models.AuditEntry) {
	if err := models.InsertAudit(ctx, s.db, e); err != nil {
		s.log.ErrorContext(ctx, "audit log", "action", e.Action, "err", err)
	}
}

// Current is the user's membership of want, else their first one (the
// authenticator's lookup on every request).
func (s *Workspaces) Current(ctx context.Context, userID, want string) (string, string, bool, error) {
	return models.CurrentMembership(ctx, s.db, userID, want)
}

// Role is the user's role in wsID; not found when not a member.
func (s *Workspaces) Role(ctx context.Context, wsID, userID string) (string, error) {
	return models.MemberRole(ctx, s.db, wsID, userID)
}

// hashToken is how invite tokens are stored (a plain SHA-256, like API
// keys: 200 random bits need no slow hash).
func hashToken(token string) string { return hashAPIKey(token) }
