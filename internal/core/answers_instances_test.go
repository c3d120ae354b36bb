package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestTwoInstancesAnswerEachUpdateOnce processes one bot's updates on two
// instances at once (two pipelines with their answerers, two outboxes)
// over one database: every person is answered exactly once, and a reply
// changed afterwards is what both instances answer with.
func TestTwoInstancesAnswerEachUpdateOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		a := newAnswering(t, env, "twice_bot", reply("rpl_start", replies.TriggerCommand, "Hi {first_name}", func(r *replies.Reply) {
			r.Trigger.Command = "start"
		}))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		boxB, err := outbox.New(ctx, env.App.DB, env.App.Config.DatabaseURL, env.App.Telegram, env.App.Bots, nil, nil, log, "instance-b",
			outbox.Config{ScanEvery: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		pipeB := ingest.New(env.App.DB, log, prometheus.NewRegistry(), ingest.Config{BatchSize: 7})
		t.Cleanup(pipeB.Close)
		pipeB.AddBatchHook(&core.Answerer{Outbox: boxB, Cache: core.NewRepliesCache()})
		pipes := []*ingest.Pipeline{env.App.Ingest, pipeB}

		store := func(n, from int) {
			for i := range n {
				u := telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{FirstName: fmt.Sprint("P", from+i)}), "/start")
				u.UpdateID = from + i
				raw, _ := json.Marshal(u)
				if _, err := pipes[i%2].Receive(ctx, a.bot.ID, raw); err != nil {
					t.Fatal(err)
				}
			}
		}
		processOnBoth := func() {
			var wg sync.WaitGroup
			for _, p := range pipes {
				wg.Go(func() {
					for range 3 { // an update held back by the other instance's lock is picked up again
						if _, err := p.ProcessStored(ctx, 0); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
		}
		store(40, 1)
		processOnBoth()

		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, o := range []*outbox.Outbox{env.App.Outbox, boxB} {
			wg.Go(func() { o.Run(runCtx) })
		}
		t.Cleanup(func() { cancel(); wg.Wait() })
		apptest.Eventually(t, 30*time.Second, "40 answers", func() bool { return len(env.Telegram.SentMessages(a.bot.Fake.Token)) >= 40 })

		// A reply changed on one instance is what the other answers with.
		rows, _ := models.ListReplies(ctx, env.App.DB, a.bot.ID)
		rows[0].Spec.Text = "Welcome, {first_name}"
		if err := models.UpdateReply(ctx, env.App.DB, &rows[0]); err != nil {
			t.Fatal(err)
		}
		store(10, 100)
		processOnBoth()
		apptest.Eventually(t, 30*time.Second, "50 answers", func() bool { return len(env.Telegram.SentMessages(a.bot.Fake.Token)) >= 50 })

		perChat := map[int64][]string{}
		for _, m := range env.Telegram.SentMessages(a.bot.Fake.Token) {
			perChat[m.ChatID] = append(perChat[m.ChatID], m.Message.Text)
		}
		if len(perChat) != 50 {
			t.Fatalf("%d people answered, want 50", len(perChat))
		}
		for chat, said := range perChat {
			if len(said) != 1 {
				t.Fatalf("chat %d was answered %d times: %q", chat, len(said), said)
			}
		}
		welcomed := 0
		for _, said := range perChat {
			if len(said[0]) > 8 && said[0][:8] == "Welcome," {
				welcomed++
			}
		}
		if welcomed != 10 {
			t.Fatalf("%d people got the changed reply, want the 10 who came after the change", welcomed)
		}
	})
}
