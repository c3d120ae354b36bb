package models

import (
	"context"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/uptrace/bun"
)

// User is an account that signs in to Botdeck.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           string    `bun:"id,pk"`
	Email        string    `bun:"email"`
	Name         string    `bun:"name"`
	PasswordHash string    `bun:"password_hash"`
	TimeZone     string    `bun:"time_zone"` // IANA name; "" until known
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// DisplayName is the name, or the email when no name was given.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// NormalizeEmail is how emails are compared and stored: trimmed, lower case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// InsertUser stores a new user; a duplicate email is ErrEmailTaken.
func InsertUser(ctx context.Context, db bun.IDB, u *User) error {
	_, err := db.NewInsert().Model(u).Exec(ctx)
	if IsUniqueViolation(err) {
		return wrap("insert user", apperr.ErrEmailTaken)
	}
	return wrap("insert user", err)
}

// UserByID finds a user by id.
func UserByID(ctx context.Context, db bun.IDB, id string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, wrap("user by id", notFoundAs(err, "user"))
}

// UserByEmail finds a user by (normalized) email.
func UserByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	return u, wrap("user by email", notFoundAs(err, "user"))
}

// AnyUserExists reports whether at least one account exists (a fresh
// install sends visitors to sign-up rather than sign-in).
func AnyUserExists(ctx context.Context, db bun.IDB) (bool, error) {
	v0, err := db.NewSelect().Model((*User)(nil)).Limit(1).Exists(ctx)
	return v0, wrap("any user exists", err)
}

// UpdateUser saves name, email, password hash and updated_at.
func UpdateUser(ctx context.Context, db bun.IDB, u *User) error {
	_, err := db.NewUpdate().Model(u).Column("name", "email", "password_hash", "time_zone", "updated_at").WherePK().Exec(ctx)
	if IsUniqueViolation(err) {
		return wrap("update user", apperr.ErrEmailTaken)
	}
	return wrap("update user", err)
}
