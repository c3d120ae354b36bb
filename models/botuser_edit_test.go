package models_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func TestEditUser(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		users := []*models.BotUser{{BotID: bot, UserID: 1, StartedAt: now, LastSeenAt: now}, {BotID: bot, UserID: 2, StartedAt: now, LastSeenAt: now}}
		if _, err := models.InsertBotUsersIfNew(ctx, db, users); err != nil {
			t.Fatal(err)
		}
		tags := []string{"b", "a"}
		err := models.EditUser(ctx, db, bot, 1, models.UserEdit{Set: map[string]any{"s": "x", "n": 2.5, "ok": true}, Tags: &tags, AddTags: []string{"a", "c"}}, now)
		if err != nil {
			t.Fatal(err)
		}
		other := []string{"z"}
		if err := models.EditUser(ctx, db, bot, 2, models.UserEdit{Tags: &other}, now); err != nil {
			t.Fatal(err)
		}
		props, got, err := models.UserAttributes(ctx, db, bot, 1)
		if err != nil || !reflect.DeepEqual(props, map[string]any{"s": "x", "n": 2.5, "ok": true}) || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
			t.Fatalf("attributes: %v %v %v", props, got, err)
		}
		empty := []string{}
		err = models.EditUser(ctx, db, bot, 1, models.UserEdit{Set: map[string]any{"n": 3.0}, Unset: []string{"s"}, Tags: &empty, AddTags: []string{"d"}, RemoveTags: []string{"zz"}}, now)
		if err != nil {
			t.Fatal(err)
		}
		props, got, _ = models.UserAttributes(ctx, db, bot, 1)
		if !reflect.DeepEqual(props, map[string]any{"n": 3.0, "ok": true}) || !reflect.DeepEqual(got, []string{"d"}) {
			t.Fatalf("after second edit: %v %v", props, got)
		}
		if _, got, _ = models.UserAttributes(ctx, db, bot, 2); !reflect.DeepEqual(got, []string{"z"}) {
			t.Fatalf("another user's tags changed: %v", got)
		}
	})
}
