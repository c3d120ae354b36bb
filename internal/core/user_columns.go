package core

import (
	"context"

	"github.com/botdeck/botdeck/models"
)

// RememberedColumns is the property columns the member userID last chose
// for the users table of bot botID (nil when none). It does not check the
// bot: a member only ever reads back their own choices.
func (a *Audience) RememberedColumns(ctx context.Context, userID, botID string) ([]string, error) {
	return models.UserColumns(ctx, a.db, userID, botID)
}

// RememberColumns keeps cols as the member's choice for bot b's users
// table (none forgets it). The caller has checked that b is the member's.
func (a *Audience) RememberColumns(ctx context.Context, userID string, b *models.Bot, cols []string) error {
	return models.SetUserColumns(ctx, a.db, userID, b.ID, cols, models.Now())
}
