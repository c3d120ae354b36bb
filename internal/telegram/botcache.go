package telegram

import (
	"container/list"
	"sync"

	"github.com/mymmrac/telego"
)

// botCache keeps recently used telego.Bot values by token.
//
// telego.NewBot compiles its token regexp on every call: 14-28 µs and 17 KB in
// 135 allocations on this machine (BenchmarkBotLookup), a sizeable share of a
// loopback round trip; a cache hit costs well under 1 µs. A telego.Bot holds
// no per-request state, so reusing one is safe; the bound keeps memory flat
// for deployments with many thousands of bots.
type botCache struct {
	mu    sync.Mutex
	limit int
	order *list.List // front = most recently used; values are *cachedBot
	byKey map[string]*list.Element
}

type cachedBot struct {
	token string
	bot   *telego.Bot
}

func newBotCache(limit int) *botCache {
	return &botCache{limit: limit, order: list.New(), byKey: make(map[string]*list.Element)}
}

// get returns the cached bot for token, creating it with create on a miss.
// create runs outside the lock: two goroutines may both create on a cold
// miss, which is harmless, and nobody waits on another's regexp compile.
func (c *botCache) get(token string, create func() (*telego.Bot, error)) (*telego.Bot, error) {
	c.mu.Lock()
	if el, ok := c.byKey[token]; ok {
		c.order.MoveToFront(el)
		b := el.Value.(*cachedBot).bot
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()

	b, err := create()
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[token]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cachedBot).bot, nil
	}
	c.byKey[token] = c.order.PushFront(&cachedBot{token: token, bot: b})
	for c.order.Len() > c.limit {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cachedBot).token)
	}
	return b, nil
}

// forget drops token, e.g. when a bot is deleted, so the cache does not keep
// the credential alive longer than needed.
func (c *botCache) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[token]; ok {
		c.order.Remove(el)
		delete(c.byKey, token)
	}
}

func (c *botCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
