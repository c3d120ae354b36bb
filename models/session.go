package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Session is the server-side half of a browser session. The row is keyed by
// the SHA-256 of the id in the cookie.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash     string    `bun:"id_hash,pk"`
	UserID     *string   `bun:"user_id"`
	Data       string    `bun:"data"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	UserAgent  string    `bun:"user_agent"`
	IP         string    `bun:"ip"`
}

// SessionByHash finds a live session.
func SessionByHash(ctx context.Context, db bun.IDB, idHash string, now time.Time) (*Session, error) {
	s := new(Session)
	err := db.NewSelect().Model(s).Where("id_hash = ?", idHash).Where("expires_at > ?", now).Scan(ctx)
	return s, wrap("session by hash", notFoundAs(err, "session"))
}

// UpsertSession writes a session row.
func UpsertSession(ctx context.Context, db bun.IDB, s *Session) error {
	_, err := db.NewInsert().Model(s).
		On("CONFLICT (id_hash) DO UPDATE").
		Set("user_id = EXCLUDED.user_id").
		Set("data = EXCLUDED.data").
		Set("last_seen_at = EXCLUDED.last_seen_at").
		Set("expires_at = EXCLUDED.expires_at").
		Exec(ctx)
	return wrap("upsert session", err)
}

// TouchSession records activity, which extends the idle expiry.
func TouchSession(ctx context.Context, db bun.IDB, idHash string, seen, expires time.Time) error {
	_, err := db.NewUpdate().Model((*Session)(nil)).
		Set("last_seen_at = ?", seen).Set("expires_at = ?", expires).
		Where("id_hash = ?", idHash).Exec(ctx)
	return wrap("touch session", err)
}

// DeleteSession removes one session.
func DeleteSession(ctx context.Context, db bun.IDB, idHash string) error {
	_, err := db.NewDelete().Model((*Session)(nil)).Where("id_hash = ?", idHash).Exec(ctx)
	return wrap("delete session", err)
}

// DeleteUserSessions ends every session of a user except keepHash (pass ""
// to end them all). It returns how many ended.
func DeleteUserSessions(ctx context.Context, db bun.IDB, userID, keepHash string) (int64, error) {
	q := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID)
	if keepHash != "" {
		q = q.Where("id_hash <> ?", keepHash)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, wrap("delete user sessions", err)
	}
	v0, err := res.RowsAffected()
	return v0, wrap("delete user sessions", err)
}

// CountUserSessions counts a user's live sessions.
func CountUserSessions(ctx context.Context, db bun.IDB, userID string, now time.Time) (int, error) {
	n, err := db.NewSelect().Model((*Session)(nil)).Where("user_id = ?", userID).Where("expires_at > ?", now).Count(ctx)
	return int(n), wrap("count user sessions", err)
}

// DeleteExpiredSessions prunes sessions past their expiry.
func DeleteExpiredSessions(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).Where("expires_at <= ?", now).Exec(ctx)
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	v0, err := res.RowsAffected()
	return v0, wrap("delete expired sessions", err)
}
