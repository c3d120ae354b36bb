package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// TOTP sets up and turns off the signed-in user's second factor.
type TOTP struct {
	respond  *web.Responder
	bind     *web.Binder
	accounts *core.Accounts
	me       *Me
}

// NewTOTP returns the second-factor handlers.
func NewTOTP(d Deps) *TOTP {
	return &TOTP{respond: d.Respond, bind: d.Bind, accounts: d.Accounts, me: NewMe(d)}
}

// Start makes a new secret and shows its QR code with the confirmation
// form (the API answers the secret, the otpauth URL and the QR as PNG).
func (h *TOTP) Start(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	setup, err := h.accounts.StartTOTP(r.Context(), web.UserOf(r))
	if err != nil {
		h.respond.Fail(w, r, err, func(f apperr.FieldErrors, msg string) web.Response {
			return h.me.page(r, views.AccountVM{TOTP: views.TOTPCardVM{Message: msg}})
		})
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Set up two-factor authentication", Data: setup,
		Page: web.Static(views.TOTPSetupPage(views.TOTPSetupVM{Setup: *setup}))})
}

// Confirm turns the factor on with a first code and shows the recovery
// codes, this once.
func (h *TOTP) Confirm(w http.ResponseWriter, r *http.Request) {
	var in contract.TOTPCodeRequest
	u := web.UserOf(r)
	form := func(f apperr.FieldErrors, msg string) web.Response {
		// A wrong code shows the same set-up again: the app already
		// scanned it.
		setup, err := h.accounts.PendingTOTP(r.Context(), u)
		if err != nil || setup == nil {
			return h.me.page(r, views.AccountVM{TOTP: views.TOTPCardVM{Message: msg}})
		}
		return web.Response{Title: "Set up two-factor authentication",
			Page: web.Static(views.TOTPSetupPage(views.TOTPSetupVM{Setup: *setup, Errors: f, Message: msg}))}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	codes, err := h.accounts.ConfirmTOTP(r.Context(), u, in.Code)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "Recovery codes", Data: map[string]any{"enabled": true, "recoveryCodes": codes},
		Page: web.Static(views.RecoveryCodesPage(codes))})
}

// Disable turns the factor off, with the password and a code.
func (h *TOTP) Disable(w http.ResponseWriter, r *http.Request) {
	var in contract.TOTPDisableRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.me.page(r, views.AccountVM{TOTP: views.TOTPCardVM{Enabled: true, Errors: f, Message: msg}})
	}
	if err := h.bind.BindBody(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	if err := h.accounts.DisableTOTP(r.Context(), web.UserOf(r), in.Password, in.Code); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"enabled": false}, Redirect: "/account",
		Flash: "Two-factor authentication is off."})
}
