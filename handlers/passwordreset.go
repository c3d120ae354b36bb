package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// PasswordReset handles "Forgot password?" and the page its link opens.
type PasswordReset struct {
	respond     *web.Responder
	bind        *web.Binder
	accounts    *core.Accounts
	mailEnabled bool
}

// NewPasswordReset returns the password-reset handlers.
func NewPasswordReset(d Deps) *PasswordReset {
	return &PasswordReset{respond: d.Respond, bind: d.Bind, accounts: d.Accounts, mailEnabled: d.MailEnabled}
}

func (h *PasswordReset) forgotPage(vm views.ForgotPasswordVM) web.Response {
	vm.MailEnabled = h.mailEnabled
	return web.Response{Title: "Reset your password", Page: web.Static(views.ForgotPasswordPage(vm))}
}

// ForgotForm shows the "Forgot password?" page.
func (h *PasswordReset) ForgotForm(w http.ResponseWriter, r *http.Request) {
	h.respond.Respond(w, r, h.forgotPage(views.ForgotPasswordVM{}))
}

// Request mails a reset link when the email has an account. The answer is
// the same whether or not it has one (mailed says only whether this
// Botdeck sends mail at all).
func (h *PasswordReset) Request(w http.ResponseWriter, r *http.Request) {
	var in contract.PasswordResetRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.forgotPage(views.ForgotPasswordVM{Email: in.Email, Errors: f, Message: msg})
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if err := h.accounts.RequestPasswordReset(r.Context(), in.Email, web.ClientIP(r)); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	res := h.forgotPage(views.ForgotPasswordVM{Email: in.Email, Sent: true})
	res.Data = map[string]any{"requested": true, "mailed": h.mailEnabled}
	h.respond.Respond(w, r, res)
}

func (h *PasswordReset) resetPage(vm views.ResetPasswordVM) web.Response {
	return web.Response{Title: "Choose a new password", Page: web.Static(views.ResetPasswordPage(vm))}
}

// Form is the page a reset link opens: the new-password form while the
// link is usable.
func (h *PasswordReset) Form(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	ok, err := h.accounts.ResetLinkUsable(r.Context(), token)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res := h.resetPage(views.ResetPasswordVM{Token: token, Valid: ok})
	if !ok {
		res.Status = http.StatusGone
	}
	h.respond.Respond(w, r, res)
}

// Confirm sets the new password, uses up the link and ends every session
// of the account; the person then signs in with the new password.
func (h *PasswordReset) Confirm(w http.ResponseWriter, r *http.Request) {
	var in contract.PasswordResetConfirmRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		if f["token"] != "" {
			return h.resetPage(views.ResetPasswordVM{})
		}
		return h.resetPage(views.ResetPasswordVM{Token: in.Token, Valid: true, Errors: f, Message: msg})
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if err := h.accounts.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"passwordReset": true}, Redirect: "/login",
		Flash: "Your password is changed and every session of the account has ended. Sign in with the new password."})
}
