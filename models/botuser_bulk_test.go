package models_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// seedUsers inserts n users of a bot in bulk (batches of one multi-row
// INSERT): user i started i minutes after base and was last seen i hours
// after it.
func seedUsers(t testing.TB, db bun.IDB, bot string, n int, base time.Time) {
	t.Helper()
	const batch = 2000
	for from := 1; from <= n; from += batch {
		users := make([]*models.BotUser, 0, batch)
		for i := from; i < from+batch && i <= n; i++ {
			users = append(users, &models.BotUser{BotID: bot, UserID: int64(i), FirstName: "U", Name: "U",
				StartedAt: base.Add(time.Duration(i) * time.Minute), LastSeenAt: base.Add(time.Duration(i) * time.Hour)})
		}
		if _, err := models.InsertBotUsersIfNew(context.Background(), db, users); err != nil {
			t.Fatal(err)
		}
	}
}

func tagsOf(t *testing.T, db bun.IDB, bot string, user int64) []string {
	t.Helper()
	_, tags, err := models.UserAttributes(context.Background(), db, bot, user)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

func countTagged(t *testing.T, db bun.IDB, bot, tag string) int {
	t.Helper()
	n, err := db.NewSelect().Model((*models.BotUserTag)(nil)).Where("bot_id = ?", bot).Where("tag = ?", tag).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Tagging "all matching" is set-based: one statement per tag over 100,000
// users, the same users the list's filter matches, on both dialects.
func TestTagUsersAllMatching100k(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot, other := seedBot(t, db), seedBot(t, db)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		const n = 100_000
		seedUsers(t, db, bot, n, base)
		seedUsers(t, db, other, 10, base)
		now := models.Now()

		changed, err := models.TagUsers(ctx, db, bot, models.BotUserFilter{}, []string{"all"}, nil, now)
		if err != nil || changed != n {
			t.Fatalf("tag all: %d %v", changed, err)
		}
		if got := countTagged(t, db, bot, "all"); got != n {
			t.Fatalf("tagged %d", got)
		}
		if got := countTagged(t, db, other, "all"); got != 0 {
			t.Fatalf("another bot's users were tagged: %d", got)
		}
		// Again: nobody changes.
		if changed, err = models.TagUsers(ctx, db, bot, models.BotUserFilter{}, []string{"all"}, nil, now); err != nil || changed != 0 {
			t.Fatalf("tag all again: %d %v", changed, err)
		}
		// A filter: users who started in their first 1,000 minutes and are
		// tagged "all" (users 1..999 start before base+1000m).
		f := models.BotUserFilter{AudienceFilter: models.AudienceFilter{Tags: []string{"all"}, StartedBefore: base.Add(1000 * time.Minute)}}
		changed, err = models.TagUsers(ctx, db, bot, f, []string{"early", "first"}, []string{"all"}, now)
		if err != nil || changed != 3*999 {
			t.Fatalf("tag filtered: %d %v", changed, err)
		}
		listed, err := models.CountBotUsersUpTo(ctx, db, bot, models.BotUserFilter{AudienceFilter: models.AudienceFilter{Tags: []string{"early"}}}, n)
		if err != nil || listed != 999 || countTagged(t, db, bot, "all") != n-999 {
			t.Fatalf("early: %d %v; all %d", listed, err, countTagged(t, db, bot, "all"))
		}
		if got := tagsOf(t, db, bot, 5); !reflect.DeepEqual(got, []string{"early", "first"}) {
			t.Fatalf("user 5: %v", got)
		}
		// Chosen rows: only the bot's own users are touched.
		changed, err = models.TagUsers(ctx, db, bot, models.BotUserFilter{IDs: []int64{5, 6, 999_999}}, []string{"picked"}, []string{"early"}, now)
		if err != nil || changed != 4 || !reflect.DeepEqual(tagsOf(t, db, bot, 6), []string{"first", "picked"}) {
			t.Fatalf("rows: %d %v %v", changed, err, tagsOf(t, db, bot, 6))
		}
		if changed, err = models.TagUsers(ctx, db, bot, models.BotUserFilter{IDs: []int64{}}, []string{"x"}, nil, now); err != nil || changed != 0 {
			t.Fatalf("no rows: %d %v", changed, err)
		}

		tags, total, err := models.BotTags(ctx, db, bot, models.Window{Limit: 2})
		if err != nil || total != 4 || !reflect.DeepEqual(tags, []models.TagCount{{Name: "all", Users: n - 999}, {Name: "first", Users: 999}}) {
			t.Fatalf("tags: %v %d %v", tags, total, err)
		}
		tags, total, _ = models.BotTags(ctx, db, bot, models.Window{Limit: 2, Offset: 2})
		if total != 4 || !reflect.DeepEqual(tags, []models.TagCount{{Name: "early", Users: 997}, {Name: "picked", Users: 2}}) {
			t.Fatalf("tags page 2: %v %d", tags, total)
		}
	})
}

// Every time filter and their combinations: the list, its capped count
// and the export walk agree with the users the bounds describe.
func TestUserTimeFilters(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		seedUsers(t, db, bot, 300, base) // started base+i min, seen base+i h
		if err := models.EditUser(ctx, db, bot, 150, models.UserEdit{AddTags: []string{"vip"}}, base); err != nil {
			t.Fatal(err)
		}
		if err := models.EditUser(ctx, db, bot, 250, models.UserEdit{AddTags: []string{"vip"}}, base); err != nil {
			t.Fatal(err)
		}
		min, hour := func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) }, func(i int) time.Time { return base.Add(time.Duration(i) * time.Hour) }
		cases := []struct {
			name string
			f    models.AudienceFilter
			want []int64 // first and last user id (inclusive), or nil for none
		}{
			{"startedFrom", models.AudienceFilter{StartedFrom: min(100)}, []int64{100, 300}},
			{"startedBefore", models.AudienceFilter{StartedBefore: min(100)}, []int64{1, 99}},
			{"lastSeenFrom", models.AudienceFilter{LastSeenFrom: hour(200)}, []int64{200, 300}},
			{"started between", models.AudienceFilter{StartedFrom: min(50), StartedBefore: min(60)}, []int64{50, 59}},
			{"all three", models.AudienceFilter{StartedFrom: min(50), StartedBefore: min(260), LastSeenFrom: hour(240)}, []int64{240, 259}},
			{"with a tag", models.AudienceFilter{Tags: []string{"vip"}, StartedFrom: min(200)}, []int64{250, 250}},
			{"empty range", models.AudienceFilter{StartedFrom: min(60), StartedBefore: min(50)}, nil},
		}
		for _, c := range cases {
			f := models.BotUserFilter{AudienceFilter: c.f}
			var want []int64
			if c.want != nil {
				for id := c.want[0]; id <= c.want[1]; id++ {
					want = append(want, id)
				}
			}
			users, _, err := models.ListBotUsers(ctx, db, bot, f, models.Window{Limit: 1000}, models.PlanAuto)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, u := range users {
				got = append(got, u.UserID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: list %v, want %v", c.name, got, want)
			}
			n, err := models.CountBotUsersUpTo(ctx, db, bot, f, 1000)
			if err != nil || n != len(want) {
				t.Fatalf("%s: count %d %v, want %d", c.name, n, err, len(want))
			}
			walked := 0
			var after *models.BotUserCursor
			for {
				batch, err := models.BotUsersByStart(ctx, db, bot, f, true, after, 7)
				if err != nil {
					t.Fatal(err)
				}
				walked += len(batch)
				if len(batch) < 7 {
					break
				}
				after = models.CursorOf(&batch[len(batch)-1])
			}
			if walked != len(want) {
				t.Fatalf("%s: export walked %d, want %d", c.name, walked, len(want))
			}
		}
	})
}
