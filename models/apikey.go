package models

import (
	"context"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/uptrace/bun"
)

// APIKey lets an integrator call /api without a browser session. Only the
// SHA-256 of the key is stored; the key itself is shown once at creation.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID          string     `bun:"id,pk"`
	UserID      string     `bun:"user_id"`      // who made it: the key acts with their role
	WorkspaceID string     `bun:"workspace_id"` // the workspace it acts in
	Name        string     `bun:"name"`
	Prefix      string     `bun:"prefix"`
	KeyHash     string     `bun:"key_hash"`
	CreatedAt   time.Time  `bun:"created_at"`
	LastUsedAt  *time.Time `bun:"last_used_at"`
}

// MaxAPIKeysPerUser bounds how many keys one account may hold.
const MaxAPIKeysPerUser = 50

// InsertAPIKey stores a key.
func InsertAPIKey(ctx context.Context, db bun.IDB, k *APIKey) error {
	_, err := db.NewInsert().Model(k).Exec(ctx)
	return wrap("insert api key", err)
}

// APIKeysOfUser lists a user's keys in a workspace, newest first.
func APIKeysOfUser(ctx context.Context, db bun.IDB, userID, workspaceID string) ([]APIKey, error) {
	var keys []APIKey
	err := db.NewSelect().Model(&keys).Where("user_id = ?", userID).Where("workspace_id = ?", workspaceID).Order("created_at DESC", "id").Scan(ctx)
	return keys, wrap("api keys of user", err)
}

// CountAPIKeys counts a user's keys.
func CountAPIKeys(ctx context.Context, db bun.IDB, userID string) (int, error) {
	n, err := db.NewSelect().Model((*APIKey)(nil)).Where("user_id = ?", userID).Count(ctx)
	return int(n), wrap("count api keys", err)
}

// APIKeyByHash finds the key with this hash.
func APIKeyByHash(ctx context.Context, db bun.IDB, keyHash string) (*APIKey, error) {
	k := new(APIKey)
	err := db.NewSelect().Model(k).Where("key_hash = ?", keyHash).Scan(ctx)
	return k, wrap("api key by hash", notFoundAs(err, "API key"))
}

// DeleteAPIKey revokes a key of this user; another user's key is not found.
func DeleteAPIKey(ctx context.Context, db bun.IDB, userID, id string) error {
	res, err := db.NewDelete().Model((*APIKey)(nil)).Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return wrap("delete api key", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete api key", apperr.NotFound("API key"))
	}
	return nil
}

// DeleteUserAPIKeys deletes every key of a user and says how many.
func DeleteUserAPIKeys(ctx context.Context, db bun.IDB, userID string) (int64, error) {
	res, err := db.NewDelete().Model((*APIKey)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return 0, wrap("delete user api keys", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete user api keys", err)
}

// TouchAPIKey records when a key was last used.
func TouchAPIKey(ctx context.Context, db bun.IDB, id string, at time.Time) error {
	_, err := db.NewUpdate().Model((*APIKey)(nil)).Set("last_used_at = ?", at).Where("id = ?", id).Exec(ctx)
	return wrap("touch api key", err)
}
