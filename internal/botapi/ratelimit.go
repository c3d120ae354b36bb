package botapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// tokenLimiter bounds the proxy's requests per bot on this instance, so a
// runaway bot (or a leaked token) cannot flood Botdeck or Telegram through
// it. Buckets idle for a while are dropped.
type tokenLimiter struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newTokenLimiter(perSecond float64, burst int) *tokenLimiter {
	return &tokenLimiter{perSecond: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}, swept: time.Now()}
}

// allow takes one request of botID and, when refused, says how long to wait.
func (l *tokenLimiter) allow(botID string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for id, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, id)
			}
		}
		l.swept = now
	}
	b := l.buckets[botID]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.perSecond, l.burst)}
		l.buckets[botID] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// tooMany is Telegram's answer to flooding, with retry_after in seconds.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", itoa(secs))
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after ` + itoa(secs) +
		`","parameters":{"retry_after":` + itoa(secs) + `}}` + "\n"))
}

func itoa(n int) string { return strconv.Itoa(n) }
