package handlers

import (
	"context"
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
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, h.page(r, views.AccountVM{}))
}

// page is the account page around the forms' state vm (the user's other
// sessions counted when it is drawn), with the user as data.
func (h *Me) page(r *http.Request, form views.AccountVM) web.Response {
	u := web.UserOf(r)
	vm := func(ctx context.Context) (views.AccountVM, error) {
		vm := form
		if vm.Email == "" && vm.ProfileErrors == nil {
			vm.Name, vm.Email, vm.TimeZone = u.Name, u.Email, u.TimeZone
		}
		vm.CreatedAt = u.CreatedAt.Format("2 January 2006")
		n, err := h.accounts.OtherSessions(ctx, u.ID)
		if err != nil {
			return vm, err
		}
		vm.OtherSessions = n
		st, err := h.accounts.TOTPStatusOf(ctx, u.ID)
		if err != nil {
			return vm, err
		}
		vm.TOTP.Enabled, vm.TOTP.RecoveryCodes = st.Enabled, st.RecoveryCodes
		if st.Enabled {
			vm.TOTP.Since = st.EnabledAt.Format("2 January 2006")
		}
		return vm, h.fillTelegramCard(ctx, web.OwnerOf(r), u.ID, &vm.Telegram)
	}
	return web.Response{Title: "Account", Page: web.Render(vm, views.AccountPage), Data: contract.UserOf(u)}
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
		if in.TimeZone != nil {
			vm.TimeZone = *in.TimeZone
		}
		return h.page(r, vm)
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
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
		vm := views.AccountVM{PasswordErrors: f, PasswordMessage: msg}
		if views.KeepPassword(f, "current") {
			vm.PasswordCurrent = in.Current // only the new one needs fixing
		}
		if views.KeepPassword(f, "new") {
			vm.PasswordNew = in.New // a wrong current password is cleared, the new one kept
		}
		return h.page(r, vm)
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
