package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// UserTOTP is an account's TOTP second factor (secrets sealed by the caller).
type UserTOTP struct {
	bun.BaseModel `bun:"table:user_totp"`

	UserID    string     `bun:"user_id,pk"`
	Secret    []byte     `bun:"secret"`
	Pending   []byte     `bun:"pending"`
	EnabledAt *time.Time `bun:"enabled_at"`
	LastStep  int64      `bun:"last_step"`
}

// Enabled reports whether sign-in needs a code.
func (t *UserTOTP) Enabled() bool { return t != nil && t.EnabledAt != nil }

// TOTPOfUser returns the user's row, or nil when there is none.
func TOTPOfUser(ctx context.Context, db bun.IDB, userID string) (*UserTOTP, error) {
	t := new(UserTOTP)
	err := db.NewSelect().Model(t).Where("user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, wrap("totp of user", err)
}

// SetPendingTOTP stores the secret of a set-up awaiting its first code,
// keeping an enabled factor as it is.
func SetPendingTOTP(ctx context.Context, db bun.IDB, userID string, pending []byte) error {
	_, err := db.NewInsert().Model(&UserTOTP{UserID: userID, Pending: pending}).
		On("CONFLICT (user_id) DO UPDATE").Set("pending = EXCLUDED.pending").Exec(ctx)
	return wrap("set pending totp", err)
}

// EnableTOTP makes the pending secret (sealed again by the caller as
// secret) the account's factor, with step as the last code used.
func EnableTOTP(ctx context.Context, db bun.IDB, userID string, secret []byte, step int64, now time.Time) error {
	_, err := db.NewUpdate().Model((*UserTOTP)(nil)).
		Set("secret = ?", secret).Set("pending = NULL").Set("enabled_at = ?", now).Set("last_step = ?", step).
		Where("user_id = ?", userID).Exec(ctx)
	return wrap("enable totp", err)
}

// UseTOTPStep records step as used when it is later than the last one used.
// It reports false for a code of an already used step (a replay): one
// conditional UPDATE, so two concurrent uses of one code cannot both pass.
func UseTOTPStep(ctx context.Context, db bun.IDB, userID string, step int64) (bool, error) {
	res, err := db.NewUpdate().Model((*UserTOTP)(nil)).Set("last_step = ?", step).
		Where("user_id = ?", userID).Where("last_step < ?", step).Where("enabled_at IS NOT NULL").Exec(ctx)
	if err != nil {
		return false, wrap("use totp step", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("use totp step", err)
}

// DeleteTOTP turns the factor off and drops its recovery codes.
func DeleteTOTP(ctx context.Context, db bun.IDB, userID string) error {
	if _, err := db.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return wrap("delete recovery codes", err)
	}
	_, err := db.NewDelete().Model((*UserTOTP)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return wrap("delete totp", err)
}

// RecoveryCode is one single-use recovery code, stored hashed.
type RecoveryCode struct {
	bun.BaseModel `bun:"table:totp_recovery_codes"`

	UserID   string     `bun:"user_id,pk"`
	CodeHash string     `bun:"code_hash,pk"`
	UsedAt   *time.Time `bun:"used_at"`
}

// ReplaceRecoveryCodes drops the user's codes and stores hashes.
func ReplaceRecoveryCodes(ctx context.Context, db bun.IDB, userID string, hashes []string) error {
	if _, err := db.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return wrap("replace recovery codes", err)
	}
	rows := make([]RecoveryCode, len(hashes))
	for i, h := range hashes {
		rows[i] = RecoveryCode{UserID: userID, CodeHash: h}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return wrap("replace recovery codes", err)
}

// UseRecoveryCode marks the code with hash used; false when it is unknown
// or was used before (one conditional UPDATE: a code works once).
func UseRecoveryCode(ctx context.Context, db bun.IDB, userID, hash string, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*RecoveryCode)(nil)).Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("code_hash = ?", hash).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, wrap("use recovery code", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("use recovery code", err)
}

// RecoveryCodesLeft counts the user's unused codes.
func RecoveryCodesLeft(ctx context.Context, db bun.IDB, userID string) (int, error) {
	n, err := db.NewSelect().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	return int(n), wrap("recovery codes left", err)
}
