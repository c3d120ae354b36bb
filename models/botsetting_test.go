package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func TestBotSettings(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot, other := seedBot(t, db), seedBot(t, db)
		put := func(botID, name, value string, secret bool) bool {
			t.Helper()
			s := &models.BotSetting{BotID: botID, Name: name, Value: value, Secret: secret, UpdatedAt: models.Now()}
			if secret {
				s.Value, s.Ciphertext = "", []byte("sealed:"+value)
			}
			ok, err := models.PutBotSetting(ctx, db, s)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		put(bot, "B", "1", false)
		put(bot, "A", "x", false)
		put(bot, "A", "top", true) // replaced, now secret
		put(other, "A", "other's", false)
		got, err := models.ListBotSettings(ctx, db, bot)
		if err != nil || len(got) != 2 {
			t.Fatalf("list: %v %v", got, err)
		}
		if got[0].Name != "A" || !got[0].Secret || got[0].Value != "" || string(got[0].Ciphertext) != "sealed:top" || got[1].Value != "1" {
			t.Fatalf("list: %+v", got)
		}
		if ok, err := models.DeleteBotSetting(ctx, db, bot, "B"); !ok || err != nil {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, _ := models.DeleteBotSetting(ctx, db, bot, "B"); ok {
			t.Fatal("deleted twice")
		}
		if got, _ := models.ListBotSettings(ctx, db, other); len(got) != 1 || got[0].Value != "other's" {
			t.Fatalf("other bot: %+v", got)
		}
		// At most MaxBotSettings names; replacing one is always possible.
		for i := 1; i < models.MaxBotSettings; i++ {
			if !put(bot, fmt.Sprintf("N%03d", i), "v", false) {
				t.Fatalf("setting %d refused", i)
			}
		}
		if put(bot, "ONE_TOO_MANY", "v", false) {
			t.Fatal("more than MaxBotSettings")
		}
		if !put(bot, "A", "again", false) {
			t.Fatal("replacing refused at the limit")
		}
	})
}
