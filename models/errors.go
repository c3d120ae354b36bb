package models

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
)

// wrap says which store operation failed — "store: list bot users: …" —
// so a logged error names its query. nil stays nil, and the wrapped error
// still matches errors.Is and errors.As (sql.ErrNoRows, apperr.ErrNotFound,
// an *apperr.Error's kind, a *DocError). Every exported store function
// returns its errors through it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// notFoundAs turns sql.ErrNoRows into a not_found error naming what.
func notFoundAs(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFound(what)
	}
	return err
}

// IsUniqueViolation reports whether err is a unique-constraint violation
// on either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || // PostgreSQL (pgx)
		strings.Contains(msg, "UNIQUE constraint failed") || // SQLite
		strings.Contains(msg, "constraint failed: UNIQUE")
}
