package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

func TestUserStateStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		users := []*models.BotUser{{BotID: bot, UserID: 1, StartedAt: now, LastSeenAt: now}, {BotID: bot, UserID: 2, StartedAt: now, LastSeenAt: now}}
		if _, err := models.InsertBotUsersIfNew(ctx, db, users); err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(models.SetAwaiting(ctx, db, bot, 1, "rpl_ask"))
		must(models.SetUserProps(ctx, db, []models.BotUserProp{
			{BotID: bot, UserID: 1, Name: "email", Value: `"a@b.co"`, UpdatedAt: now},
			{BotID: bot, UserID: 1, Name: "age", Value: `42`, UpdatedAt: now},
		}))
		must(models.SetUserProps(ctx, db, []models.BotUserProp{{BotID: bot, UserID: 1, Name: "age", Value: `43`, UpdatedAt: now}}))
		must(models.AddUserTags(ctx, db, []models.BotUserTag{{BotID: bot, UserID: 1, Tag: "vip", CreatedAt: now},
			{BotID: bot, UserID: 1, Tag: "new", CreatedAt: now}, {BotID: bot, UserID: 2, Tag: "vip", CreatedAt: now}}))
		must(models.AddUserTags(ctx, db, []models.BotUserTag{{BotID: bot, UserID: 1, Tag: "vip", CreatedAt: now}}))
		must(models.RemoveUserTags(ctx, db, bot, 1, []string{"new"}))
		must(models.DeleteUserProps(ctx, db, bot, 1, []string{"email"}))
		if _, err := models.SetUserBlocked(ctx, db, bot, 2, true); err != nil {
			t.Fatal(err)
		}
		st, err := models.UserStates(ctx, db, bot, []int64{1, 2, 3})
		must(err)
		if len(st) != 2 {
			t.Fatalf("states of the users that exist: %d", len(st))
		}
		one, two := st[1], st[2]
		if one.Awaiting != "rpl_ask" || one.Props["age"] != 43.0 || one.Props["email"] != nil || !one.Tags["vip"] || one.Tags["new"] || one.Blocked {
			t.Fatalf("user 1: %+v", one)
		}
		if !two.Blocked || two.Awaiting != "" || len(two.Props) != 0 || !two.Tags["vip"] {
			t.Fatalf("user 2: %+v", two)
		}
	})
}

// TestOutboxLeaseFollowsTheBroadcastLease: while another instance sends a
// bot's broadcasts, that instance (not this one) sends its outbox, so one
// limiter paces everything the bot says.
func TestOutboxLeaseFollowsTheBroadcastLease(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		if _, ok, err := models.AcquireBroadcastLease(ctx, db, bot, "a", now.Add(time.Minute), now); err != nil || !ok {
			t.Fatalf("broadcast lease: %v %v", ok, err)
		}
		if _, ok, err := models.AcquireOutboxLease(ctx, db, bot, "b", now.Add(time.Minute), now); err != nil || ok {
			t.Fatalf("b must not take the outbox lease: %v %v", ok, err)
		}
		if _, ok, err := models.AcquireOutboxLease(ctx, db, bot, "a", now.Add(time.Minute), now); err != nil || !ok {
			t.Fatalf("a takes it: %v %v", ok, err)
		}
		if other, err := models.OutboxLeaseHeldByOther(ctx, db, bot, "b", now); err != nil || !other {
			t.Fatalf("b sees a's outbox lease: %v %v", other, err)
		}
	})
}
