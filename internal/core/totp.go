package core

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// TOTP second factor (RFC 6238 through github.com/pquerna/otp): 6 digits,
// 30-second steps, SHA-1 (what every authenticator app reads from a QR
// code). A code is accepted for its step and one step either side (clock
// drift), and a step is accepted once: the last used step is stored and
// any code of it or an earlier step is refused, so a code seen over a
// shoulder or in a log cannot be replayed. Code guesses are throttled per
// account like passwords, whichever address they come from.
const (
	totpPeriod         = 30
	totpSkew           = 1
	totpIssuer         = "Botdeck"
	totpWindow         = 15 * time.Minute
	totpGuessesPerUser = 5
	recoveryCodeCount  = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ErrTOTPRequired answers a sign-in with the right password for an account
// with a second factor when no code came with it.
var ErrTOTPRequired = &apperr.Error{Kind: apperr.KindUnauthorized, Code: "totp_required",
	Message: "Enter the 6-digit code from your authenticator app, or a recovery code.", Fields: apperr.FieldErrors{"totp": "is required"}}

var errTOTPWrong = &apperr.Error{Kind: apperr.KindUnauthorized, Code: "totp_invalid",
	Message: "That code is not right (or was already used). Try the next one your app shows.", Fields: apperr.FieldErrors{"totp": "is wrong or already used"}}

// TOTPStatus says whether the account has a second factor.
type TOTPStatus struct {
	Enabled       bool
	EnabledAt     time.Time
	RecoveryCodes int // unused ones
}

// TOTPStatusOf returns the account's second-factor state.
func (a *Accounts) TOTPStatusOf(ctx context.Context, userID string) (TOTPStatus, error) {
	t, err := models.TOTPOfUser(ctx, a.db, userID)
	if err != nil || !t.Enabled() {
		return TOTPStatus{}, err
	}
	n, err := models.RecoveryCodesLeft(ctx, a.db, userID)
	return TOTPStatus{Enabled: true, EnabledAt: *t.EnabledAt, RecoveryCodes: n}, err
}

// StartTOTP makes a new secret for the account, kept pending until a code
// from it is confirmed. Refused while a factor is on (disable it first).
func (a *Accounts) StartTOTP(ctx context.Context, u *models.User) (*contract.TOTPSetup, error) {
	if a.sealer == nil {
		return nil, apperr.Invalid("Two-factor authentication is not available here.", nil)
	}
	t, err := models.TOTPOfUser(ctx, a.db, u.ID)
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		return nil, &apperr.Error{Kind: apperr.KindConflict, Code: "totp_enabled", Message: "Two-factor authentication is already on. Turn it off first to set up another app."}
	}
	setup, err := totpSetup(u.Email, nil)
	if err != nil {
		return nil, err
	}
	if err := models.SetPendingTOTP(ctx, a.db, u.ID, a.sealer.Seal([]byte(setup.Secret), []byte(u.ID))); err != nil {
		return nil, err
	}
	return setup, nil
}

// PendingTOTP shows the set-up in progress again (after a wrong first
// code, so the app already scanned keeps working); nil when there is none.
func (a *Accounts) PendingTOTP(ctx context.Context, u *models.User) (*contract.TOTPSetup, error) {
	t, err := models.TOTPOfUser(ctx, a.db, u.ID)
	if err != nil || t == nil || t.Pending == nil || a.sealer == nil {
		return nil, err
	}
	secret, err := a.sealer.Open(t.Pending, []byte(u.ID))
	if err != nil {
		return nil, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(secret))
	if err != nil {
		return nil, err
	}
	return totpSetup(u.Email, raw)
}

// totpSetup describes the key with raw secret (a new random one when nil).
func totpSetup(email string, raw []byte) (*contract.TOTPSetup, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &contract.TOTPSetup{Secret: key.Secret(), URL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmTOTP turns the factor on with a first code from the pending secret
// and returns the recovery codes, shown this once (stored only hashed).
func (a *Accounts) ConfirmTOTP(ctx context.Context, u *models.User, code string) ([]string, error) {
	if err := claimAttempts(ctx, a.db, "Too many wrong codes.", totpWindow, limit{"totp:" + u.ID, totpGuessesPerUser}); err != nil {
		return nil, err
	}
	t, err := models.TOTPOfUser(ctx, a.db, u.ID)
	if err != nil {
		return nil, err
	}
	if t == nil || t.Pending == nil {
		return nil, apperr.Invalid("Start the set-up first.", apperr.FieldErrors{"code": "has no set-up to confirm"})
	}
	secret, err := a.sealer.Open(t.Pending, []byte(u.ID))
	if err != nil {
		return nil, err
	}
	step, ok := matchTOTP(string(secret), code, time.Now())
	if !ok {
		return nil, apperr.Invalid("That code is not right. Check the time on your phone and try the next code.", apperr.FieldErrors{"code": "is wrong"})
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([]string, recoveryCodeCount)
	for i := range codes {
		raw := models.RandomString(10) // 80 bits, 16 characters
		codes[i] = raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
		hashes[i] = hashAPIKey(raw)
	}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.EnableTOTP(ctx, tx, u.ID, a.sealer.Seal(secret, []byte(u.ID)), step, models.Now()); err != nil {
			return err
		}
		return models.ReplaceRecoveryCodes(ctx, tx, u.ID, hashes)
	})
	if err != nil {
		return nil, err
	}
	return codes, models.ClearAuthFailures(ctx, a.db, "totp:"+u.ID)
}

// DisableTOTP turns the factor off after checking the password and a code
// (or a recovery code).
func (a *Accounts) DisableTOTP(ctx context.Context, u *models.User, password, code string) error {
	if err := claimAttempts(ctx, a.db, "Too many wrong attempts.", totpWindow, limit{"totp:" + u.ID, totpGuessesPerUser}); err != nil {
		return err
	}
	if !checkPassword(password, u.PasswordHash) {
		return apperr.Invalid("The password is wrong.", apperr.FieldErrors{"password": "is wrong"})
	}
	if err := a.secondFactor(ctx, u.ID, code); err != nil {
		if err == errTOTPWrong {
			return apperr.Invalid(errTOTPWrong.Message, apperr.FieldErrors{"code": "is wrong or already used"})
		}
		return err
	}
	if err := models.DeleteTOTP(ctx, a.db, u.ID); err != nil {
		return err
	}
	return models.ClearAuthFailures(ctx, a.db, "totp:"+u.ID)
}

// checkSecondFactor is the sign-in's second step for u: nil when u has no
// factor; ErrTOTPRequired without a code; otherwise the code is checked,
// throttled per account.
func (a *Accounts) checkSecondFactor(ctx context.Context, u *models.User, code string) error {
	t, err := models.TOTPOfUser(ctx, a.db, u.ID)
	if err != nil || !t.Enabled() {
		return err
	}
	if strings.TrimSpace(code) == "" {
		return ErrTOTPRequired
	}
	if err := claimAttempts(ctx, a.db, "Too many wrong codes.", totpWindow, limit{"totp:" + u.ID, totpGuessesPerUser}); err != nil {
		return err
	}
	if err := a.secondFactor(ctx, u.ID, code); err != nil {
		return err
	}
	return models.ClearAuthFailures(ctx, a.db, "totp:"+u.ID)
}

// secondFactor accepts a current TOTP code of a step not used before, or an
// unused recovery code (which is then used up).
func (a *Accounts) secondFactor(ctx context.Context, userID, code string) error {
	t, err := models.TOTPOfUser(ctx, a.db, userID)
	if err != nil {
		return err
	}
	if !t.Enabled() {
		return apperr.Invalid("Two-factor authentication is off.", apperr.FieldErrors{"code": "is not needed"})
	}
	code = strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(code), " ", ""), "-", ""))
	if len(code) == 16 {
		ok, err := models.UseRecoveryCode(ctx, a.db, userID, hashAPIKey(code), models.Now())
		if err != nil {
			return err
		}
		if !ok {
			return errTOTPWrong
		}
		return nil
	}
	secret, err := a.sealer.Open(t.Secret, []byte(userID))
	if err != nil {
		return err
	}
	step, ok := matchTOTP(string(secret), code, time.Now())
	if !ok {
		return errTOTPWrong
	}
	fresh, err := models.UseTOTPStep(ctx, a.db, userID, step)
	if err != nil {
		return err
	}
	if !fresh {
		return errTOTPWrong
	}
	return nil
}

// matchTOTP returns the step whose code is code, within the drift window
// around now (the latest matching step wins).
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for off := totpSkew; off >= -totpSkew; off-- {
		at := now.Add(time.Duration(off*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}
