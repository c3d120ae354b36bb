// Package apperr is the typed error core and the store return for anything
// a user can cause: an unknown or foreign object, input that fails a rule,
// a conflict with existing state, Telegram failing. Its Kind says what the
// caller should do; the web layer (internal/web) turns each kind into one
// HTTP status, in one place. Errors about the HTTP request itself (a body
// that cannot be read, a wrong content type, a method the path does not
// take) are the web layer's own (web.RequestError), not kinds here.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller should do about it.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an unavailable dependency
	KindUnauthorized             // not signed in, bad credentials or key
	KindForbidden                // signed in but not allowed
	KindNotFound                 // unknown, or another account's
	KindConflict                 // clashes with existing state
	KindInvalid                  // well-formed but fails validation
	KindRateLimited              // slow down
	KindUpstream                 // Telegram (or another upstream) failed
	KindGone                     // existed, but is no longer usable (an expired or used invite)
)

// Error is the typed error. Code is the stable snake_case code of the JSON
// contract; Message is human text; Fields maps request fields (JSON names)
// to what is wrong with them.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration // for KindRateLimited
	// Details are extra members of the JSON error object, for errors whose
	// contract carries more than a field map (a compile error's line and
	// column).
	Details map[string]any
	Err     error // the underlying cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is match on code: errors.Is(err, ErrNotFound) is true for
// any not_found error regardless of its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Kind == e.Kind
}

// FieldErrors maps a field to its problem.
type FieldErrors map[string]string

// Common errors. Features define their own next to their use cases.
var (
	ErrNotFound           = &Error{Kind: KindNotFound, Code: "not_found", Message: "Not found."}
	ErrUnauthorized       = &Error{Kind: KindUnauthorized, Code: "unauthorized", Message: "Sign in or send a valid API key."}
	ErrInvalidCredentials = &Error{Kind: KindUnauthorized, Code: "invalid_credentials", Message: "Email or password is wrong."}
	ErrEmailTaken         = &Error{Kind: KindConflict, Code: "email_taken", Message: "An account with this email already exists.", Fields: FieldErrors{"email": "is already registered"}}
	ErrResetLinkInvalid   = &Error{Kind: KindInvalid, Code: "reset_link_invalid", Message: "This password-reset link is not valid: it has expired or was already used. Ask for a new one.", Fields: FieldErrors{"token": "is expired, used or unknown"}}
	ErrForbiddenRole      = &Error{Kind: KindForbidden, Code: "forbidden_role", Message: "Your role in this workspace does not allow this."}
	ErrInviteExpired      = &Error{Kind: KindGone, Code: "invite_expired", Message: "This invite has expired or was already used. Ask for a new one."}
	ErrSignupClosed       = &Error{Kind: KindForbidden, Code: "signup_closed", Message: "Sign-up is closed on this Botdeck. Ask its administrator for an account."}
)

// NotFound returns a not_found error naming what was not found, e.g.
// NotFound("bot") → "Bot not found.".
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: capitalize(what) + " not found."}
}

// GenericInvalid is what a validation error says when it has nothing to
// add to its fields' errors.
const GenericInvalid = "Some fields need attention."

// Invalid returns a validation error for the given fields.
func Invalid(message string, fields FieldErrors) *Error {
	if message == "" {
		message = GenericInvalid
	}
	return &Error{Kind: KindInvalid, Code: "validation_failed", Message: message, Fields: fields}
}

// RateLimited returns an error asking the caller to wait.
func RateLimited(message string, retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Code: "rate_limited", Message: message, RetryAfter: retryAfter}
}

// AsError returns err as *Error when it is one (or wraps one).
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-32) + s[1:]
	}
	return s
}
