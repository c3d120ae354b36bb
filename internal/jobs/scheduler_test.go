package jobs_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/models"
)

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

// tagUsers tags users of a bot (as the owner's edits would).
func tagUsers(t testing.TB, env *apptest.Env, botID, tag string, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if _, err := env.App.DB.NewRaw("INSERT INTO bot_user_tags (bot_id, user_id, tag, created_at) VALUES (?, ?, ?, ?)",
			botID, id, tag, models.Now()).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// A photo broadcast with a caption and URL buttons reaches the Bot API as
// sendPhoto with caption, parse_mode and reply_markup; the file goes as
// bytes once, and every later send (this broadcast's and the next one's)
// uses the file_id Telegram gave the bot.
func TestBroadcastPhotoCaptionButtons(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "photo@example.com")
		bot := audienceBot(t, env, owner, "photo_bc_bot", 6)
		up, err := env.App.Uploads.Create(context.Background(), ownerOf(t, env, bot.ID), "cat.png", pngBytes)
		if err != nil {
			t.Fatal(err)
		}
		buttons := [][]contract.URLButton{{{Text: "Open shop", URL: "https://example.com/shop"}}}
		mode := "HTML"
		first := queue(t, env, bot.ID, "<b>Sale</b> today", func(r *contract.CreateBroadcastRequest) {
			r.Photo, r.Buttons, r.ParseMode = up.ID, buttons, &mode
		})
		stop := running(t, newBroadcaster(env, "a", 200, fastConfig()))
		waitStatus(t, env, first.ID, models.BroadcastDone, 20*time.Second)

		sent := env.Telegram.SentMessages(bot.Fake.Token)
		if len(sent) != 6 {
			t.Fatalf("sent %d messages, want 6", len(sent))
		}
		uploads, byID := 0, 0
		var fileID string
		for _, m := range sent {
			var caption, parseMode, photo string
			json.Unmarshal(m.Params["caption"], &caption)
			json.Unmarshal(m.Params["parse_mode"], &parseMode)
			json.Unmarshal(m.Params["photo"], &photo)
			if caption != "<b>Sale</b> today" || parseMode != "HTML" || len(m.Message.Photo) == 0 {
				t.Fatalf("not a photo with its caption: %+v", m.Params)
			}
			var markup struct {
				InlineKeyboard [][]struct{ Text, URL string } `json:"inline_keyboard"`
			}
			if err := json.Unmarshal(m.ReplyMarkup, &markup); err != nil || len(markup.InlineKeyboard) != 1 ||
				markup.InlineKeyboard[0][0].Text != "Open shop" || markup.InlineKeyboard[0][0].URL != "https://example.com/shop" {
				t.Fatalf("reply_markup: %s", m.ReplyMarkup)
			}
			if strings.HasPrefix(photo, "attach://") {
				uploads++
			} else {
				byID++
				fileID = photo
			}
		}
		if uploads != 1 || byID != 5 {
			t.Fatalf("bytes sent %d times and by file_id %d times, want 1 and 5", uploads, byID)
		}
		stored, err := models.UploadFileID(context.Background(), env.App.DB, up.ID, bot.ID)
		if err != nil || stored == "" || stored != fileID {
			t.Fatalf("stored file_id %q (%v), sent by %q", stored, err, fileID)
		}
		// The conversation records a photo with its caption and buttons.
		var kind, caption, kb string
		if err := env.App.DB.NewRaw("SELECT kind, caption, buttons FROM messages WHERE bot_id = ? AND user_id = 1001 AND origin = 'broadcast'", bot.ID).
			Scan(context.Background(), &kind, &caption, &kb); err != nil || kind != models.MessagePhoto || caption != "<b>Sale</b> today" || !strings.Contains(kb, "Open shop") {
			t.Fatalf("recorded message: %q %q %q %v", kind, caption, kb, err)
		}
		stop()

		// A second broadcast of the same photo: by file_id only.
		second := queue(t, env, bot.ID, "again", func(r *contract.CreateBroadcastRequest) { r.Photo = up.ID })
		running(t, newBroadcaster(env, "b", 200, fastConfig()))
		waitStatus(t, env, second.ID, models.BroadcastDone, 20*time.Second)
		for _, m := range env.Telegram.SentMessages(bot.Fake.Token)[6:] {
			var photo string
			json.Unmarshal(m.Params["photo"], &photo)
			if photo != fileID {
				t.Fatalf("second broadcast sent photo %q, want the file_id %q", photo, fileID)
			}
		}
	})
}

// A scheduled broadcast stays scheduled (no recipients) until its time;
// then, with two instances' schedulers and broadcasters running, it
// starts exactly once: its segment's audience as it is at the start is
// frozen once, and each of its users gets the message exactly once.
func TestScheduledBroadcastStartsOnceOnTwoInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "sched2@example.com")
		bot := audienceBot(t, env, owner, "sched2_bot", 10)
		tagUsers(t, env, bot.ID, "vip", 1001, 1002, 1003)
		b, err := env.App.Bots.Get(context.Background(), ownerOf(t, env, bot.ID), bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := env.App.Audience.CreateSegment(context.Background(), b, contract.CreateSegmentRequest{Name: "VIP",
			SegmentFilter: contract.SegmentFilter{Tag: []string{"vip"}}})
		if err != nil {
			t.Fatal(err)
		}
		at := models.Now().Add(2 * time.Second)
		bc := queue(t, env, bot.ID, "scheduled hello", func(r *contract.CreateBroadcastRequest) {
			r.Segment, r.ScheduledAt = seg.Segment.ID, &at
		})
		if bc.Status != models.BroadcastScheduled || bc.Total != 0 {
			t.Fatalf("created: %+v", bc)
		}
		// Tagged after scheduling, before the start: in the audience.
		tagUsers(t, env, bot.ID, "vip", 1004)

		var started atomic.Int64
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
					started.Add(int64(n))
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		t.Cleanup(func() { cancel(); wg.Wait() })
		if got := reload(t, env, bc.ID); got.Status != models.BroadcastScheduled {
			t.Fatalf("started before its time: %s", got.Status)
		}
		running(t, newBroadcaster(env, "one", 100, fastConfig()))
		running(t, newBroadcaster(env, "two", 100, fastConfig()))
		done := waitStatus(t, env, bc.ID, models.BroadcastDone, 20*time.Second)
		if done.StartedAt == nil || done.StartedAt.Before(*bc.ScheduledAt) {
			t.Fatalf("started at %v, scheduled for %v", done.StartedAt, *bc.ScheduledAt)
		}
		cancel()
		wg.Wait()
		if started.Load() != 1 {
			t.Fatalf("started %d times", started.Load())
		}
		if done.Total != 4 || done.Sent != 4 {
			t.Fatalf("total %d sent %d, want 4", done.Total, done.Sent)
		}
		got := perChat(env, bot.Fake.Token, "scheduled hello")
		for id := int64(1001); id <= 1010; id++ {
			want := 0
			if id <= 1004 {
				want = 1
			}
			if got[id] != want {
				t.Errorf("user %d got it %d times, want %d", id, got[id], want)
			}
		}
	})
}
