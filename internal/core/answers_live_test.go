package core_test

import (
	"sort"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func startReply() replies.Reply {
	return reply("rpl_start", replies.TriggerCommand, "Hi {first_name}", func(r *replies.Reply) { r.Trigger.Command = "start" })
}

// TestRepliesWithTheWorkers runs the real workers (webhook → pipeline →
// answerer → outbox → Telegram), as botdeck serve does.
func TestRepliesWithTheWorkers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a := newAnswering(t, env, "live_bot", startReply())
		for i := range 5 {
			u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Live"})
			if res, err := env.Telegram.Push(a.bot.Fake.Token, telegramtest.MessageUpdate(u, "/start")); err != nil || !res.Delivered {
				t.Fatalf("push %d: %+v %v", i, res, err)
			}
		}
		apptest.Eventually(t, 20*time.Second, "5 answers", func() bool { return len(env.Telegram.SentMessages(a.bot.Fake.Token)) == 5 })
		for _, m := range env.Telegram.SentMessages(a.bot.Fake.Token) {
			if m.Message.Text != "Hi Live" {
				t.Fatalf("said %q", m.Message.Text)
			}
		}
	}, apptest.Webhooks(), apptest.Workers())
}

// BenchmarkReplyLatency is the time from the webhook's answer to Telegram
// (the update is stored) to the answer's sendMessage reaching the fake
// Bot API, one person at a time (20 a second, below the bot's send rate),
// with the real workers: what a person waits for beyond Telegram's own
// delivery.
func BenchmarkReplyLatency(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			var env *apptest.Env
			for _, have := range dbDialects() {
				if string(have) == d {
					env = apptest.Start(b, have, apptest.Webhooks(), apptest.Workers())
				}
			}
			if env == nil {
				b.Skip("dialect not available")
			}
			owner := env.SignUp(b, "latency@example.com")
			bot := env.ConnectBot(b, owner, "latency_bot")
			dropStarters(b, env, bot.ID)
			insertReplies(b, env, bot.ID, startReply())
			var took []time.Duration
			for b.Loop() {
				u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "L"})
				before := len(env.Telegram.SentMessages(bot.Fake.Token))
				if res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "/start")); err != nil || !res.Delivered {
					b.Fatalf("push: %+v %v", res, err)
				}
				start := time.Now()
				for len(env.Telegram.SentMessages(bot.Fake.Token)) == before {
					if time.Since(start) > 10*time.Second {
						b.Fatal("no answer in 10s")
					}
					time.Sleep(100 * time.Microsecond)
				}
				took = append(took, time.Since(start))
				// Below the bot's send rate (30/s): measure the way, not
				// the wait for the next slot of the bot's limiter.
				time.Sleep(50 * time.Millisecond)
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
