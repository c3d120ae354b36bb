package handlers

import (
	"errors"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Auth handles sign-up, sign-in and sign-out.
type Auth struct {
	respond    *web.Responder
	bind       *web.Binder
	sessions   *web.SessionStore
	accounts   *core.Accounts
	workspaces *core.Workspaces
}

// NewAuth returns the auth handlers.
func NewAuth(d Deps) *Auth {
	return &Auth{respond: d.Respond, bind: d.Bind, sessions: d.Sessions, accounts: d.Accounts, workspaces: d.Workspaces}
}

// SignupForm shows the sign-up page (signed-in users go home).
func (h *Auth) SignupForm(w http.ResponseWriter, r *http.Request) {
	if web.UserOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.respond.Respond(w, r, h.signupPage(r, contract.SignupRequest{Invite: r.URL.Query().Get("invite")}, nil, ""))
}

// signupPage is the sign-up form; with an invite it says which workspace
// the account joins (and is open even when sign-up is closed).
func (h *Auth) signupPage(r *http.Request, in contract.SignupRequest, fields apperr.FieldErrors, msg string) web.Response {
	vm := views.AuthFormVM{Email: in.Email, Name: in.Name, Errors: fields, Message: msg, SignupOpen: h.accounts.SignupOpen()}
	if in.Invite != "" {
		if info, err := h.workspaces.LookupInvite(r.Context(), in.Invite); err == nil {
			vm.Invite, vm.SignupOpen = in.Invite, true
			vm.InviteNote = "Your account joins " + info.Workspace.Name + " as " + views.RoleLabel(info.Invite.Role) + "."
		}
	}
	if views.KeepPassword(fields, "password") {
		vm.Password = in.Password // only the email or name needs fixing
	}
	return web.Response{Title: "Create account", Page: web.Static(views.SignupPage(vm))}
}

// Signup creates an account and signs it in.
func (h *Auth) Signup(w http.ResponseWriter, r *http.Request) {
	var in contract.SignupRequest
	form := func(f apperr.FieldErrors, msg string) web.Response { return h.signupPage(r, in, f, msg) }
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	signup, flash := h.accounts.Signup, "Welcome to Botdeck! Your account is ready."
	if in.Invite != "" {
		// An invite that is no longer valid says so rather than creating
		// an account that joins nothing.
		if _, err := h.workspaces.LookupInvite(r.Context(), in.Invite); err != nil {
			h.respond.Fail(w, r, err, form)
			return
		}
		signup = h.accounts.SignupInvited
	}
	u, err := signup(r.Context(), in, web.ClientIP(r))
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	sess, err := h.sessions.StartSession(w, r, u.ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if in.Invite != "" {
		m, err := h.workspaces.Accept(r.Context(), in.Invite, u.ID)
		if err != nil {
			h.respond.Fail(w, r, err, form)
			return
		}
		if err := h.sessions.ChooseWorkspaceOf(w, r, sess, m.WorkspaceID); err != nil {
			h.respond.Fail(w, r, err)
			return
		}
		flash = "Welcome to Botdeck! You joined “" + m.WorkspaceName + "” as " + views.RoleLabel(m.Role) + "."
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: contract.UserOf(u), Redirect: "/", Flash: flash})
}

// LoginForm shows the sign-in page.
func (h *Auth) LoginForm(w http.ResponseWriter, r *http.Request) {
	if web.UserOf(r) != nil {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	res := h.loginPage(contract.LoginRequest{Next: r.URL.Query().Get("next")}, nil, "")
	if r.URL.Query().Get("signed_out") == "1" {
		res = h.loginPageVM(views.AuthFormVM{Next: "/", SignedOut: true, SignupOpen: h.accounts.SignupOpen()})
	}
	h.respond.Respond(w, r, res)
}

// signedOutURL is where signing out lands: the sign-in form saying so.
const signedOutURL = "/login?signed_out=1"

func (h *Auth) loginPage(in contract.LoginRequest, fields apperr.FieldErrors, msg string) web.Response {
	vm := views.AuthFormVM{Email: in.Email, Next: web.SafeNext(in.Next), Errors: fields, Message: msg, SignupOpen: h.accounts.SignupOpen()}
	if views.KeepPassword(fields, "password") {
		vm.Password = in.Password // the email was malformed: the password was never checked
	}
	return h.loginPageVM(vm)
}

func (h *Auth) loginPageVM(vm views.AuthFormVM) web.Response {
	return web.Response{Title: "Sign in", Page: web.Static(views.LoginPage(vm))}
}

// Login checks credentials and starts a new session (a new id, so a
// session planted before sign-in is useless).
func (h *Auth) Login(w http.ResponseWriter, r *http.Request) {
	var in contract.LoginRequest
	form := func(f apperr.FieldErrors, msg string) web.Response { return h.loginPage(in, f, msg) }
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	u, err := h.accounts.Login(r.Context(), in.Email, in.Password, in.TOTP, web.ClientIP(r))
	if errors.Is(err, core.ErrTOTPRequired) && u != nil {
		// The password was right: the browser now owes only the code.
		if err := h.sessions.AwaitSecondFactor(w, r, u.ID); err != nil {
			h.respond.Fail(w, r, err)
			return
		}
		codeForm := func(f apperr.FieldErrors, msg string) web.Response {
			return h.codePage(views.LoginCodeVM{Next: web.SafeNext(in.Next)})
		}
		h.respond.Fail(w, r, err, codeForm)
		return
	}
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if _, err := h.sessions.StartSession(w, r, u.ID); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.UserOf(u), Redirect: web.SafeNext(in.Next)})
}

func (h *Auth) codePage(vm views.LoginCodeVM) web.Response {
	return web.Response{Title: "Two-factor authentication", Page: web.Static(views.LoginCodePage(vm))}
}

// LoginCode is the sign-in's second step on the page: the code for the
// account whose password this browser gave (the API sends both at once).
func (h *Auth) LoginCode(w http.ResponseWriter, r *http.Request) {
	var in contract.LoginCodeRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.codePage(views.LoginCodeVM{Next: web.SafeNext(in.Next), Errors: f, Message: msg})
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	userID, ok := h.sessions.PendingSecondFactor(r)
	if !ok {
		h.respond.Respond(w, r, web.Response{Redirect: "/login", Flash: "Sign in again: the code was not entered in time."})
		return
	}
	u, err := h.accounts.LoginWithCode(r.Context(), userID, in.TOTP)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if _, err := h.sessions.StartSession(w, r, u.ID); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.UserOf(u), Redirect: web.SafeNext(in.Next)})
}

// Logout ends this browser's session.
func (h *Auth) Logout(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.sessions.EndSession(w, r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"signedOut": true}, Redirect: signedOutURL})
}

// LogoutAll ends every session of the user, on every device, and with
// revokeApiKeys every API key too.
func (h *Auth) LogoutAll(w http.ResponseWriter, r *http.Request) {
	var in contract.LogoutAllRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	n, keys, err := h.accounts.EndAllSessions(r.Context(), u.ID, in.RevokeAPIKeys)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.sessions.EndSession(w, r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"sessionsEnded": n, "apiKeysRevoked": keys}, Redirect: signedOutURL})
}
