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
}

// Normalize trims the email and name.
func (r *SignupRequest) Normalize() {
	r.Email = models.NormalizeEmail(r.Email)
	r.Name = strings.TrimSpace(r.Name)
}

// LoginRequest is the body of POST /login and POST /api/auth/login.
type LoginRequest struct {
	Email    string `json:"email" form:"email" validate:"required,email,max=254"`
	Password string `json:"password" form:"password" validate:"required,max=256"`
	Next     string `json:"-" form:"next"`
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
type PasswordChangeRequest struct {
	Current string `json:"current" form:"current" validate:"required,max=256"`
	New     string `json:"new" form:"new" validate:"required,min=8,max=256"`
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

// ThemeRequest is the body of POST /theme: the header's theme menu.
type ThemeRequest struct {
	Theme string `form:"theme" validate:"required,oneof=system light dark"`
	Next  string `form:"next" validate:"max=2048"`
}
