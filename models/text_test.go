package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// TestLogLinesWithNULOrCutCharactersAreStored: a bot's code logging a NUL,
// invalid UTF-8, or a line cut inside a character must not lose the log
// batch (PostgreSQL refuses such text).
func TestLogLinesWithNULOrCutCharactersAreStored(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botID := seedBot(t, db)
		long := strings.Repeat("ж", 5000) // 10,000 bytes: clipped inside a character
		err := models.InsertLogs(ctx, db,
			&models.BotLog{BotID: botID, Level: models.LogInfo, Source: models.SourceHandler, Message: "a\x00b", Detail: "caf\xff"},
			&models.BotLog{BotID: botID, Level: models.LogInfo, Source: models.SourceHandler, Message: long})
		if err != nil {
			t.Fatal(err)
		}
		logs, total, err := models.ListLogs(ctx, db, botID, models.LogFilter{}, models.Window{Limit: 10})
		if err != nil || total != 2 {
			t.Fatalf("%d logs, %v", total, err)
		}
		got := map[string]string{}
		for _, l := range logs {
			got[l.Message[:min(2, len(l.Message))]] = l.Message + "|" + l.Detail
		}
		if got["ab"] != "ab|caf\uFFFD" {
			t.Errorf("cleaned line: %q", got["ab"])
		}
		if m := got["ж"]; !strings.HasSuffix(m, "ж…|") {
			t.Errorf("clipped line ends %q", m[len(m)-10:])
		}
	})
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{"": "", "plain": "plain", "a\x00b\x00": "ab", "\xffé": "\uFFFDé"} {
		if got := models.CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPruneActiveDays deletes only days before the cutoff, in slices.
func TestPruneActiveDays(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botID := seedBot(t, db)
		for _, day := range []string{"2024-01-01", "2024-01-02", "2026-01-01"} {
			if err := models.RecordActiveDay(ctx, db, botID, day, []int64{1, 2}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := models.PruneActiveDays(ctx, db, "2025-01-01", 3)
		if err != nil || n != 3 {
			t.Fatalf("first slice: %d %v", n, err)
		}
		n, err = models.PruneActiveDays(ctx, db, "2025-01-01", 3)
		if err != nil || n != 1 {
			t.Fatalf("second slice: %d %v", n, err)
		}
		left, err := db.NewSelect().Model((*models.BotUserDay)(nil)).Count(ctx)
		if err != nil || left != 2 {
			t.Fatalf("%d rows left, %v", left, err)
		}
	})
}
