package core

import (
	"context"
	"sync"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// RepliesCache keeps each bot's compiled replies (replies.Set) on this
// instance. An entry is fresh while the bot's replies version and username
// are unchanged: the replies store bumps the version in the transaction of
// every change, so a change made on any instance is seen by the next
// update on every instance (the check is one primary-key read).
type RepliesCache struct {
	mu   sync.Mutex
	sets map[string]cachedSet
}

type cachedSet struct {
	key models.BotRepliesKey
	set *replies.Set
}

// maxCachedSets bounds the cache; beyond it, it starts over.
const maxCachedSets = 10_000

// NewRepliesCache returns an empty cache.
func NewRepliesCache() *RepliesCache { return &RepliesCache{sets: map[string]cachedSet{}} }

// Set returns the bot's compiled replies, compiling them when they
// changed. It reads through db, so inside a transaction it sees that
// transaction's replies.
func (c *RepliesCache) Set(ctx context.Context, db bun.IDB, botID string) (*replies.Set, error) {
	key, err := models.RepliesKeyOf(ctx, db, botID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok := c.sets[botID]
	c.mu.Unlock()
	if ok && e.key == key {
		return e.set, nil
	}
	rows, err := models.ListReplies(ctx, db, botID)
	if err != nil {
		return nil, err
	}
	set := replies.NewSet(models.Specs(rows), key.Username)
	c.mu.Lock()
	if len(c.sets) >= maxCachedSets {
		clear(c.sets)
	}
	c.sets[botID] = cachedSet{key: key, set: set}
	c.mu.Unlock()
	return set, nil
}
