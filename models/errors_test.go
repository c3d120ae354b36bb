package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// TestStoreErrorsSayWhatFailed: a store error names the operation and
// still matches what callers test for (a typed not_found, sql.ErrNoRows).
func TestStoreErrorsSayWhatFailed(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		_, err := models.BotByID(ctx, db, "bot_unknown")
		if !errors.Is(err, apperr.ErrNotFound) || !strings.HasPrefix(err.Error(), "store: bot by id: ") {
			t.Fatalf("unknown bot: %v", err)
		}
		if e, ok := apperr.AsError(err); !ok || e.Kind != apperr.KindNotFound || e.Message != "Bot not found." {
			t.Fatalf("typed error lost: %#v", e)
		}
		_, err = models.PollStateOf(ctx, db, "bot_unknown")
		if !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("poll state: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := models.UserByEmail(cctx, db, "nobody@example.com"); !errors.Is(err, context.Canceled) ||
			!strings.HasPrefix(err.Error(), "store: user by email: ") {
			t.Fatalf("cancelled: %v", err)
		}
	})
}
