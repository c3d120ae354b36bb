package core_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkCodeAnswers is the update pipeline answering /order from
// distinct people: stored, processed (users, stats, the answerer) and the
// answer queued on the outbox — by the bot's code (bot.command, run after
// the processing transaction) and, as the same run's baseline, by a
// no-code command reply. updates/s counts processing only (the outbox's
// sending is paced by Telegram's limits, not by this).
func BenchmarkCodeAnswers(b *testing.B) {
	const batch = 200
	for _, d := range []string{"sqlite", "postgres"} {
		for _, by := range []string{"reply", "code"} {
			b.Run(d+"/"+by, func(b *testing.B) {
				var env *apptest.Env
				for _, have := range dbDialects() {
					if string(have) == d {
						env = apptest.Start(b, have)
					}
				}
				if env == nil {
					b.Skip("dialect not available")
				}
				owner := env.SignUp(b, "bench@example.com")
				bot := env.ConnectBot(b, owner, "bench_bot")
				dropStarters(b, env, bot.ID)
				if by == "reply" {
					insertReplies(b, env, bot.ID, reply("rpl_order", replies.TriggerCommand, "ok {args}", func(r *replies.Reply) { r.Trigger.Command = "order" }))
				} else {
					owner.Put(b, "/api/bots/"+bot.ID+"/code", map[string]any{
						"source": "bot.command('order', (ctx) => ctx.reply('ok ' + ctx.args));"}).Expect(b, http.StatusOK)
				}
				ctx := context.Background()
				next := int64(1)
				var processed int
				var spent time.Duration
				for b.Loop() {
					for range batch {
						u := telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "P"}), "/order 1")
						u.UpdateID = int(next)
						next++
						raw, _ := json.Marshal(u)
						if _, err := env.App.Ingest.Receive(ctx, bot.ID, raw); err != nil {
							b.Fatal(err)
						}
					}
					start := time.Now()
					n, err := env.App.Ingest.ProcessStored(ctx, 0)
					if err != nil {
						b.Fatal(err)
					}
					spent += time.Since(start)
					processed += n
				}
				b.ReportMetric(float64(processed)/spent.Seconds(), "updates/s")
				if rows, err := models.OutboxOfBot(ctx, env.App.DB, bot.ID); err != nil || len(rows) != processed {
					b.Fatalf("every update answered: %d queued for %d updates (%v)", len(rows), processed, err)
				}
			})
		}
	}
}
