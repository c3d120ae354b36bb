package jobs_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkBroadcastRate measures the sustained sending rate of broadcasts
// against the fake Bot API enforcing Telegram's 30 messages/s per bot
// (SetSendRate; beyond it 429 with retry_after), with Botdeck configured
// at 25/s: one bot alone, then 4 and 16 bots in parallel, each at its own
// rate, with the production defaults of the sender (4 requests in flight
// per bot, every message claimed and recorded in the database). The
// baseline sends the same messages straight through the Bot API client
// and a token bucket, with no database: the ceiling.
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench BroadcastRate -benchtime 1x ./internal/jobs/
//
// Each run takes about users/25 seconds; BOTDECK_BENCH_BROADCAST_USERS
// changes the recipients per bot (default 750: 30 s). Reported: the
// slowest and the mean bot's rate in msg/s (first to last message as the
// fake recorded them), as a % of the configured rate, and the 429s.
func BenchmarkBroadcastRate(b *testing.B) {
	const configured = 25.0
	users := 750
	if v, err := strconv.Atoi(os.Getenv("BOTDECK_BENCH_BROADCAST_USERS")); err == nil && v > 1 {
		users = v
	}
	for _, d := range dbtest.Dialects() {
		for _, bots := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("%s/bots=%d", d, bots), func(b *testing.B) {
				for range b.N {
					benchBroadcast(b, d, bots, users, configured)
				}
			})
		}
	}
	b.Run("baseline/no-database", func(b *testing.B) {
		for range b.N {
			benchBaseline(b, users, configured)
		}
	})
}

func benchBroadcast(b *testing.B, d dbtest.Dialect, nbots, users int, configured float64) {
	b.StopTimer()
	env := apptest.Start(b, d)
	owner := env.SignUp(b, fmt.Sprintf("bench-%d@example.com", nbots))
	type run struct {
		bot apptest.Bot
		id  string
	}
	runs := make([]run, nbots)
	for i := range runs {
		bot := audienceBot(b, env, owner, fmt.Sprintf("bench_%d_bot", i), users)
		env.Telegram.SetSendRate(bot.Fake.Token, 30)
		runs[i] = run{bot: bot, id: queue(b, env, bot.ID, fmt.Sprint("benchmark message ", i)).ID}
	}
	bc := newBroadcaster(env, "bench", configured, jobs.BroadcasterConfig{}) // production defaults
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	b.StartTimer()
	wg.Go(func() { bc.Run(ctx) })
	for _, r := range runs {
		waitStatus(b, env, r.id, models.BroadcastDone, time.Duration(users)*time.Second)
	}
	b.StopTimer()
	cancel()
	wg.Wait()

	var rates []float64
	refused := 0
	for i, r := range runs {
		rate, n := sustainedRate(env.Telegram.SentMessages(r.bot.Fake.Token))
		refused += env.Telegram.RateLimitedCount(r.bot.Fake.Token)
		rates = append(rates, rate)
		if n != users {
			b.Fatalf("bot %d: %d messages sent, want %d", i, n, users)
		}
		b.Logf("%s, %d bots: bot %d sent %d at %.2f msg/s (%.1f%% of %.0f/s), %d refused with 429",
			d, nbots, i, n, rate, rate/configured*100, configured, env.Telegram.RateLimitedCount(r.bot.Fake.Token))
	}
	report(b, rates, configured, refused)
}

func benchBaseline(b *testing.B, users int, configured float64) {
	b.StopTimer()
	fake := telegramtest.Start(b)
	client, err := telegram.New(telegram.Options{BaseURL: fake.URL()})
	if err != nil {
		b.Fatal(err)
	}
	bot := fake.AddBot(telegramtest.BotSpec{Username: "baseline_bot"})
	fake.SetSendRate(bot.Token, 30)
	lim := rate.NewLimiter(rate.Limit(configured), 1)
	b.StartTimer()
	for i := range users {
		if err := lim.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
		if _, err := client.SendMessage(context.Background(), bot.Token, int64(1001+i), "baseline", telegram.SendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	r, n := sustainedRate(fake.SentMessages(bot.Token))
	b.Logf("baseline: sent %d at %.2f msg/s (%.1f%% of %.0f/s), %d refused with 429", n, r, r/configured*100, configured, fake.RateLimitedCount(bot.Token))
	report(b, []float64{r}, configured, fake.RateLimitedCount(bot.Token))
}

// sustainedRate is messages per second between the first and the last
// message the fake recorded.
func sustainedRate(sent []telegramtest.SentMessage) (float64, int) {
	if len(sent) < 2 {
		return 0, len(sent)
	}
	times := make([]time.Time, len(sent))
	for i, m := range sent {
		times[i] = m.SentAt
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return float64(len(sent)-1) / times[len(times)-1].Sub(times[0]).Seconds(), len(sent)
}

func report(b *testing.B, rates []float64, configured float64, refused int) {
	lo, sum := rates[0], 0.0
	for _, r := range rates {
		lo = min(lo, r)
		sum += r
	}
	b.ReportMetric(lo, "msg/s-slowest-bot")
	b.ReportMetric(sum/float64(len(rates)), "msg/s-mean-bot")
	b.ReportMetric(lo/configured*100, "%-of-rate")
	b.ReportMetric(float64(refused), "429s")
}

// BenchmarkQueueBroadcast measures queueing a broadcast to a large
// audience: the recipients are stored with it in one INSERT … SELECT, in
// the request.
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench QueueBroadcast -benchtime 3x ./internal/jobs/
func BenchmarkQueueBroadcast(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		for _, users := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/users=%d", d, users), func(b *testing.B) {
				env := apptest.Start(b, d)
				owner := env.SignUp(b, "queue@example.com")
				bot := env.ConnectBot(b, owner, "queue_bot")
				for from := 0; from < users; from += 5000 {
					seedUsers(b, env, bot.ID, int64(1001+from), min(5000, users-from), models.Now())
				}
				b.ResetTimer()
				for range b.N {
					if bc := queue(b, env, bot.ID, "hello"); bc.Total != int64(users) {
						b.Fatalf("total %d", bc.Total)
					}
				}
			})
		}
	}
}
