package telegramtest

import (
	"math"
	"time"
)

// sendLimiter is a token bucket for one bot's sendMessage calls. Its burst
// equals one second's worth of messages, roughly how Telegram's flood
// control tolerates short bursts.
type sendLimiter struct {
	perSecond float64
	burst     float64
	tokens    float64
	last      time.Time
}

func newSendLimiter(perSecond float64, now time.Time) *sendLimiter {
	burst := math.Max(1, perSecond)
	return &sendLimiter{perSecond: perSecond, burst: burst, tokens: burst, last: now}
}

// take spends one token, or says how many whole seconds to wait (at least 1,
// as Telegram's retry_after is a positive integer).
func (l *sendLimiter) take(now time.Time) (ok bool, retryAfter int) {
	l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.perSecond)
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	wait := (1 - l.tokens) / l.perSecond
	return false, max(1, int(math.Ceil(wait)))
}

// SetSendRate limits the bot's sendMessage to perSecond messages per second
// (burst of one second's worth); beyond it calls answer 429 with
// retry_after, like Telegram's flood control. perSecond <= 0 removes the limit.
func (s *Server) SetSendRate(token string, perSecond float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	if b == nil {
		return ErrUnknownBot
	}
	if perSecond <= 0 {
		b.limiter = nil
		return nil
	}
	b.limiter = newSendLimiter(perSecond, time.Now())
	return nil
}
