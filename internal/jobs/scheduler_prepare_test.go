package jobs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/models"
)

// A broadcast sent now to a large audience (here: any, PrepareAbove = -1)
// is created as preparing with no recipients, the request returning at
// once; with two instances' schedulers and broadcasters running, its
// audience is frozen exactly once and each user gets it exactly once. One
// cancelled while preparing is never frozen, and one whose audience has
// nobody is refused at creation as before.
func TestPreparingBroadcastFrozenOnceOnTwoInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.App.Broadcasts.PrepareAbove = -1
		owner := env.SignUp(t, "prep2@example.com")
		bot := audienceBot(t, env, owner, "prep2_bot", 10)
		tagUsers(t, env, bot.ID, "vip", 1001, 1002, 1003)
		filter := func(tag string) func(*contract.CreateBroadcastRequest) {
			return func(r *contract.CreateBroadcastRequest) {
				r.Filter = &contract.SegmentFilter{Tag: []string{tag}}
			}
		}
		bc := queue(t, env, bot.ID, "big hello", filter("vip"))
		if bc.Status != models.BroadcastPreparing || bc.Total != 0 {
			t.Fatalf("created: %+v", bc)
		}
		if n, err := env.App.DB.NewSelect().Model((*models.BroadcastRecipient)(nil)).Where("broadcast_id = ?", bc.ID).Count(context.Background()); err != nil || n != 0 {
			t.Fatalf("recipients stored in the request: %d %v", n, err)
		}
		dropped := queue(t, env, bot.ID, "never", filter("vip"))
		if _, err := env.App.Broadcasts.Cancel(context.Background(), ownerOf(t, env, bot.ID), dropped.ID); err != nil {
			t.Fatalf("cancel while preparing: %v", err)
		}
		b, err := env.App.Bots.Get(context.Background(), ownerOf(t, env, bot.ID), bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Broadcasts.Create(context.Background(), b, contract.CreateBroadcastRequest{Text: "nobody",
			Audience: models.AudienceAll, Filter: &contract.SegmentFilter{Tag: []string{"nobody"}}}); err == nil {
			t.Fatal("a preparing broadcast to nobody was accepted")
		}

		var frozen atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 2 {
			s := jobs.NewScheduler(env.App.Broadcasts, quietLog())
			wg.Go(func() {
				for ctx.Err() == nil {
					n, err := s.Tick(ctx)
					if err != nil && ctx.Err() == nil {
						t.Errorf("tick: %v", err)
					}
					frozen.Add(int64(n))
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		t.Cleanup(func() { cancel(); wg.Wait() })
		running(t, newBroadcaster(env, "one", 100, fastConfig()))
		running(t, newBroadcaster(env, "two", 100, fastConfig()))
		done := waitStatus(t, env, bc.ID, models.BroadcastDone, 20*time.Second)
		cancel()
		wg.Wait()
		if frozen.Load() != 1 {
			t.Fatalf("frozen %d times", frozen.Load())
		}
		if done.Total != 3 || done.Sent != 3 {
			t.Fatalf("total %d sent %d, want 3", done.Total, done.Sent)
		}
		if got := reload(t, env, dropped.ID); got.Status != models.BroadcastCancelled || got.Total != 0 {
			t.Fatalf("cancelled while preparing: %s total %d", got.Status, got.Total)
		}
		got := perChat(env, bot.Fake.Token, "big hello")
		for id := int64(1001); id <= 1010; id++ {
			want := 0
			if id <= 1003 {
				want = 1
			}
			if got[id] != want {
				t.Errorf("user %d got it %d times, want %d", id, got[id], want)
			}
		}
		if n := len(perChat(env, bot.Fake.Token, "never")); n != 0 {
			t.Fatalf("the cancelled broadcast reached %d users", n)
		}
	})
}
