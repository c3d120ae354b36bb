package core

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botdeck/botdeck/internal/jsrt"
)

// What this process keeps in memory for custom webhooks: the compiled
// program of each bot's current code version, each bot's current version
// for a moment, a concurrency gate per bot and a log budget per bot. None
// of it is needed for correctness across instances: the database holds the
// code, and another instance's save reaches this one within versionTTL.

// versionTTL bounds how long this process may run a bot's previous code
// after another instance saved a new version. Saves and restores on this
// instance take effect at once.
const versionTTL = 2 * time.Second

// Program cache bounds: the current program of at most programCacheMax
// bots, and at most programCacheBytes of their sources (a compiled program
// takes a few times its source). Least recently used bots go first.
const (
	programCacheMax   = 2000
	programCacheBytes = 64 << 20
)

// compiled is one bot's compiled current code, or why it does not compile.
type compiled struct {
	version  int
	prog     *jsrt.Program
	handlers map[string]bool
	err      *jsrt.CompileError // the saved source no longer compiles (a newer Botdeck, other limits)
	size     int
	lastUsed atomic.Int64
}

func newCompiled(version int, prog *jsrt.Program, size int) *compiled {
	c := &compiled{version: version, prog: prog, size: size, handlers: map[string]bool{}}
	for _, h := range prog.Handlers() {
		c.handlers[h] = true
	}
	return c
}

// programCache maps a bot id to its compiled current code.
type programCache struct {
	mu    sync.RWMutex
	m     map[string]*compiled
	bytes int
	max   int
	limit int
}

func newProgramCache() *programCache {
	return &programCache{m: map[string]*compiled{}, max: programCacheMax, limit: programCacheBytes}
}

func (c *programCache) get(botID string, version int) *compiled {
	c.mu.RLock()
	e := c.m[botID]
	c.mu.RUnlock()
	if e == nil || e.version != version {
		return nil
	}
	e.lastUsed.Store(time.Now().UnixNano())
	return e
}

func (c *programCache) put(botID string, e *compiled) {
	e.lastUsed.Store(time.Now().UnixNano())
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[botID]; old != nil {
		if old.version > e.version {
			return // a newer version is already here
		}
		c.bytes -= old.size
	}
	c.m[botID] = e
	c.bytes += e.size
	for len(c.m) > c.max || c.bytes > c.limit {
		c.evictOldestLocked(botID)
	}
}

// evictOldestLocked drops the least recently used entry other than keep.
func (c *programCache) evictOldestLocked(keep string) {
	var victim string
	oldest := int64(1<<63 - 1)
	for id, e := range c.m {
		if id != keep && e.lastUsed.Load() < oldest {
			victim, oldest = id, e.lastUsed.Load()
		}
	}
	if victim == "" {
		return
	}
	c.bytes -= c.m[victim].size
	delete(c.m, victim)
}

// versionCache remembers each bot's current code version for versionTTL.
type versionCache struct {
	mu sync.Mutex
	m  map[string]versionEntry
}

type versionEntry struct {
	version int
	expires time.Time
}

func newVersionCache() *versionCache { return &versionCache{m: map[string]versionEntry{}} }

func (c *versionCache) get(botID string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[botID]
	if !ok || time.Now().After(e.expires) {
		return 0, false
	}
	return e.version, true
}

func (c *versionCache) set(botID string, version int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= webhookCacheMax {
		c.m = map[string]versionEntry{}
	}
	c.m[botID] = versionEntry{version: version, expires: time.Now().Add(versionTTL)}
}

// botGate caps how many runs of one bot execute at once, so that a bot
// flooded with slow requests (or running an endless loop on purpose)
// holds at most part of the engine's runtimes and never starves the
// others.
type botGate struct {
	mu     sync.Mutex
	perBot int
	m      map[string]chan struct{}
}

func newBotGate(perBot int) *botGate {
	return &botGate{perBot: max(1, perBot), m: map[string]chan struct{}{}}
}

// acquire waits for one of the bot's slots, at most wait and until ctx
// ends; the returned function gives it back.
func (g *botGate) acquire(ctx context.Context, botID string, wait time.Duration) (func(), error) {
	g.mu.Lock()
	ch := g.m[botID]
	if ch == nil {
		if len(g.m) >= webhookCacheMax {
			g.dropIdleLocked()
		}
		ch = make(chan struct{}, g.perBot)
		g.m[botID] = ch
	}
	g.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-t.C:
		return nil, context.DeadlineExceeded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *botGate) dropIdleLocked() {
	for id, ch := range g.m {
		if len(ch) == 0 {
			delete(g.m, id)
		}
	}
}

// logBudget bounds how many entries a bot's handlers write to its log:
// logBurst at once, then logRate per second. Beyond it entries are counted,
// not written, and the next written batch says how many were dropped, so
// a hot handler that logs (or fails) on every request cannot flood the
// database.
const (
	logBurst = 200
	logRate  = 20.0
)

type logBudget struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens        float64
	at            time.Time
	dropped       int // entries not written since the last written batch
	droppedErrors int // handler failures among them, for the daily error count
}

func newLogBudget() *logBudget { return &logBudget{m: map[string]*bucket{}} }

// take asks for n entries (errors of them are handler failures) and returns
// how many may be written, plus the entries and failures dropped before,
// which the caller reports.
func (l *logBudget) take(botID string, n, errors int) (allowed, droppedBefore, droppedErrors int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.m[botID]
	if b == nil {
		if len(l.m) >= webhookCacheMax {
			l.m = map[string]*bucket{}
		}
		b = &bucket{tokens: logBurst, at: now}
		l.m[botID] = b
	}
	b.tokens = min(logBurst, b.tokens+now.Sub(b.at).Seconds()*logRate)
	b.at = now
	allowed = min(n, int(b.tokens))
	b.tokens -= float64(allowed)
	if allowed == 0 {
		b.dropped += n
		b.droppedErrors += errors
		return 0, 0, 0
	}
	droppedBefore, droppedErrors = b.dropped+n-allowed, b.droppedErrors
	b.dropped, b.droppedErrors = 0, 0
	return allowed, droppedBefore, droppedErrors
}
