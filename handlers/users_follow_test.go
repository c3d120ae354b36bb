package handlers_test

import (
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// Each user of the list (and of block/unblock) carries its tags, sorted,
// and its deep-link source ("" and [] when none).
func TestUsersListTagsAndSource(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "tagsrc@example.com")
		bot := env.ConnectBot(t, c, "tagsrc_bot")
		now := models.Now()
		seedBotUsers(t, env, bot.ID,
			models.BotUser{UserID: 701, FirstName: "A", StartedAt: now.Add(-3 * time.Hour), Source: "ads"},
			models.BotUser{UserID: 702, FirstName: "B", StartedAt: now.Add(-2 * time.Hour)},
			models.BotUser{UserID: 703, FirstName: "C", StartedAt: now.Add(-1 * time.Hour), Source: "blog"})
		base := "/api/bots/" + bot.ID + "/users"
		c.Post(t, base+"/tags", map[string]any{"userIds": []int64{701, 703}, "add": []string{"zeta", "alpha"}}).Expect(t, http.StatusOK)
		c.Post(t, base+"/tags", map[string]any{"userIds": []int64{703}, "add": []string{"mid"}}).Expect(t, http.StatusOK)

		want := map[float64]struct {
			tags   []any
			source string
		}{
			701: {[]any{"alpha", "zeta"}, "ads"},
			702: {[]any{}, ""},
			703: {[]any{"alpha", "mid", "zeta"}, "blog"},
		}
		list := c.Get(t, base+"?sort=started").Expect(t, http.StatusOK).List(t)
		if len(list) != 3 {
			t.Fatalf("list: %v", list)
		}
		for _, item := range list {
			u := item.(map[string]any)
			w := want[u["userId"].(float64)]
			if !reflect.DeepEqual(u["tags"], w.tags) || u["source"] != w.source {
				t.Fatalf("user %v: tags %v source %v, want %v %q", u["userId"], u["tags"], u["source"], w.tags, w.source)
			}
		}
		// The source filter and the answers of block and unblock agree.
		if got := userIDs(t, c.Get(t, base+"?source=blog").Expect(t, http.StatusOK)); !slices.Equal(got, []int64{703}) {
			t.Fatalf("source=blog: %v", got)
		}
		u := c.Post(t, base+"/703/block", nil).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(u["tags"], want[703].tags) || u["source"] != "blog" || u["blocked"] != true {
			t.Fatalf("block: %v", u)
		}
	})
}

// POST …/users/tags with segment tags exactly the users the list shows
// for segment= (with a filter, both apply); another bot's segment or an
// unknown one is refused and changes nothing.
func TestUsersBulkTagsBySegment(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "segtag@example.com")
		bot := env.ConnectBot(t, c, "segtag_bot")
		other := env.ConnectBot(t, c, "segtag_other_bot")
		now := models.Now()
		var users []models.BotUser
		for i := int64(1); i <= 12; i++ {
			lang := "en"
			if i%3 == 0 {
				lang = "de"
			}
			users = append(users, models.BotUser{UserID: 800 + i, FirstName: "U", LanguageCode: lang, StartedAt: now.Add(-time.Duration(i) * time.Hour)})
		}
		seedBotUsers(t, env, bot.ID, users...)
		base := "/api/bots/" + bot.ID + "/users"
		c.Post(t, base+"/tags", map[string]any{"userIds": []int64{803, 806, 801}, "add": []string{"vip"}}).Expect(t, http.StatusOK)
		seg := c.Post(t, "/api/bots/"+bot.ID+"/segments", map[string]any{"name": "German VIPs",
			"filter": map[string]any{"language": "de", "tag": []string{"vip"}}}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		otherSeg := c.Post(t, "/api/bots/"+other.ID+"/segments", map[string]any{"name": "All"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)

		res := c.Post(t, base+"/tags", map[string]any{"segment": seg, "add": []string{"promo"}}).Expect(t, http.StatusOK)
		if res.Data(t)["changed"] != float64(2) {
			t.Fatalf("segment: %s", res.Text())
		}
		inSegment := userIDs(t, c.Get(t, base+"?segment="+seg+"&sort=started").Expect(t, http.StatusOK))
		tagged := userIDs(t, c.Get(t, base+"?tag=promo&sort=started").Expect(t, http.StatusOK))
		if !slices.Equal(tagged, inSegment) || !slices.Equal(tagged, []int64{806, 803}) {
			t.Fatalf("tagged %v, segment shows %v", tagged, inSegment)
		}
		// A segment and a filter: both apply (the German VIP who is 806).
		res = c.Post(t, base+"/tags", map[string]any{"segment": seg, "filter": map[string]any{"q": "806"}, "add": []string{"both"}}).Expect(t, http.StatusOK)
		if got := userIDs(t, c.Get(t, base+"?tag=both").Expect(t, http.StatusOK)); !slices.Equal(got, []int64{806}) {
			t.Fatalf("segment and filter: %v (%s)", got, res.Text())
		}
		// Removing through the segment.
		res = c.Post(t, base+"/tags", map[string]any{"segment": seg, "remove": []string{"vip"}}).Expect(t, http.StatusOK)
		if res.Data(t)["changed"] != float64(2) {
			t.Fatalf("segment remove: %s", res.Text())
		}
		if got := userIDs(t, c.Get(t, base+"?tag=vip").Expect(t, http.StatusOK)); !slices.Equal(got, []int64{801}) {
			t.Fatalf("vip after removal: %v", got)
		}

		// Another bot's segment, or an unknown one.
		for _, body := range []map[string]any{
			{"segment": otherSeg, "add": []string{"leak"}},
			{"segment": "seg_nope", "add": []string{"leak"}},
		} {
			res := c.Post(t, base+"/tags", body).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.Fields(t)["segment"]; !ok {
				t.Fatalf("%v: %s", body, res.Text())
			}
		}
		if got := userIDs(t, c.Get(t, base+"?tag=leak").Expect(t, http.StatusOK)); len(got) != 0 {
			t.Fatalf("refused requests tagged %v", got)
		}
		// Another account cannot use the bot (404), whatever the segment.
		eve := env.SignUp(t, "eve-segtag@example.com")
		eve.Post(t, base+"/tags", map[string]any{"segment": seg, "add": []string{"leak"}}).Expect(t, http.StatusNotFound)
	})
}
