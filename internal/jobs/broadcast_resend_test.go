package jobs_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestResendUnconfirmedOnRequest: a sender dies after claiming a recipient
// and before the request left, so that recipient ends up unconfirmed and
// unmessaged (others in flight may or may not have arrived). Botdeck never
// sends them again on its own; the owner asks, and each unconfirmed
// recipient gets exactly one more message, nobody else any. Asking when
// nothing is unconfirmed, or for another account's broadcast, is refused.
func TestResendUnconfirmedOnRequest(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "resend@example.com")
		const n = 40
		bot := audienceBot(t, env, owner, "resend_bot", n)
		bc := queue(t, env, bot.ID, "resend me")
		victim := crashBeforeSendThenRestart(t, env, 12)
		bc = waitStatus(t, env, bc.ID, models.BroadcastDone, 30*time.Second)
		// In flight at the crash: the victim, whose request never left, and
		// up to Workers-1 others, which may or may not have reached Telegram.
		if bc.Unconfirmed < 1 || bc.Unconfirmed > 4 {
			t.Fatalf("1 to Workers=4 recipients in flight at the crash: %+v", bc)
		}
		doubt := map[int64]bool{}
		rows, _ := models.RecipientsOf(context.Background(), env.App.DB, bc.ID)
		for _, r := range rows {
			if r.Status == models.RecipientUnconfirmed {
				doubt[r.UserID] = true
			}
		}
		if !doubt[victim] || len(doubt) != int(bc.Unconfirmed) {
			t.Fatalf("unconfirmed rows %v, victim %d", doubt, victim)
		}
		before := perChat(env, bot.Fake.Token, "resend me")
		if before[victim] != 0 {
			t.Fatal("the victim's request never left")
		}

		// Another account cannot see it, let alone resend it.
		stranger := env.SignUp(t, "stranger@example.com")
		stranger.Post(t, "/api/broadcasts/"+bc.ID+"/resend-unconfirmed", nil).Expect(t, http.StatusNotFound)
		stranger.Post(t, "/broadcasts/"+bc.ID+"/resend-unconfirmed", nil).Expect(t, http.StatusNotFound)

		// The page offers it, with a confirmation that says what may happen.
		page := owner.Get(t, "/broadcasts/"+bc.ID).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Send unconfirmed again") || !strings.Contains(page, "would get it twice") {
			t.Fatal("the broadcast page offers to send the unconfirmed message again, with a warning")
		}

		d := owner.Post(t, "/api/broadcasts/"+bc.ID+"/resend-unconfirmed", nil).Expect(t, http.StatusOK).Data(t)
		if d["status"] != models.BroadcastRunning || d["unconfirmed"] != float64(0) || d["pending"] != float64(len(doubt)) {
			t.Fatalf("the unconfirmed recipient is pending again and the broadcast runs: %v", d)
		}
		bc = waitStatus(t, env, bc.ID, models.BroadcastDone, 30*time.Second)
		if bc.Sent != n || bc.Unconfirmed != 0 || bc.FinishedAt == nil {
			t.Fatalf("after the resend: %+v", bc)
		}
		expectCountersAddUp(t, bc)
		// Each unconfirmed recipient got exactly one more message (the victim
		// its first); nobody else got anything more.
		after := perChat(env, bot.Fake.Token, "resend me")
		for i := range n {
			id := int64(1001 + i)
			want := before[id]
			if doubt[id] {
				want++
			}
			if after[id] != want || after[id] < 1 {
				t.Errorf("user %d: %d messages before the resend, %d after (unconfirmed: %v)", id, before[id], after[id], doubt[id])
			}
		}
		if strings.Contains(owner.Get(t, "/broadcasts/"+bc.ID).Text(), "Send unconfirmed again") {
			t.Fatal("nothing unconfirmed: nothing to offer")
		}

		// Nothing left to resend: refused, and nothing is sent.
		res := owner.Post(t, "/api/broadcasts/"+bc.ID+"/resend-unconfirmed", nil).Expect(t, http.StatusConflict)
		if code := res.ErrorCode(t); code != "nothing_unconfirmed" {
			t.Fatalf("error code %q", code)
		}
		if got := reload(t, env, bc.ID); got.Status != models.BroadcastDone {
			t.Fatalf("a refused resend changes nothing: %+v", got)
		}
	})
}

// TestResendUnconfirmedOfAPausedOrCancelledBroadcast: a paused broadcast
// keeps its pause (its unconfirmed recipients go out when it is resumed);
// a cancelled one cannot be resent.
func TestResendUnconfirmedOfAPausedOrCancelledBroadcast(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		owner := env.SignUp(t, "paused@example.com")
		bot := audienceBot(t, env, owner, "paused_bot", 5)
		for _, c := range []struct{ status, wantStatus, wantCode string }{
			{models.BroadcastPaused, models.BroadcastPaused, ""},
			{models.BroadcastCancelled, "", "broadcast_finished"},
			{models.BroadcastQueued, "", "broadcast_sending"},
		} {
			bc := queue(t, env, bot.ID, "doubt "+c.status)
			// Two recipients in doubt, as a sender that died would leave them.
			var ids []int64
			env.App.DB.NewSelect().Model((*models.BroadcastRecipient)(nil)).Column("user_id").Where("broadcast_id = ?", bc.ID).
				Order("user_id").Limit(2).Scan(ctx, &ids)
			env.App.DB.NewUpdate().Model((*models.BroadcastRecipient)(nil)).Set("status = ?", models.RecipientUnconfirmed).
				Where("broadcast_id = ?", bc.ID).Where("user_id IN (?)", bun.In(ids)).Exec(ctx)
			env.App.DB.NewUpdate().Model((*models.Broadcast)(nil)).Set("status = ?", c.status).Set("unconfirmed = 2").
				Where("id = ?", bc.ID).Exec(ctx)

			res := owner.Post(t, "/api/broadcasts/"+bc.ID+"/resend-unconfirmed", nil)
			if c.wantCode != "" {
				res.Expect(t, http.StatusConflict)
				if code := res.ErrorCode(t); code != c.wantCode {
					t.Fatalf("%s: error code %q, want %q", c.status, code, c.wantCode)
				}
				if got := reload(t, env, bc.ID); got.Unconfirmed != 2 || got.Status != c.status {
					t.Fatalf("%s: a refused resend changes nothing: %+v", c.status, got)
				}
				continue
			}
			d := res.Expect(t, http.StatusOK).Data(t)
			if d["status"] != c.wantStatus || d["unconfirmed"] != float64(0) || d["pending"] != float64(5) {
				t.Fatalf("%s: %v", c.status, d)
			}
		}
	})
}
