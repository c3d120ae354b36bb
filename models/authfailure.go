package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// AuthFailure counts failed sign-ins for one throttling key within a window.
type AuthFailure struct {
	bun.BaseModel `bun:"table:auth_failures"`

	Key             string    `bun:"key,pk"`
	Failures        int       `bun:"failures"`
	WindowStartedAt time.Time `bun:"window_started_at"`
}

// AuthFailuresFor returns the live count for key: zero when there is none or
// its window has passed.
func AuthFailuresFor(ctx context.Context, db bun.IDB, key string, windowStart time.Time) (AuthFailure, error) {
	var f AuthFailure
	err := db.NewSelect().Model(&f).Where("key = ?", key).Where("window_started_at > ?", windowStart).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return AuthFailure{Key: key}, nil
	}
	return f, wrap("auth failures for", err)
}

// RecordAuthFailure adds one failure for key, starting a new window when the
// old one has passed. One statement, so concurrent failures all count.
func RecordAuthFailure(ctx context.Context, db bun.IDB, key string, now, windowStart time.Time) error {
	_, err := db.NewInsert().Model(&AuthFailure{Key: key, Failures: 1, WindowStartedAt: now}).
		On("CONFLICT (key) DO UPDATE").
		Set("failures = CASE WHEN ?TableAlias.window_started_at > ? THEN ?TableAlias.failures + 1 ELSE 1 END", windowStart).
		Set("window_started_at = CASE WHEN ?TableAlias.window_started_at > ? THEN ?TableAlias.window_started_at ELSE EXCLUDED.window_started_at END", windowStart).
		Exec(ctx)
	return wrap("record auth failure", err)
}

// ClearAuthFailures forgets the failures of key (after a good sign-in).
func ClearAuthFailures(ctx context.Context, db bun.IDB, key string) error {
	_, err := db.NewDelete().Model((*AuthFailure)(nil)).Where("key = ?", key).Exec(ctx)
	return wrap("clear auth failures", err)
}
