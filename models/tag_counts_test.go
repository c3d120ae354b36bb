package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// checkTagCounts fails t when a tag counter disagrees with the tags it
// counts (the recomputing consistency check).
func checkTagCounts(t *testing.T, db bun.IDB, step string) {
	t.Helper()
	drift, err := models.CheckTagCounts(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("%s: tag counters drifted: %+v", step, drift)
	}
}

func tagCount(t *testing.T, db bun.IDB, bot, tag string) int64 {
	t.Helper()
	c, err := models.TagUserCounts(context.Background(), db, bot, []string{tag})
	if err != nil {
		t.Fatal(err)
	}
	return c[tag]
}

// The tag counters stay exact through every way tags are written: replies
// and code (AddUserTags, RemoveUserTags), the user page (EditUser), bulk
// edits (TagUsers, adding and removing), CSV import, a user's erasure and
// a bot's deletion (cascades), re-adding tags users already have, and two
// writers adding the same tags to the same users at once.
func TestTagCountsStayExact(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot, other := seedBot(t, db), seedBot(t, db)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		seedUsers(t, db, bot, 500, base)
		seedUsers(t, db, other, 50, base)
		now := models.Now()
		checkTagCounts(t, db, "empty")

		// Replies and code: a batch over several users and tags, twice.
		var add []models.BotUserTag
		for u := int64(1); u <= 40; u++ {
			add = append(add, models.BotUserTag{BotID: bot, UserID: u, Tag: "a", CreatedAt: now},
				models.BotUserTag{BotID: bot, UserID: u, Tag: fmt.Sprint("t", u%3), CreatedAt: now})
		}
		add = append(add, models.BotUserTag{BotID: other, UserID: 1, Tag: "a", CreatedAt: now})
		for range 2 {
			if err := models.AddUserTags(ctx, db, add); err != nil {
				t.Fatal(err)
			}
		}
		checkTagCounts(t, db, "add user tags")
		if got := tagCount(t, db, bot, "a"); got != 40 {
			t.Fatalf("a: %d", got)
		}
		if err := models.RemoveUserTags(ctx, db, bot, 1, []string{"a", "t1", "missing"}); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "remove user tags")

		// The user page: replace the set, add and remove.
		tags := []string{"a", "page"}
		if err := models.EditUser(ctx, db, bot, 2, models.UserEdit{Tags: &tags, AddTags: []string{"page", "more"}, RemoveTags: []string{"a"}}, now); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "edit user")

		// Bulk: all matching, then a filter removing and adding.
		if _, err := models.TagUsers(ctx, db, bot, models.BotUserFilter{}, []string{"all", "a"}, nil, now); err != nil {
			t.Fatal(err)
		}
		f := models.BotUserFilter{AudienceFilter: models.AudienceFilter{Tags: []string{"t0"}}}
		if _, err := models.TagUsers(ctx, db, bot, f, []string{"zero"}, []string{"all", "a", "nobody"}, now); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "bulk")
		if got := tagCount(t, db, bot, "all"); got != 500-13 { // 13 users of 1..40 have t0
			t.Fatalf("all: %d", got)
		}

		// CSV import: new and existing users, tags they have and not.
		rows := []models.ImportRow{{UserID: 3, Tags: []string{"a", "csv"}}, {UserID: 9000, Tags: []string{"csv", "new"}}}
		if _, _, err := models.ImportUsers(ctx, db, bot, rows, now); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "import")

		// Erasing users and deleting a bot remove their tags by cascade.
		if _, err := db.NewDelete().Model((*models.BotUser)(nil)).Where("bot_id = ?", bot).Where("user_id IN (?)", bun.In([]int64{3, 4, 9000})).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "user erasure")
		if got := tagCount(t, db, bot, "new"); got != 0 {
			t.Fatalf("new after erasure: %d", got)
		}
		if list, _, err := models.BotTags(ctx, db, bot, models.Window{Limit: 100}); err != nil || len(list) == 0 || list[0].Name != "a" || list[0].Users != 486 {
			t.Fatalf("bot tags: %v %v", list, err)
		} else {
			for _, tc := range list {
				if tc.Name == "new" || tc.Users <= 0 {
					t.Fatalf("a tag nobody carries is listed: %v", list)
				}
			}
		}
		if _, err := db.NewDelete().Model((*models.Bot)(nil)).Where("id = ?", other).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		checkTagCounts(t, db, "bot deletion")
		if n, err := db.NewSelect().Model((*models.BotTagCount)(nil)).Where("bot_id = ?", other).Count(ctx); err != nil || n != 0 {
			t.Fatalf("deleted bot's counters: %d %v", n, err)
		}

		// Writers tagging the same users at once (bulk edits and replies,
		// as two instances would): each tag is counted once, only by the
		// statement that inserted it. Each writes the rows in user order,
		// as both paths do, so that they wait for each other instead of
		// deadlocking on the tag rows themselves.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					if w%2 == 0 {
						_, err := models.TagUsers(ctx, tx, bot, models.BotUserFilter{}, []string{"race"}, nil, now)
						return err
					}
					var add []models.BotUserTag
					for u := int64(100 + w); u <= 500; u++ {
						add = append(add, models.BotUserTag{BotID: bot, UserID: u, Tag: "race", CreatedAt: now})
					}
					return models.AddUserTags(ctx, tx, add)
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkTagCounts(t, db, "concurrent writers")
		if got := tagCount(t, db, bot, "race"); got != 498 { // 500 users, 3 and 4 erased
			t.Fatalf("race: %d", got)
		}
	})
}

// A segment's count (CountMatching, which reads counters and takes
// differences) equals the number of users the list's filter matches, for
// every combination of up to two tags, up to four "not" tags, a property
// and a language over a random audience, on both dialects.
func TestCountMatchingEqualsListForEveryCombination(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		const n = 300
		seedUsers(t, db, bot, n, base)
		now := models.Now()
		rng := rand.New(rand.NewPCG(16, 1))
		tagNames := []string{"a", "b", "c", "d", "empty"}
		odds := map[string]int{"a": 2, "b": 3, "c": 10, "d": 50}
		var add []models.BotUserTag
		var props []models.BotUserProp
		for u := int64(1); u <= n; u++ {
			for tag, k := range odds {
				if rng.IntN(k) == 0 {
					add = append(add, models.BotUserTag{BotID: bot, UserID: u, Tag: tag, CreatedAt: now})
				}
			}
			if rng.IntN(4) == 0 {
				props = append(props, models.BotUserProp{BotID: bot, UserID: u, Name: "plan", Value: `"gold"`, UpdatedAt: now})
			}
		}
		if err := models.AddUserTags(ctx, db, add); err != nil {
			t.Fatal(err)
		}
		if err := models.SetUserProps(ctx, db, props); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Model((*models.BotUser)(nil)).Set("language_code = 'en'").Where("bot_id = ?", bot).
			Where("user_id % 3 = 0").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		subsets := func(max int) [][]string {
			var out [][]string
			for mask := 0; mask < 1<<len(tagNames); mask++ {
				var s []string
				for i, tg := range tagNames {
					if mask&(1<<i) != 0 {
						s = append(s, tg)
					}
				}
				if len(s) <= max {
					out = append(out, s)
				}
			}
			return out
		}
		checked := 0
		for _, tags := range subsets(2) {
			for _, not := range subsets(4) {
				for _, prop := range []map[string]string{nil, {"plan": "gold"}} {
					for _, lang := range []string{"", "en"} {
						f := models.AudienceFilter{Tags: tags, NotTags: not, Props: prop, Language: lang}
						got, err := models.CountMatching(ctx, db, bot, f)
						if err != nil {
							t.Fatal(err)
						}
						want, err := models.CountBotUsersUpTo(ctx, db, bot, models.BotUserFilter{AudienceFilter: f}, n)
						if err != nil {
							t.Fatal(err)
						}
						if got != int64(want) {
							t.Fatalf("%+v: counted %d, the list matches %d", f, got, want)
						}
						checked++
						if lang != "" || prop != nil || len(not) > 1 {
							continue
						}
						// The page fetched as "few matches" (collected, then
						// sorted) is the planner's page.
						for _, sort := range []string{"", "name", "lastSeen"} {
							lf := models.BotUserFilter{Sort: sort, AudienceFilter: f}
							w := models.Window{Limit: 7, Offset: 3}
							few, moreFew, err := models.ListBotUsers(ctx, db, bot, lf, w, models.PlanFewMatches)
							if err != nil {
								t.Fatal(err)
							}
							auto, moreAuto, err := models.ListBotUsers(ctx, db, bot, lf, w, models.PlanAuto)
							if err != nil {
								t.Fatal(err)
							}
							if moreFew != moreAuto || len(few) != len(auto) {
								t.Fatalf("%+v %s: few matches %d %v, auto %d %v", f, sort, len(few), moreFew, len(auto), moreAuto)
							}
							for i := range few {
								if few[i].UserID != auto[i].UserID || few[i].FirstName != auto[i].FirstName {
									t.Fatalf("%+v %s: row %d: %d vs %d", f, sort, i, few[i].UserID, auto[i].UserID)
								}
							}
						}
					}
				}
			}
		}
		if checked < 1000 {
			t.Fatalf("only %d combinations", checked)
		}
	})
}
