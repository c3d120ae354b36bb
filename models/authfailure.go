package models

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// AuthFailure counts attempts (sign-ins, codes, sign-ups that hit a taken
// email …) for one throttling key within a window.
type AuthFailure struct {
	bun.BaseModel `bun:"table:auth_failures"`

	Key             string    `bun:"key,pk"`
	Failures        int       `bun:"failures"`
	WindowStartedAt time.Time `bun:"window_started_at"`
}

// ClaimAuthAttempt counts one more attempt for key and returns the count
// including it, starting a new window when the old one began at or before
// windowStart. One statement (an upsert with RETURNING), so the count and
// the caller's check of it are atomic: of N parallel attempts against a
// limit L exactly L see a count ≤ L, on SQLite and PostgreSQL alike.
func ClaimAuthAttempt(ctx context.Context, db bun.IDB, key string, now, windowStart time.Time) (AuthFailure, error) {
	f := AuthFailure{Key: key, Failures: 1, WindowStartedAt: now}
	err := db.NewInsert().Model(&f).
		On("CONFLICT (key) DO UPDATE").
		Set("failures = CASE WHEN ?TableAlias.window_started_at > ? THEN ?TableAlias.failures + 1 ELSE 1 END", windowStart).
		Set("window_started_at = CASE WHEN ?TableAlias.window_started_at > ? THEN ?TableAlias.window_started_at ELSE EXCLUDED.window_started_at END", windowStart).
		Returning("failures, window_started_at").
		Scan(ctx, &f.Failures, &f.WindowStartedAt)
	return f, wrap("claim auth attempt", err)
}

// ReleaseAuthAttempt gives back one attempt of key (one that succeeded and
// should not count against the limit).
func ReleaseAuthAttempt(ctx context.Context, db bun.IDB, key string) error {
	_, err := db.NewUpdate().Model((*AuthFailure)(nil)).
		Set("failures = failures - 1").
		Where("key = ?", key).Where("failures > 0").
		Exec(ctx)
	return wrap("release auth attempt", err)
}

// ClearAuthFailuresWithPrefix forgets the attempts of every key starting
// with prefix (all addresses' failed sign-ins for one email).
func ClearAuthFailuresWithPrefix(ctx context.Context, db bun.IDB, prefix string) error {
	_, err := db.NewDelete().Model((*AuthFailure)(nil)).
		Where("substr(key, 1, ?) = ?", utf8.RuneCountInString(prefix), prefix).Exec(ctx)
	return wrap("clear auth failures", err)
}

// ClearAuthFailures forgets the attempts of key (after a good sign-in).
func ClearAuthFailures(ctx context.Context, db bun.IDB, key string) error {
	_, err := db.NewDelete().Model((*AuthFailure)(nil)).Where("key = ?", key).Exec(ctx)
	return wrap("clear auth failures", err)
}
