package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
)

// PasswordReset is one password-reset link, stored by the hash of its token.
type PasswordReset struct {
	bun.BaseModel `bun:"table:password_resets"`

	TokenHash string     `bun:"token_hash,pk"`
	UserID    string     `bun:"user_id"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

// InsertPasswordReset stores a new link.
func InsertPasswordReset(ctx context.Context, db bun.IDB, p *PasswordReset) error {
	_, err := db.NewInsert().Model(p).Exec(ctx)
	return wrap("insert password reset", err)
}

// UsePasswordReset marks the link with tokenHash used and returns its user
// id. One conditional UPDATE, so of two concurrent uses only one succeeds.
func UsePasswordReset(ctx context.Context, db bun.IDB, tokenHash string, now time.Time) (string, error) {
	var userID string
	err := db.NewUpdate().Model((*PasswordReset)(nil)).
		Set("used_at = ?", now).
		Where("token_hash = ?", tokenHash).Where("used_at IS NULL").Where("expires_at > ?", now).
		Returning("user_id").
		Scan(ctx, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrResetLinkInvalid
	}
	return userID, wrap("use password reset", err)
}

// PasswordResetUsable reports whether tokenHash names a link that may still
// be used (for showing the form).
func PasswordResetUsable(ctx context.Context, db bun.IDB, tokenHash string, now time.Time) (bool, error) {
	n, err := db.NewSelect().Model((*PasswordReset)(nil)).
		Where("token_hash = ?", tokenHash).Where("used_at IS NULL").Where("expires_at > ?", now).
		Count(ctx)
	return n > 0, wrap("password reset usable", err)
}

// DeletePasswordResets removes every link of a user (after a reset, the
// other links of the same account are void).
func DeletePasswordResets(ctx context.Context, db bun.IDB, userID string) error {
	_, err := db.NewDelete().Model((*PasswordReset)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return wrap("delete password resets", err)
}
