package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// segmentAudience gives a bot six users: 1001–1003 tagged vip, 1002 also
// paid, 1001 and 1004 speaking en, 1005 with plan=gold, 1006 nothing.
func segmentAudience(t *testing.T, env *apptest.Env, c *apptest.Client, botID string) {
	t.Helper()
	now := models.Now()
	users := make([]models.BotUser, 6)
	for i := range users {
		users[i] = models.BotUser{UserID: int64(1001 + i), FirstName: fmt.Sprint("Seg ", i), StartedAt: now.Add(time.Duration(i) * time.Minute)}
	}
	users[0].LanguageCode, users[3].LanguageCode = "en", "en"
	seedBotUsers(t, env, botID, users...)
	edit := func(id int64, body map[string]any) {
		c.Patch(t, fmt.Sprintf("/api/bots/%s/users/%d", botID, id), body).Expect(t, http.StatusOK)
	}
	edit(1001, map[string]any{"tags": []string{"vip"}})
	edit(1002, map[string]any{"tags": []string{"vip", "paid"}})
	edit(1003, map[string]any{"tags": []string{"vip"}})
	edit(1005, map[string]any{"props": map[string]any{"plan": "gold"}})
}

func TestSegmentsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "seg@example.com")
		bot := env.ConnectBot(t, c, "seg_bot")
		segmentAudience(t, env, c, bot.ID)
		base := "/api/bots/" + bot.ID + "/segments"
		users := "/api/bots/" + bot.ID + "/users"

		// Several filter combinations: the segment's live count equals the
		// users list's total for it, and for the same filters in the URL.
		combos := []struct {
			filter map[string]any
			query  string
			want   float64
		}{
			{map[string]any{"tag": []string{"vip"}}, "tag=vip", 3},
			{map[string]any{"tag": []string{"vip"}, "notTag": []string{"paid"}}, "tag=vip&notTag=paid", 2},
			{map[string]any{"language": "en"}, "language=en", 2},
			{map[string]any{"tag": []string{"vip"}, "language": "en"}, "tag=vip&language=en", 1},
			{map[string]any{"notTag": []string{"vip"}}, "notTag=vip", 3},
			{map[string]any{"prop": map[string]any{"plan": "gold"}}, "prop.plan=gold", 1},
			{map[string]any{"tag": []string{"vip", "paid"}}, "tag=vip&tag=paid", 1},
			{map[string]any{"tag": []string{"vip"}, "notTag": []string{"paid", "nobody"}}, "tag=vip&notTag=paid&notTag=nobody", 2},
			{map[string]any{"tag": []string{"nobody"}}, "tag=nobody", 0},
			{map[string]any{"prop": map[string]any{"plan": "gold"}, "notTag": []string{"vip"}}, "prop.plan=gold&notTag=vip", 1},
			{map[string]any{}, "", 6},
		}
		ids := make([]string, len(combos))
		for i, cb := range combos {
			s := c.Post(t, base, map[string]any{"name": fmt.Sprint("Combo ", i), "filter": cb.filter}).Expect(t, http.StatusCreated).Data(t)
			ids[i] = s["id"].(string)
			if !models.LooksLikeID("seg", ids[i]) || s["users"] != cb.want || s["botId"] != bot.ID {
				t.Fatalf("combo %d: %v", i, s)
			}
			// A page of one row: the total is counted, not seen on the last page.
			bySeg := c.Get(t, users+"?limit=1&segment="+ids[i]).Expect(t, http.StatusOK).JSON(t)["pagination"].(map[string]any)["total"]
			byQuery := c.Get(t, users+"?limit=1&"+cb.query).Expect(t, http.StatusOK).JSON(t)["pagination"].(map[string]any)["total"]
			if bySeg != cb.want || byQuery != cb.want {
				t.Errorf("combo %d %s: segment list total %v, query total %v, segment count %v", i, cb.query, bySeg, byQuery, cb.want)
			}
			if got := c.Get(t, "/api/segments/"+ids[i]).Expect(t, http.StatusOK).Data(t)["users"]; got != cb.want {
				t.Errorf("combo %d: GET users %v", i, got)
			}
		}
		// A segment combines with other filters by AND.
		d := c.Get(t, users+"?segment="+ids[0]+"&language=en").Expect(t, http.StatusOK)
		if list := d.List(t); len(list) != 1 || list[0].(map[string]any)["userId"] != 1001.0 {
			t.Fatalf("segment AND language: %v", list)
		}
		// The CSV export takes it too.
		csv := c.Get(t, users+".csv?segment="+ids[1]).Expect(t, http.StatusOK).Text()
		if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 3 || !strings.Contains(csv, "1001") || strings.Contains(csv, "1002") {
			t.Fatalf("csv of vip-not-paid:\n%s", csv)
		}

		// The list, by name, with counts.
		list := c.Get(t, base+"?limit=2").Expect(t, http.StatusOK)
		if items := list.List(t); len(items) != 2 || items[0].(map[string]any)["name"] != "Combo 0" {
			t.Fatalf("list: %v", items)
		}
		if p := list.JSON(t)["pagination"].(map[string]any); p["total"] != float64(len(combos)) {
			t.Fatalf("pagination: %v", p)
		}

		// Strict bodies: unknown members anywhere, bad names.
		if code := c.Post(t, base, map[string]any{"name": "x", "filter": map[string]any{"tags": []string{"vip"}}}).
			Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "unknown_field" {
			t.Fatalf("unknown filter member: %s", code)
		}
		f := c.Post(t, base, map[string]any{"name": "x", "filter": map[string]any{"tag": []string{"no spaces"}, "prop": map[string]any{"Bad": "x"}}}).
			Expect(t, http.StatusUnprocessableEntity).Fields(t)
		if f["filter.tag[0]"] == nil || f["filter.prop.Bad"] == nil {
			t.Fatalf("bad names: %v", f)
		}
		c.Post(t, base, map[string]any{"filter": map[string]any{}}).Expect(t, http.StatusUnprocessableEntity)

		// PATCH: rename, then replace the filter.
		one := "/api/segments/" + ids[0]
		if s := c.Patch(t, one, map[string]any{"name": "VIPs"}).Expect(t, http.StatusOK).Data(t); s["name"] != "VIPs" || s["users"] != 3.0 {
			t.Fatalf("rename: %v", s)
		}
		if s := c.Patch(t, one, map[string]any{"filter": map[string]any{"tag": []string{"paid"}}}).Expect(t, http.StatusOK).Data(t); s["name"] != "VIPs" || s["users"] != 1.0 {
			t.Fatalf("refilter: %v", s)
		}
		c.Patch(t, one, map[string]any{"nom": "x"}).Expect(t, http.StatusUnprocessableEntity)

		// Another account sees none of it.
		eve := env.SignUp(t, "eve-seg@example.com")
		eve.Get(t, one).Expect(t, http.StatusNotFound)
		eve.Patch(t, one, map[string]any{"name": "mine"}).Expect(t, http.StatusNotFound)
		eve.Delete(t, one).Expect(t, http.StatusNotFound)
		eve.Get(t, base).Expect(t, http.StatusNotFound)
		eveBot := env.ConnectBot(t, eve, "eve_seg_bot")
		if f := eve.Get(t, "/api/bots/"+eveBot.ID+"/users?segment="+ids[0]).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["segment"] == nil {
			t.Fatalf("another bot's segment: %v", f)
		}
		c.Get(t, "/api/segments/seg_nope").Expect(t, http.StatusNotFound)

		// A scheduled broadcast to a segment keeps it; once the broadcast
		// is deleted, the segment can go.
		at := models.Now().Add(time.Hour).Format(time.RFC3339)
		bc := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "soon", "segment": ids[1], "scheduledAt": at}).
			Expect(t, http.StatusCreated).Data(t)
		if bc["status"] != "scheduled" || bc["segment"] != ids[1] || bc["scheduledAt"] == nil || bc["total"] != 0.0 {
			t.Fatalf("scheduled: %v", bc)
		}
		res := c.Delete(t, "/api/segments/"+ids[1]).Expect(t, http.StatusConflict)
		if res.ErrorCode(t) != "segment_in_use" || !strings.Contains(res.Text(), "scheduled broadcast") {
			t.Fatalf("delete in use: %s", res.Text())
		}
		c.Delete(t, "/api/broadcasts/"+bc["id"].(string)).Expect(t, http.StatusOK)
		c.Get(t, "/api/broadcasts/"+bc["id"].(string)).Expect(t, http.StatusNotFound)
		c.Delete(t, "/api/segments/"+ids[1]).Expect(t, http.StatusOK)
		c.Get(t, "/api/segments/"+ids[1]).Expect(t, http.StatusNotFound)
		if f := c.Get(t, users+"?segment="+ids[1]).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["segment"] == nil {
			t.Fatalf("deleted segment in the list: %v", f)
		}
	})
}

func TestScheduledBroadcastEditAndDelete(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "sched@example.com")
		bot := env.ConnectBot(t, c, "sched_bot")
		segmentAudience(t, env, c, bot.ID)
		base := "/api/bots/" + bot.ID + "/broadcasts"
		at := models.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)

		bc := c.Post(t, base, map[string]any{"text": "later", "scheduledAt": at.Format(time.RFC3339),
			"filter": map[string]any{"tag": []string{"vip"}}, "buttons": [][]map[string]string{{{"text": "Open", "url": "https://example.com/x"}}}}).
			Expect(t, http.StatusCreated).Data(t)
		id := bc["id"].(string)
		if bc["status"] != "scheduled" || bc["filter"].(map[string]any)["tag"].([]any)[0] != "vip" || len(bc["buttons"].([]any)) != 1 {
			t.Fatalf("created: %v", bc)
		}
		// PATCH changes what is given; the rest stays.
		later := at.Add(time.Hour)
		d := c.Patch(t, "/api/broadcasts/"+id, map[string]any{"text": "later still", "scheduledAt": later.Format(time.RFC3339)}).
			Expect(t, http.StatusOK).Data(t)
		if d["text"] != "later still" || d["scheduledAt"] != later.Format(time.RFC3339) || len(d["buttons"].([]any)) != 1 || d["filter"] == nil {
			t.Fatalf("patched: %v", d)
		}
		// Checked as on creation; unknown members refused.
		f := c.Patch(t, "/api/broadcasts/"+id, map[string]any{"scheduledAt": models.Now().Add(-time.Minute).Format(time.RFC3339),
			"buttons": [][]map[string]string{{{"text": "x", "url": "javascript:alert(1)"}}}}).Expect(t, http.StatusUnprocessableEntity).Fields(t)
		if f["scheduledAt"] == nil || f["buttons[0][0].url"] == nil {
			t.Fatalf("bad patch: %v", f)
		}
		if code := c.Patch(t, "/api/broadcasts/"+id, map[string]any{"sendAt": "x"}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "unknown_field" {
			t.Fatalf("unknown: %s", code)
		}
		if code := c.Post(t, base, map[string]any{"text": "x", "segment": "seg_aaaaaaaaaaaaaaaaaaaaaaaa", "filter": map[string]any{"tag": []string{"a"}}}).
			Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "validation_failed" {
			t.Fatalf("segment and filter: %s", code)
		}

		// An immediate broadcast with a filter goes to exactly the matching
		// users; it cannot be edited or deleted.
		now := c.Post(t, base, map[string]any{"text": "now", "filter": map[string]any{"tag": []string{"vip"}, "notTag": []string{"paid"}}}).
			Expect(t, http.StatusCreated).Data(t)
		if now["status"] != "queued" || now["total"] != 2.0 {
			t.Fatalf("filtered now: %v", now)
		}
		for _, res := range []*apptest.Response{
			c.Patch(t, "/api/broadcasts/"+now["id"].(string), map[string]any{"text": "x"}),
			c.Delete(t, "/api/broadcasts/"+now["id"].(string)),
		} {
			if res.Expect(t, http.StatusConflict).ErrorCode(t) != "broadcast_not_scheduled" {
				t.Fatalf("edit a started broadcast: %s", res.Text())
			}
		}
		// Duplicate: the compose form, prefilled.
		dup := c.Get(t, "/broadcasts/"+now["id"].(string)+"/duplicate").Expect(t, http.StatusOK).Text()
		if !strings.Contains(dup, ">now</textarea>") || !strings.Contains(dup, `name="filterTag"`) || !strings.Contains(dup, `value="vip"`) {
			t.Fatalf("duplicate does not prefill the composer")
		}
		// The page's edit form (flat fields, form=true) replaces the filter.
		seg := c.Post(t, "/api/bots/"+bot.ID+"/segments", map[string]any{"name": "Paid"}).Expect(t, http.StatusCreated).Data(t)
		c.Post(t, "/segments/"+seg["id"].(string), url.Values{"form": {"true"}, "name": {"Paid ones"}, "tag": {"paid, vip"}}).
			Expect(t, http.StatusSeeOther)
		if s := c.Get(t, "/api/segments/"+seg["id"].(string)).Data(t); s["name"] != "Paid ones" || s["users"] != 1.0 {
			t.Fatalf("edited by the form: %v", s)
		}
		// Bulk tags by segment: its users only, alone or with a filter.
		tags := "/api/bots/" + bot.ID + "/users/tags"
		if d := c.Post(t, tags, map[string]any{"segment": seg["id"], "add": []string{"segtag"}}).Expect(t, http.StatusOK).Data(t); d["changed"] != 1.0 {
			t.Fatalf("bulk tag by segment: %v", d)
		}
		if d := c.Post(t, tags, map[string]any{"filter": map[string]any{"segment": seg["id"], "language": "en"}, "add": []string{"segtag2"}}).
			Expect(t, http.StatusOK).Data(t); d["changed"] != 0.0 {
			t.Fatalf("bulk tag by segment and language: %v", d)
		}
		if p := c.Get(t, "/api/bots/"+bot.ID+"/users?tag=segtag").JSON(t)["pagination"].(map[string]any); p["total"] != 1.0 {
			t.Fatalf("tagged by segment: %v", p)
		}
		// Another account: 404.
		eve := env.SignUp(t, "eve-sched@example.com")
		eve.Patch(t, "/api/broadcasts/"+id, map[string]any{"text": "x"}).Expect(t, http.StatusNotFound)
		eve.Delete(t, "/api/broadcasts/"+id).Expect(t, http.StatusNotFound)
		c.Delete(t, "/api/broadcasts/"+id).Expect(t, http.StatusOK)
	})
}

func TestBroadcastTestGoesOnlyToTheMember(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "tester@example.com")
		bot := env.ConnectBot(t, c, "test_send_bot")
		segmentAudience(t, env, c, bot.ID)
		base := "/api/bots/" + bot.ID + "/broadcasts"
		body := map[string]any{"text": "<b>Preview</b>", "parseMode": "HTML", "test": true,
			"buttons": [][]map[string]string{{{"text": "Go", "url": "https://example.com"}}}}

		// Not linked: 422 saying how to link.
		res := c.Post(t, base, body).Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorCode(t) != "telegram_not_linked" || !strings.Contains(res.Text(), "/account") {
			t.Fatalf("not linked: %s", res.Text())
		}
		// Linked (as the pipeline does when the member opens the link).
		me := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7701, FirstName: "Owner", Username: "the_owner"})
		if err := models.SaveMemberTelegram(context.Background(), env.App.DB, &models.MemberTelegramLink{UserID: c.User(t).ID, BotID: bot.ID,
			TelegramUserID: me.ID, Username: "the_owner", FirstName: "Owner", LinkedAt: models.Now()}); err != nil {
			t.Fatal(err)
		}
		d := c.Post(t, base, body).Expect(t, http.StatusOK).Data(t)
		if d["test"] != true || d["telegramUserId"] != 7701.0 || d["messageId"] == nil {
			t.Fatalf("test send: %v", d)
		}
		sent := env.Telegram.SentMessages(bot.Fake.Token)
		if len(sent) != 1 || sent[0].ChatID != 7701 || sent[0].Text != "<b>Preview</b>" || !strings.Contains(string(sent[0].ReplyMarkup), "https://example.com") {
			t.Fatalf("sent: %+v", sent)
		}
		if n := len(c.Get(t, base).List(t)); n != 0 {
			t.Fatalf("a test stored %d broadcasts", n)
		}
		// Checked like a real one.
		c.Post(t, base, map[string]any{"text": "", "test": true}).Expect(t, http.StatusUnprocessableEntity)
	})
}
