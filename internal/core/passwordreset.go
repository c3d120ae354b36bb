package core

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// Sender mails a plain-text message (internal/mailer.Mailer).
type Sender interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Mail is how links reach people: a Sender and the public base URL the
// links point to. Links are never built from a request's Host header,
// which whoever asks for a reset controls.
type Mail struct {
	Sender  Sender
	BaseURL string
}

// Enabled reports whether mail can be sent.
func (m Mail) Enabled() bool { return m.Sender != nil && m.BaseURL != "" }

// Password resets: a link is valid for resetLinkTTL and works once. Asking
// for one is throttled per address and per email (so nobody's inbox is
// flooded), and answers the same whether or not the email has an account.
const (
	resetLinkTTL       = time.Hour
	resetWindow        = time.Hour
	resetRequestsPerIP = 10
	resetRequestsEmail = 3
	resetMailTimeout   = time.Minute
)

// RequestPasswordReset mails a reset link to email when it has an account
// and mail is configured. Its answer (nil, or 429 when throttled) and its
// timing do not depend on whether the account exists: both look the email
// up, and the link is made and mailed in the background.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email = models.NormalizeEmail(email)
	err := claimAttempts(ctx, a.db, "Too many password-reset requests.", resetWindow,
		limit{"reset-ip:" + ip, resetRequestsPerIP}, limit{"reset:" + email, resetRequestsEmail})
	if err != nil || !a.mail.Enabled() {
		return err
	}
	u, err := models.UserByEmail(ctx, a.db, email)
	if _, nf := asNotFound(err); nf {
		return nil
	} else if err != nil {
		return err
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetMailTimeout)
		defer cancel()
		link, err := a.newResetLink(ctx, u.ID, a.mail.BaseURL)
		if err != nil {
			a.log.Error("password-reset link", "user", u.ID, "err", err)
			return
		}
		body := "Someone (hopefully you) asked to reset the password of your Botdeck account " + u.Email + ".\n\n" +
			"Open this link within an hour to choose a new password (it works once):\n\n" + link + "\n\n" +
			"If you did not ask for it, ignore this mail: your password stays as it is.\n"
		if err := a.mail.Sender.Send(ctx, u.Email, "Reset your Botdeck password", body); err != nil {
			a.log.Error("password-reset mail failed", "user", u.ID, "err", err)
		}
	}()
	return nil
}

// PasswordResetLink makes a link for the account with email, for the
// `botdeck user reset-password` command (the operator passes it on).
func (a *Accounts) PasswordResetLink(ctx context.Context, email, baseURL string) (string, error) {
	u, err := models.UserByEmail(ctx, a.db, models.NormalizeEmail(email))
	if err != nil {
		return "", err
	}
	return a.newResetLink(ctx, u.ID, baseURL)
}

func (a *Accounts) newResetLink(ctx context.Context, userID, baseURL string) (string, error) {
	token := models.RandomString(32) // 256 random bits
	now := models.Now()
	err := models.InsertPasswordReset(ctx, a.db, &models.PasswordReset{
		TokenHash: hashAPIKey(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(resetLinkTTL)})
	if err != nil {
		return "", err
	}
	return baseURL + "/password-reset/" + token, nil
}

// ResetLinkUsable reports whether token may still be used (the form is
// shown only then).
func (a *Accounts) ResetLinkUsable(ctx context.Context, token string) (bool, error) {
	if !plausibleToken(token) {
		return false, nil
	}
	return models.PasswordResetUsable(ctx, a.db, hashAPIKey(token), models.Now())
}

// ResetPassword sets a new password with a reset link's token: the link is
// used up, every other link of the account is void, and every session of
// the account ends (whoever knew the old password is signed out).
func (a *Accounts) ResetPassword(ctx context.Context, token, password string) error {
	if !plausibleToken(token) {
		return apperr.ErrResetLinkInvalid
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := models.Now()
		userID, err := models.UsePasswordReset(ctx, tx, hashAPIKey(token), now)
		if err != nil {
			return err
		}
		u, err := models.UserByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = hash, now
		if err := models.UpdateUser(ctx, tx, u); err != nil {
			return err
		}
		if _, err := models.DeleteUserSessions(ctx, tx, userID, ""); err != nil {
			return err
		}
		if err := models.DeletePasswordResets(ctx, tx, userID); err != nil {
			return err
		}
		// Whoever forgot a password has often been locked out by trying:
		// the new one works at once.
		return models.ClearAuthFailuresWithPrefix(ctx, tx, loginKeyPrefix(u.Email))
	})
}

// plausibleToken rejects what RandomString(32) cannot produce before it
// reaches a query.
func plausibleToken(s string) bool {
	if len(s) != 52 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
