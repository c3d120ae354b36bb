package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// UserPhoto is a cached profile photo (see migrations: table user_photos).
// An empty ContentType with no body records that the user has no photo.
type UserPhoto struct {
	bun.BaseModel `bun:"table:user_photos"`

	BotID       string    `bun:"bot_id,pk"`
	UserID      int64     `bun:"user_id,pk"`
	ContentType string    `bun:"content_type"`
	Body        []byte    `bun:"body"`
	FetchedAt   time.Time `bun:"fetched_at"`
}

// None reports whether the cache entry records "no photo".
func (p *UserPhoto) None() bool { return p.ContentType == "" }

// UserPhotoOf returns the cached photo of a user, or nil when none is cached.
func UserPhotoOf(ctx context.Context, db bun.IDB, botID string, userID int64) (*UserPhoto, error) {
	p := new(UserPhoto)
	err := db.NewSelect().Model(p).Where("bot_id = ?", botID).Where("user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, wrap("user photo of", err)
}

// SaveUserPhoto stores (or replaces) a user's cached photo.
func SaveUserPhoto(ctx context.Context, db bun.IDB, p *UserPhoto) error {
	if p.Body == nil {
		p.Body = []byte{}
	}
	_, err := db.NewInsert().Model(p).On("CONFLICT (bot_id, user_id) DO UPDATE").
		Set("content_type = EXCLUDED.content_type").Set("body = EXCLUDED.body").Set("fetched_at = EXCLUDED.fetched_at").
		Exec(ctx)
	return wrap("save user photo", err)
}

// PruneUserPhotos deletes cached photos fetched before cutoff, at most
// limit per call. A photo still being looked at is fetched again daily
// (its TTL), so only photos nobody opened for a while are old.
func PruneUserPhotos(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*UserPhoto)(nil)).Column("bot_id", "user_id").Where("fetched_at < ?", cutoff).Limit(int64(limit))
	res, err := db.NewDelete().Model((*UserPhoto)(nil)).Where("(bot_id, user_id) IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, wrap("prune user photos", err)
	}
	v0, err := res.RowsAffected()
	return v0, wrap("prune user photos", err)
}

// UsersWithoutPhoto returns which of userIDs the cache knows to have no
// photo, as of a fetch after since. The photo bodies are not read.
func UsersWithoutPhoto(ctx context.Context, db bun.IDB, botID string, userIDs []int64, since time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var ids []int64
	err := db.NewSelect().Model((*UserPhoto)(nil)).Column("user_id").
		Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(userIDs)).
		Where("content_type = ''").Where("fetched_at > ?", since).Scan(ctx, &ids)
	for _, id := range ids {
		out[id] = true
	}
	return out, wrap("users without photo", err)
}
