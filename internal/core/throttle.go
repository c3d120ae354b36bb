package core

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// limit is one throttling key and how many attempts it allows per window.
type limit struct {
	key string
	max int
}

// claimAttempts counts one attempt against every key, in order, before the
// caller does the work an attacker would repeat (checking a password or a
// code, creating an account). The count is claimed first and checked after,
// in one statement per key, so N parallel attempts still stop at the limit:
// a check followed by a later increment would let all N through. A key over
// its limit answers 429 (refusal, then the wait); keys after it are not counted.
func claimAttempts(ctx context.Context, db bun.IDB, refusal string, window time.Duration, keys ...limit) error {
	now := models.Now()
	for _, k := range keys {
		f, err := models.ClaimAuthAttempt(ctx, db, k.key, now, now.Add(-window))
		if err != nil {
			return err
		}
		if f.Failures > k.max {
			wait := max(f.WindowStartedAt.Add(window).Sub(now).Round(time.Second), time.Second)
			return apperr.RateLimited(refusal+" Try again in "+humanDuration(wait)+".", wait)
		}
	}
	return nil
}
