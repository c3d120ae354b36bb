package botapi

import (
	"context"
	"sync"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/ingest"
)

// signal wakes long polls of a bot when this instance processes one of its
// updates. Polls also look at the database every second, which covers
// updates processed on another instance.
type signal struct {
	mu      sync.Mutex
	waiters map[string]chan struct{}
}

func newSignal() *signal { return &signal{waiters: map[string]chan struct{}{}} }

// wait returns a channel closed at the next notify of botID.
func (s *signal) wait(botID string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.waiters[botID]
	if !ok {
		ch = make(chan struct{})
		s.waiters[botID] = ch
	}
	return ch
}

func (s *signal) notify(botID string) {
	s.mu.Lock()
	ch, ok := s.waiters[botID]
	delete(s.waiters, botID)
	s.mu.Unlock()
	if ok {
		close(ch)
	}
}

// Handle is the ingest hook: it wakes the bot's long polls (and costs a map
// lookup when nobody polls).
func (p *Proxy) Handle(_ context.Context, _ bun.Tx, ev *ingest.Event) error {
	p.signal.notify(ev.BotID)
	return nil
}
