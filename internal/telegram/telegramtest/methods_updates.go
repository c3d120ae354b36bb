package telegramtest

import (
	"encoding/json"
	"net/http"
	"time"
)

// getUpdates answers long polls the way Telegram does: offset confirms
// earlier updates, the call waits up to timeout seconds for one to arrive,
// a webhook makes it a 409, and a newer poll (or setWebhook) ends a waiting
// one with 409.
func (s *Server) getUpdates(r *http.Request, b *botState, p params) (any, string, *apiError) {
	offset, _ := p.int("offset")
	limit, ok := p.int("limit")
	if !ok || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := p.int("timeout")
	wait := min(time.Duration(max(timeout, 0))*time.Second, s.cfg.maxLongPoll)
	allowed, hasAllowed, aerr := p.list("allowed_updates")
	if aerr != nil {
		return nil, "", aerr
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if b.webhook.URL != "" {
		return nil, "", errWebhookActive
	}
	if hasAllowed {
		b.allowed = allowed
	}
	confirmLocked(b, offset)

	if b.poll != nil {
		b.poll.terminate(errTerminatedByOtherPoll)
	}
	me := &pollState{done: make(chan struct{})}
	b.poll = me
	defer func() {
		if b.poll == me {
			b.poll = nil
		}
	}()

	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		if me.reason != nil {
			return nil, "", me.reason
		}
		if len(b.queue) > 0 || wait == 0 {
			return takeLocked(b, int(limit)), "", nil
		}
		wake := b.wake
		s.mu.Unlock()
		var expired bool
		select {
		case <-wake:
		case <-me.done:
		case <-deadline.C:
			expired = true
		case <-r.Context().Done():
			expired = true
		case <-s.closed:
			expired = true
		}
		s.mu.Lock()
		if expired && me.reason == nil {
			return takeLocked(b, int(limit)), "", nil
		}
	}
}

// confirmLocked forgets updates below offset; a negative offset keeps only
// the last -offset updates.
func confirmLocked(b *botState, offset int64) {
	switch {
	case offset > 0:
		i := 0
		for i < len(b.queue) && int64(b.queue[i].ID) < offset {
			i++
		}
		b.queue = b.queue[i:]
	case offset < 0:
		if keep := int(-offset); keep < len(b.queue) {
			b.queue = b.queue[len(b.queue)-keep:]
		}
	}
}

// takeLocked returns up to limit pending updates without removing them:
// Telegram only forgets an update once a later offset confirms it.
func takeLocked(b *botState, limit int) []json.RawMessage {
	n := min(limit, len(b.queue))
	out := make([]json.RawMessage, n)
	for i := range n {
		out[i] = b.queue[i].Raw
	}
	return out
}
