package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

func countUsers(t *testing.T, env *apptest.Env, botID string) int {
	t.Helper()
	n, err := env.App.DB.NewSelect().Model((*models.BotUser)(nil)).Where("bot_id = ?", botID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestPollingFeedsThePipeline runs the real workers (as botdeck serve does)
// for a bot connected without a public URL.
func TestPollingFeedsThePipeline(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "poll@example.com")
		bot := env.ConnectBot(t, owner, "polled_bot")
		for i := range 3 {
			u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprint("P", i)})
			res, _ := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "/start"))
			if !res.Queued {
				t.Fatalf("without a webhook the fake queues for getUpdates: %+v", res)
			}
		}
		apptest.Eventually(t, 15*time.Second, "polled users", func() bool { return countUsers(t, env, bot.ID) == 3 })
		apptest.Eventually(t, 5*time.Second, "offset confirmed", func() bool { return len(env.Telegram.PendingUpdates(bot.Fake.Token)) == 0 })
		st, err := models.PollStateOf(context.Background(), env.App.DB, bot.ID)
		if err != nil || st.NextOffset < 3 || st.LeaseOwner != env.App.Instance {
			t.Fatalf("poll state: %+v %v", st, err)
		}

		// Stopping the bot stops polling: new updates stay with Telegram.
		owner.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		apptest.Eventually(t, 15*time.Second, "lease released", func() bool {
			st, _ := models.PollStateOf(context.Background(), env.App.DB, bot.ID)
			return st.LeaseOwner == ""
		})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{}), "anyone?"))
		time.Sleep(500 * time.Millisecond)
		if len(env.Telegram.PendingUpdates(bot.Fake.Token)) != 1 || countUsers(t, env, bot.ID) != 3 {
			t.Fatal("a stopped bot must not be polled")
		}
		// Starting it again resumes from the saved offset.
		owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)
		apptest.Eventually(t, 15*time.Second, "polling resumed", func() bool { return countUsers(t, env, bot.ID) == 4 })
	}, apptest.Workers())
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastPoller(env *apptest.Env, instance string, pipe *ingest.Pipeline) *jobs.Poller {
	return jobs.NewPoller(env.App.DB, env.App.Telegram, env.App.Bots, pipe, quietLog(), instance,
		jobs.PollerConfig{ScanEvery: 50 * time.Millisecond, PollTimeout: time.Second, Lease: 2 * time.Second, MaxBackoff: 200 * time.Millisecond})
}

// TestTwoInstancesNeverPollTheSameBot runs two pollers (two instances) on
// one database: every update is fetched and processed exactly once, and
// when the lease holder stops, the other takes over.
func TestTwoInstancesNeverPollTheSameBot(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "two@example.com")
		bot := env.ConnectBot(t, owner, "shared_bot")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		ctxA, stopA := context.WithCancel(ctx)
		defer stopA()
		for i, c := range []context.Context{ctxA, ctx} {
			pipe := ingest.New(env.App.DB, quietLog(), nil, ingest.Config{})
			p := fastPoller(env, fmt.Sprint("instance-", i), pipe)
			wg.Go(func() { pipe.Run(c) })
			wg.Go(func() { p.Run(c) })
		}
		const n = 40
		for i := range n {
			u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprint("U", i)})
			env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "hi"))
			if i == n/2 {
				stopA() // the first instance goes away half-way
			}
			time.Sleep(5 * time.Millisecond)
		}
		apptest.Eventually(t, 20*time.Second, "all users", func() bool { return countUsers(t, env, bot.ID) == n })
		cancel()
		wg.Wait()
		var d models.BotDay
		env.App.DB.NewSelect().Model(&d).Where("bot_id = ?", bot.ID).Scan(context.Background())
		if d.Updates != n || d.NewUsers != n {
			t.Fatalf("each update must be processed exactly once: %+v", d)
		}
		if errs, _ := env.App.DB.NewSelect().Model((*models.BotLog)(nil)).Where("bot_id = ?", bot.ID).Count(context.Background()); errs != 0 {
			t.Fatalf("two pollers must never collide (Telegram answers 409 to concurrent getUpdates): %d log entries", errs)
		}
	})
}

func TestPollingBacksOffAndMarksRevokedTokens(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "flaky@example.com")
		bot := env.ConnectBot(t, owner, "flaky_poll_bot")
		env.Telegram.Fail(bot.Fake.Token, "getUpdates", telegramtest.FailSpec{Code: 502, Description: "Bad Gateway", Times: 2})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pipe := ingest.New(env.App.DB, quietLog(), nil, ingest.Config{})
		p := fastPoller(env, "solo", pipe)
		go pipe.Run(ctx)
		go p.Run(ctx)
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{}), "hello"))
		apptest.Eventually(t, 20*time.Second, "recovered after failures", func() bool { return countUsers(t, env, bot.ID) == 1 })
		var logs []models.BotLog
		env.App.DB.NewSelect().Model(&logs).Where("bot_id = ?", bot.ID).Scan(context.Background())
		if len(logs) != 1 || logs[0].Source != models.SourceTelegram || logs[0].Level != models.LogError {
			t.Fatalf("a failure streak is logged once for the owner: %+v", logs)
		}

		env.Telegram.RevokeToken(bot.Fake.Token)
		apptest.Eventually(t, 20*time.Second, "bot in error", func() bool {
			b, _ := models.BotByID(context.Background(), env.App.DB, bot.ID)
			return b.Status == models.BotError
		})
	})
}

func TestRetentionPrunesRawUpdatesAndOldPhotosButKeepsCounts(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.Start(t, d, apptest.Webhooks())
			bot := env.ConnectBot(t, env.SignUp(t, "keep@example.com"), "keep_bot")
			for i := range 5 {
				env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprint(i)}), "hi"))
			}
			env.Process(t)
			ctx := context.Background()
			old := models.Now().Add(-40 * 24 * time.Hour)
			// Three processed updates are old; one old update is still unprocessed.
			var ids []int64
			env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).Column("update_id").Order("update_id").Scan(ctx, &ids)
			env.App.DB.NewUpdate().Model((*models.StoredUpdate)(nil)).Set("received_at = ?", old).Where("update_id IN (?)", bun.In(ids[:3])).Exec(ctx)
			env.App.DB.NewUpdate().Model((*models.StoredUpdate)(nil)).Set("received_at = ?", old).Set("processed_at = NULL").Where("update_id = ?", ids[3]).Exec(ctx)
			// Two cached photos: one nobody opened for 40 days, one fresh.
			for i, fetched := range []time.Time{old, models.Now()} {
				if err := models.SaveUserPhoto(ctx, env.App.DB, &models.UserPhoto{BotID: bot.ID, UserID: int64(i + 1),
					ContentType: "image/jpeg", Body: []byte{0xff, 0xd8}, FetchedAt: fetched}); err != nil {
					t.Fatal(err)
				}
			}
			n, err := jobs.NewRetention(env.App.DB, quietLog(), 30*24*time.Hour).Prune(ctx)
			if err != nil || n != 3 {
				t.Fatalf("pruned %d, err %v; want the 3 old processed updates", n, err)
			}
			left, _ := env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).Count(ctx)
			if left != 2 {
				t.Fatalf("%d raw updates left, want 2 (one recent, one unprocessed)", left)
			}
			var day models.BotDay
			env.App.DB.NewSelect().Model(&day).Where("bot_id = ?", bot.ID).Scan(ctx)
			if photos, _ := env.App.DB.NewSelect().Model((*models.UserPhoto)(nil)).Count(ctx); photos != 1 {
				t.Fatalf("%d cached photos left, want only the recently fetched one", photos)
			}
			if day.Updates != 5 || day.NewUsers != 5 || countUsers(t, env, bot.ID) != 5 {
				t.Fatalf("counts must survive pruning: %+v", day)
			}
		})
	}
}
