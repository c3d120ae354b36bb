package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/outbox"
)

// TestBroadcastYieldsToReplies runs a broadcast through a bot's gate shared
// with the outbox, paced slowly (2 slots a second) so that the broadcast's
// workers always wait at the gate: a reply queued meanwhile takes the next
// free slot instead of waiting behind them (first come, first served would
// let the 4 waiting broadcast messages go first).
func TestBroadcastYieldsToReplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "yield@example.com")
		bot := audienceBot(t, env, owner, "yield_bot", 30)
		o, err := outbox.New(context.Background(), env.App.DB, env.App.Config.DatabaseURL, env.App.Telegram, env.App.Bots,
			nil, outbox.NewGates(2), quietLog(), "solo", outbox.Config{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { o.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		queue(t, env, bot.ID, "news")
		running(t, newBroadcaster(env, "solo", 30, fastConfig()).WithGates(o.Gates()))
		apptest.Eventually(t, 20*time.Second, "broadcast under way", func() bool { return len(perChat(env, bot.Fake.Token, "news")) >= 3 })

		asked := time.Now()
		reply := outbox.Text(bot.ID, 777, "hello, person", "", nil)
		reply.Origin = outbox.OriginReply
		if err := o.Enqueue(context.Background(), env.App.DB, reply); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 20*time.Second, "reply sent", func() bool { return len(env.Telegram.SentMessagesTo(bot.Fake.Token, 777)) == 1 })
		answered := env.Telegram.SentMessagesTo(bot.Fake.Token, 777)[0].SentAt
		between := 0
		for _, m := range env.Telegram.SentMessages(bot.Fake.Token) {
			if m.Text == "news" && m.SentAt.After(asked) && m.SentAt.Before(answered) {
				between++
			}
		}
		if between > 2 {
			t.Fatalf("%d broadcast messages went out while the reply waited", between)
		}
	})
}
