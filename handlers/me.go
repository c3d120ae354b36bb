package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Me handles the signed-in user's profile, password and sessions.
type Me struct {
	respond  *web.Responder
	bind     *web.Binder
	sessions *web.SessionStore
	accounts *core.Accounts
}

// NewMe returns the profile handlers.
func NewMe(d Deps) *Me {
	return &Me{respond: d.Respond, bind: d.Bind, sessions: d.Sessions, accounts: d.Accounts}
}

// Show renders the account page, or the user as JSON.
func (h *Me) Show(w http.ResponseWriter, r *http.Request) {
	res, err := h.page(r, views.AccountVM{})
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, res)
}

func (h *Me) page(r *http.Request, vm views.AccountVM) (web.Response, error) {
	auth := web.AuthOf(r)
	u := auth.User
	if vm.Email == "" && vm.ProfileErrors == nil {
		vm.Name, vm.Email = u.Name, u.Email
	}
	vm.CreatedAt = u.CreatedAt.Format("2 January 2006")
	if !web.IsAPI(r) {
		n, err := h.accounts.OtherSessions(r.Context(), u.ID)
		if err != nil {
			return web.Response{}, err
		}
		vm.OtherSessions = n
	}
	return web.Response{Title: "Account", Page: views.AccountPage(vm), Data: contract.UserOf(u)}, nil
}

// Update changes name and/or email.
func (h *Me) Update(w http.ResponseWriter, r *http.Request) {
	var in contract.ProfileRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		vm := views.AccountVM{ProfileErrors: f, ProfileMessage: msg}
		if in.Name != nil {
			vm.Name = *in.Name
		}
		if in.Email != nil {
			vm.Email = *in.Email
		}
		res, _ := h.page(r, vm)
		return res
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if !web.IsAPI(r) && (in.Email == nil || *in.Email == "") {
		// The browser form always sends the email; an empty one is a mistake,
		// not "leave unchanged".
		h.respond.Fail(w, r, apperr.Invalid("", apperr.FieldErrors{"email": "is required"}), form)
		return
	}
	u, err := h.accounts.UpdateProfile(r.Context(), web.UserOf(r), in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.UserOf(u), Redirect: "/account", Flash: "Profile saved."})
}

// ChangePassword replaces the password and ends the user's other sessions.
func (h *Me) ChangePassword(w http.ResponseWriter, r *http.Request) {
	var in contract.PasswordChangeRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		res, _ := h.page(r, views.AccountVM{PasswordErrors: f, PasswordMessage: msg})
		return res
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	auth := web.AuthOf(r)
	if err := h.accounts.ChangePassword(r.Context(), auth.User, in, h.sessions.HashOf(auth.Session)); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"passwordChanged": true}, Redirect: "/account",
		Flash: "Password changed. You have been signed out everywhere else."})
}
