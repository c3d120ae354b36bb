package core

import (
	"sync"
	"time"

	"github.com/botdeck/botdeck/models"
)

// webhookCacheTTL bounds how stale the receiver's view of a bot may be:
// another instance's stop or disconnect reaches this one within it. This
// instance's own changes invalidate the entry at once.
const webhookCacheTTL = 2 * time.Second

// webhookCacheMax bounds memory; when full, the cache starts over.
const webhookCacheMax = 10_000

// webhookCache keeps what the webhook receiver needs per bot (id, secret,
// status) for a moment, so a busy bot's deliveries do not each cost a
// database read before the store.
type webhookCache struct {
	mu sync.Mutex
	m  map[string]webhookEntry
}

// webhookEntry's bot is shared by every reader (get returns it, not a copy:
// copying a models.Bot cost the /custom hot path most of a kilobyte per
// request), so nothing may modify it.
type webhookEntry struct {
	bot     *models.Bot
	expires time.Time
}

func newWebhookCache() *webhookCache { return &webhookCache{m: map[string]webhookEntry{}} }

func (c *webhookCache) get(id string) (*models.Bot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return e.bot, true
}

func (c *webhookCache) put(b *models.Bot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= webhookCacheMax {
		c.m = map[string]webhookEntry{}
	}
	// Only what the receiver and bot code read is kept: never the token
	// ciphertext.
	c.m[b.ID] = webhookEntry{bot: &models.Bot{ID: b.ID, OwnerID: b.OwnerID, Status: b.Status, WebhookSecret: b.WebhookSecret,
		UpdateMode: b.UpdateMode, Username: b.Username}, expires: time.Now().Add(webhookCacheTTL)}
}

func (c *webhookCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
