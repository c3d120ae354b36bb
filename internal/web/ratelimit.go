package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// RateLimiter limits /api calls per API key, per signed-in user, or per IP
// for anonymous callers, and reports the budget in X-RateLimit-* headers.
// Counters live in memory, per instance: behind N instances the effective
// limit is at most N times the setting, which is acceptable for a
// protection against runaway scripts (it is not a billing meter).
type RateLimiter struct {
	limiter *limiter.Limiter
	respond *Responder
}

// NewRateLimiter allows perMinute requests per minute; 0 disables limiting.
func NewRateLimiter(perMinute int, respond *Responder) *RateLimiter {
	if perMinute <= 0 {
		return nil
	}
	rate := limiter.Rate{Period: time.Minute, Limit: int64(perMinute)}
	return &RateLimiter{limiter: limiter.New(memory.NewStore(), rate), respond: respond}
}

// Middleware applies the limit to /api requests. It runs after
// authentication, so it knows the key or user.
func (l *RateLimiter) Middleware(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsAPI(r) {
			next.ServeHTTP(w, r)
			return
		}
		auth := AuthOf(r)
		key := "ip:" + ClientIP(r)
		switch {
		case auth.APIKeyID != "":
			key = "key:" + auth.APIKeyID
		case auth.User != nil:
			key = "user:" + auth.User.ID
		}
		lc, err := l.limiter.Get(r.Context(), key)
		if err != nil {
			l.respond.Fail(w, r, err)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.FormatInt(lc.Limit, 10))
		h.Set("X-RateLimit-Remaining", strconv.FormatInt(lc.Remaining, 10))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(lc.Reset, 10))
		if lc.Reached {
			wait := time.Until(time.Unix(lc.Reset, 0))
			if wait < time.Second {
				wait = time.Second
			}
			l.respond.Fail(w, r, apperr.RateLimited("Too many requests. Slow down and retry after the time in Retry-After.", wait))
			return
		}
		next.ServeHTTP(w, r)
	})
}
