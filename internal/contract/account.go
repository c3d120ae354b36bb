package contract

import (
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// SignupRequest is the body of POST /signup and POST /api/auth/signup.
type SignupRequest struct {
	Email    string `json:"email" form:"email" validate:"required,email,max=254"`
	Password string `json:"password" form:"password" validate:"required,min=8,max=256"`
	Name     string `json:"name" form:"name" validate:"max=100"`
	// Invite is the token of the invite the sign-up page came from: the
	// new account joins its workspace (even when sign-up is closed).
	Invite string `json:"-" form:"invite" validate:"max=100"`
}

// Normalize trims the email and name.
func (r *SignupRequest) Normalize() {
	r.Email = models.NormalizeEmail(r.Email)
	r.Name = strings.TrimSpace(r.Name)
}

// LoginRequest is the body of POST /login and POST /api/auth/login. TOTP
// is the second factor's code (or a recovery code), for accounts that
// have one.
type LoginRequest struct {
	Email    string `json:"email" form:"email" validate:"required,email,max=254"`
	Password string `json:"password" form:"password" validate:"required,max=256"`
	TOTP     string `json:"totp" form:"totp" validate:"max=40"`
	Next     string `json:"-" form:"next"`
}

// LoginCodeRequest is the form of the sign-in's second step (the page asks
// for the code after the password).
type LoginCodeRequest struct {
	TOTP string `json:"totp" form:"totp" validate:"required,max=40"`
	Next string `json:"-" form:"next"`
}

// TOTPCodeRequest confirms a TOTP set-up with a first code.
type TOTPCodeRequest struct {
	Code string `json:"code" form:"code" validate:"required,max=40"`
}

// TOTPDisableRequest turns the second factor off.
type TOTPDisableRequest struct {
	Password string `json:"password" form:"password" validate:"required,max=256"`
	Code     string `json:"code" form:"code" validate:"required,max=40"`
}

// Normalize trims the email.
func (r *LoginRequest) Normalize() { r.Email = models.NormalizeEmail(r.Email) }

// ProfileRequest is the body of PATCH /api/me and the profile form.
type ProfileRequest struct {
	Name  *string `json:"name" form:"name" validate:"omitempty,max=100"`
	Email *string `json:"email" form:"email" validate:"omitempty,email,max=254"`
	// TimeZone is an IANA name ("Europe/Berlin"); "" goes back to UTC.
	TimeZone *string `json:"timeZone" form:"timeZone" validate:"omitempty,max=64"`
}

// Normalize trims the name and email.
func (r *ProfileRequest) Normalize() {
	if r.Name != nil {
		*r.Name = strings.TrimSpace(*r.Name)
	}
	if r.Email != nil {
		*r.Email = models.NormalizeEmail(*r.Email)
	}
	if r.TimeZone != nil {
		*r.TimeZone = strings.TrimSpace(*r.TimeZone)
	}
}

// PasswordChangeRequest is the body of POST /api/me/password.
// RevokeAPIKeys also deletes every API key of the account: sessions end
// anyway, keys only when asked (integrations would break).
type PasswordChangeRequest struct {
	Current       string `json:"current" form:"current" validate:"required,max=256"`
	New           string `json:"new" form:"new" validate:"required,min=8,max=256"`
	RevokeAPIKeys bool   `json:"revokeApiKeys" form:"revokeApiKeys"`
}

// LogoutAllRequest is the (optional) body of POST /api/auth/logout-all.
type LogoutAllRequest struct {
	RevokeAPIKeys bool `json:"revokeApiKeys" form:"revokeApiKeys"`
}

// UserJSON is the API shape of the signed-in account.
type UserJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"timeZone"` // "" until the browser reports it or the member picks one
	CreatedAt time.Time `json:"createdAt"`
}

// UserOf is the API shape of u (never its password hash).
func UserOf(u *models.User) UserJSON {
	return UserJSON{ID: u.ID, Email: u.Email, Name: u.Name, TimeZone: u.TimeZone, CreatedAt: u.CreatedAt}
}

// PasswordResetRequest is the body of POST /api/auth/password-reset and the
// "Forgot password?" form.
type PasswordResetRequest struct {
	Email string `json:"email" form:"email" validate:"required,email,max=254"`
}

// Normalize trims the email.
func (r *PasswordResetRequest) Normalize() { r.Email = models.NormalizeEmail(r.Email) }

// PasswordResetConfirmRequest is the body of POST
// /api/auth/password-reset/confirm and of the form the link opens.
type PasswordResetConfirmRequest struct {
	Token    string `json:"token" form:"token" validate:"required,max=100"`
	Password string `json:"password" form:"password" validate:"required,min=8,max=256"`
}

// TOTPSetup is what a person needs to add the account to an authenticator
// app: the answer of POST /api/me/totp.
type TOTPSetup struct {
	Secret string `json:"secret"`     // base32, to type in by hand
	URL    string `json:"otpauthUrl"` // otpauth://totp/…, what the QR code holds
	QRPNG  string `json:"qrPng"`      // the QR code as a data: URL (PNG)
}

// ThemeRequest is the body of POST /theme: the header's theme menu.
type ThemeRequest struct {
	Theme string `form:"theme" validate:"required,oneof=system light dark"`
	Next  string `form:"next" validate:"max=2048"`
}

// TelegramLinkRequest asks for a link that links the member's Telegram
// account through one of the owner's bots (the first one when empty).
type TelegramLinkRequest struct {
	BotID string `json:"botId" form:"botId" validate:"max=40"`
}

// TelegramLinkJSON is the member's linked Telegram account.
type TelegramLinkJSON struct {
	Linked         bool       `json:"linked"`
	TelegramUserID *int64     `json:"telegramUserId"`
	Username       string     `json:"username,omitempty"`
	FirstName      string     `json:"firstName,omitempty"`
	BotID          string     `json:"botId,omitempty"`
	LinkedAt       *time.Time `json:"linkedAt"`
}

// TelegramLinkOf shapes a member's link (nil: not linked).
func TelegramLinkOf(l *models.MemberTelegramLink) TelegramLinkJSON {
	if l == nil {
		return TelegramLinkJSON{}
	}
	id, at := l.TelegramUserID, l.LinkedAt
	return TelegramLinkJSON{Linked: true, TelegramUserID: &id, Username: l.Username, FirstName: l.FirstName,
		BotID: l.BotID, LinkedAt: &at}
}
