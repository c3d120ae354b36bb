package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Workspaces handles workspaces, members, invites and the audit log. The
// workspace acted on is always the request's (web.OwnerOf): on the API the
// {id} of /api/workspaces/{id}/… selects it (404 when the caller is not a
// member), on pages the session's choice.
type Workspaces struct {
	respond   *web.Responder
	bind      *web.Binder
	sessions  *web.SessionStore
	ws        *core.Workspaces
	bots      *core.Bots
	publicURL string
}

// NewWorkspaces returns the workspace handlers.
func NewWorkspaces(d Deps) *Workspaces {
	return &Workspaces{respond: d.Respond, bind: d.Bind, sessions: d.Sessions, ws: d.Workspaces, bots: d.Bots, publicURL: d.PublicURL}
}

func mountWorkspaces(rt *web.Router, d Deps) {
	h := NewWorkspaces(d)
	rt.Both("GET /workspaces", "GET /api/workspaces", h.List, true)
	rt.Both("POST /workspaces", "POST /api/workspaces", h.Create, true)
	rt.Private("POST /workspaces/switch", http.HandlerFunc(h.Switch))
	rt.Both("POST /workspace", "PATCH /api/workspaces/{id}", h.Rename, true)
	rt.Both("GET /workspace/members", "GET /api/workspaces/{id}/members", h.Members, true)
	rt.Both("POST /workspace/members/{memberId}", "PATCH /api/workspaces/{id}/members/{memberId}", h.SetRole, true)
	rt.Both("POST /workspace/members/{memberId}/remove", "DELETE /api/workspaces/{id}/members/{memberId}", h.Remove, true)
	rt.Both("POST /workspace/invites", "POST /api/workspaces/{id}/invites", h.Invite, true)
	rt.Both("", "GET /api/workspaces/{id}/invites", h.Invites, true)
	rt.Both("POST /workspace/invites/{inviteId}/revoke", "DELETE /api/workspaces/{id}/invites/{inviteId}", h.RevokeInvite, true)
	rt.Both("POST /workspace/leave", "POST /api/workspaces/{id}/leave", h.Leave, true)
	rt.Both("POST /workspace/transfer", "POST /api/workspaces/{id}/transfer", h.Transfer, true)
	rt.Both("POST /workspace/delete", "DELETE /api/workspaces/{id}", h.Delete, true)
	rt.Public("GET /invites/{token}", http.HandlerFunc(h.InvitePage))
	rt.Both("POST /invites/{token}/accept", "POST /api/invites/{token}/accept", h.Accept, true)
	rt.Both("GET /workspace/audit", "GET /api/audit", h.Audit, true)
}

// list is the caller's workspaces as JSON.
func (h *Workspaces) list(ctx context.Context, r *http.Request) ([]contract.WorkspaceJSON, []models.Membership, error) {
	ms, err := h.ws.List(ctx, web.UserOf(r).ID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]contract.WorkspaceJSON, len(ms))
	for i := range ms {
		out[i] = contract.WorkspaceOf(&ms[i], web.OwnerOf(r))
	}
	return out, ms, nil
}

func (h *Workspaces) listPage(r *http.Request, form views.WorkspacesVM) web.View {
	return web.Render(func(ctx context.Context) (views.WorkspacesVM, error) {
		_, ms, err := h.list(ctx, r)
		vm := form
		for _, m := range ms {
			vm.Items = append(vm.Items, views.WorkspaceItem{ID: m.WorkspaceID, Name: m.WorkspaceName, Role: m.Role, Current: m.WorkspaceID == web.OwnerOf(r)})
		}
		return vm, err
	}, views.WorkspacesPage)
}

// List shows the caller's workspaces.
func (h *Workspaces) List(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data, _, err := h.list(r.Context(), r)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	page, pagination := contract.Slice(data, in)
	h.respond.Respond(w, r, web.Response{Title: "Workspaces", Data: page, Pagination: &pagination, Page: h.listPage(r, views.WorkspacesVM{})})
}

// Create makes a workspace owned by the caller; the browser switches to it.
func (h *Workspaces) Create(w http.ResponseWriter, r *http.Request) {
	var in contract.WorkspaceRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return web.Response{Title: "Workspaces", Page: h.listPage(r, views.WorkspacesVM{Name: in.Name, Errors: f, Message: msg})}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	m, err := h.ws.Create(r.Context(), web.UserOf(r).ID, in.Name)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if !web.IsAPI(r) {
		if err := h.sessions.ChooseWorkspace(w, r, m.WorkspaceID); err != nil {
			h.respond.Fail(w, r, err)
			return
		}
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: contract.WorkspaceOf(m, m.WorkspaceID), Redirect: "/", Flash: "Workspace “" + m.WorkspaceName + "” created."})
}

// Switch makes another of the caller's workspaces the session's.
func (h *Workspaces) Switch(w http.ResponseWriter, r *http.Request) {
	var in contract.SwitchWorkspaceRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	m, err := h.ws.Member(r.Context(), in.Workspace, web.UserOf(r).ID)
	if err != nil {
		h.respond.Fail(w, r, apperr.NotFound("workspace"))
		return
	}
	if err := h.sessions.ChooseWorkspace(w, r, m.WorkspaceID); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	// Pages of one workspace's objects are 404 in another: go home.
	h.respond.Respond(w, r, web.Response{Redirect: "/", Flash: "Switched to “" + m.WorkspaceName + "”."})
}

// Rename changes the current workspace's name.
func (h *Workspaces) Rename(w http.ResponseWriter, r *http.Request) {
	var in contract.WorkspaceRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.page(r, func(vm *views.WorkspaceVM) { vm.Form.Name, vm.Errors, vm.Message = in.Name, f, msg })
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	m, err := h.ws.Rename(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, in.Name)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.WorkspaceOf(m, m.WorkspaceID), Redirect: "/workspace/members", Flash: "Workspace renamed."})
}

// page is the workspace page (members, invites) around edit's form state.
func (h *Workspaces) page(r *http.Request, edit func(*views.WorkspaceVM)) web.Response {
	auth := web.AuthOf(r)
	wsID, self := web.OwnerOf(r), web.UserOf(r).ID
	vm := func(ctx context.Context) (views.WorkspaceVM, error) {
		vm := views.WorkspaceVM{ID: wsID, Role: auth.Role, CanAdmin: auth.Can(web.PermAdmin), CanOwner: auth.Can(web.PermOwner)}
		vm.Form.Role = models.RoleSupport
		members, err := h.ws.Members(ctx, wsID)
		if err != nil {
			return vm, err
		}
		for _, m := range members {
			if m.UserID == self {
				vm.Name = m.WorkspaceName
			}
			editable := m.UserID != self && vm.CanAdmin && (m.Role != models.RoleOwner || vm.CanOwner)
			vm.Members = append(vm.Members, views.MemberRow{ID: m.UserID, Name: m.DisplayName(), Email: m.Email, Role: m.Role, JoinedAt: m.JoinedAt,
				Self: m.UserID == self, Editable: editable})
		}
		vm.Form.Name = vm.Name
		if vm.CanAdmin {
			invites, err := h.ws.Invites(ctx, wsID)
			if err != nil {
				return vm, err
			}
			for _, inv := range invites {
				vm.Invites = append(vm.Invites, views.InviteRow{ID: inv.ID, Role: inv.Role, Email: inv.Email, ExpiresAt: inv.ExpiresAt})
			}
		}
		if edit != nil {
			edit(&vm)
		}
		return vm, nil
	}
	return web.Response{Title: "Workspace members", Page: web.Render(vm, views.WorkspacePage)}
}

// Members lists the current workspace's members.
func (h *Workspaces) Members(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	ms, err := h.ws.Members(r.Context(), web.OwnerOf(r))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.MemberJSON, len(ms))
	for i := range ms {
		out[i] = contract.MemberOf(&ms[i])
	}
	res := h.page(r, nil)
	data, pagination := contract.Slice(out, in)
	res.Data, res.Pagination = data, &pagination
	h.respond.Respond(w, r, res)
}

// SetRole changes a member's role.
func (h *Workspaces) SetRole(w http.ResponseWriter, r *http.Request) {
	var in contract.MemberRoleRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	m, err := h.ws.SetRole(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, r.PathValue("memberId"), in.Role)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.MemberOf(m), Redirect: "/workspace/members", Flash: m.DisplayName() + " is now " + views.RoleLabel(m.Role) + "."})
}

// Remove takes a member out of the workspace; their next request no
// longer reaches it.
func (h *Workspaces) Remove(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.ws.Remove(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, r.PathValue("memberId")); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"removed": true}, Redirect: "/workspace/members", Flash: "Member removed."})
}

// Leave ends the caller's membership of the current workspace.
func (h *Workspaces) Leave(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.ws.Leave(r.Context(), web.OwnerOf(r), web.UserOf(r).ID); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"left": true}, Redirect: "/workspaces", Flash: "You left the workspace."})
}

// Transfer makes another member the owner; the caller becomes an admin.
func (h *Workspaces) Transfer(w http.ResponseWriter, r *http.Request) {
	var in contract.TransferRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	m, err := h.ws.Transfer(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, in.MemberID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.MemberOf(m), Redirect: "/workspace/members", Flash: m.DisplayName() + " now owns the workspace."})
}

// Delete deletes the current workspace with its bots (disconnected first)
// and everything under them.
func (h *Workspaces) Delete(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	disconnect := func(ctx context.Context, ownerID, botID string) error {
		_, err := h.bots.Delete(ctx, ownerID, botID)
		return err
	}
	if err := h.ws.Delete(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, disconnect); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"deleted": true}, Redirect: "/workspaces", Flash: "Workspace deleted."})
}

// Invite makes an invite link and shows it this once.
func (h *Workspaces) Invite(w http.ResponseWriter, r *http.Request) {
	var in contract.InviteRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.page(r, func(vm *views.WorkspaceVM) {
			vm.Form.Role, vm.Form.Email, vm.Errors, vm.Message = in.Role, in.Email, f, msg
		})
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	inv, err := h.ws.Invite(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, in, baseURL(r, h.publicURL))
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	res := h.page(r, func(vm *views.WorkspaceVM) {
		vm.InviteURL, vm.InviteRole, vm.Mailed = inv.URL, inv.Invite.Role, inv.Mailed
	})
	data := contract.InviteOf(inv.Invite)
	data.URL = inv.URL
	res.Status, res.Data = http.StatusCreated, data
	h.respond.Respond(w, r, res)
}

// Invites lists the open invites.
func (h *Workspaces) Invites(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	invs, err := h.ws.Invites(r.Context(), web.OwnerOf(r))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.InviteJSON, len(invs))
	for i := range invs {
		out[i] = contract.InviteOf(&invs[i])
	}
	data, pagination := contract.Slice(out, in)
	h.respond.Respond(w, r, web.Response{Data: data, Pagination: &pagination})
}

// RevokeInvite deletes an open invite.
func (h *Workspaces) RevokeInvite(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.ws.RevokeInvite(r.Context(), web.OwnerOf(r), r.PathValue("inviteId")); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"revoked": true}, Redirect: "/workspace/members", Flash: "Invite revoked."})
}

// InvitePage shows an invite to anyone holding its link: sign up or sign
// in, then join.
func (h *Workspaces) InvitePage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	vm := views.InvitePageVM{Token: token}
	info, err := h.ws.LookupInvite(r.Context(), token)
	status := http.StatusOK
	if err != nil {
		e, ok := apperr.AsError(err)
		if !ok || e.Kind != apperr.KindNotFound && e.Kind != apperr.KindGone {
			h.respond.Fail(w, r, err)
			return
		}
		vm.Problem, status = "This invite link is not valid: it has expired, was already used or was revoked. Ask for a new one.", http.StatusNotFound
		if e.Kind == apperr.KindGone {
			status = http.StatusGone
		}
	} else {
		vm.WorkspaceName, vm.Role, vm.ExpiresAt = info.Workspace.Name, info.Invite.Role, info.Invite.ExpiresAt
		if u := web.UserOf(r); u != nil {
			vm.SignedIn, vm.UserEmail = true, u.Email
			if _, err := h.ws.Member(r.Context(), info.Workspace.ID, u.ID); err == nil {
				vm.Member = true
			}
		}
	}
	h.respond.Respond(w, r, web.Response{Status: status, Title: "Join a workspace", Page: web.Static(views.InvitePage(vm))})
}

// Accept joins the signed-in caller to the invite's workspace; the
// browser switches to it.
func (h *Workspaces) Accept(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	m, err := h.ws.Accept(r.Context(), r.PathValue("token"), web.UserOf(r).ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if !web.IsAPI(r) {
		if err := h.sessions.ChooseWorkspace(w, r, m.WorkspaceID); err != nil {
			h.respond.Fail(w, r, err)
			return
		}
	}
	h.respond.Respond(w, r, web.Response{Data: contract.WorkspaceOf(m, m.WorkspaceID), Redirect: "/", Flash: "You joined “" + m.WorkspaceName + "” as " + views.RoleLabel(m.Role) + "."})
}

// Audit lists who did what in the current workspace.
func (h *Workspaces) Audit(w http.ResponseWriter, r *http.Request) {
	var in contract.AuditRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	wsID := web.OwnerOf(r)
	entries, total, err := h.ws.Audit(r.Context(), wsID, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.AuditJSON, len(entries))
	for i := range entries {
		out[i] = contract.AuditOf(&entries[i])
	}
	p := contract.Paginate(in.Page, total)
	page := web.Render(func(ctx context.Context) (views.AuditVM, error) {
		vm := views.AuditVM{MemberID: in.MemberID, BotID: in.BotID, Page: p.Page, Total: p.Total, Pages: p.TotalPages, Limit: p.Limit}
		members, err := h.ws.Members(ctx, wsID)
		for _, m := range members {
			vm.Members = append(vm.Members, views.RoleOption{Value: m.UserID, Label: m.DisplayName()})
		}
		for _, e := range entries {
			who := e.Name
			if who == "" {
				who = e.Email
			}
			if who == "" {
				who = e.UserID
			}
			vm.Rows = append(vm.Rows, views.AuditRow{Who: who, Action: e.Action, Target: e.Target, BotID: e.BotID, At: e.At})
		}
		return vm, err
	}, views.AuditPage)
	h.respond.Respond(w, r, web.Response{Title: "Audit log", Data: out, Pagination: &p, Page: page})
}
