package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func TestEditUserPropertiesAndTags(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "props@example.com")
		bot := env.ConnectBot(t, c, "props_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7301, FirstName: "Ann"})
		say(t, env, bot, ann, "hi")
		path := userPath(bot, ann)

		// Typed values and a whole tag set, normalized.
		d := c.Patch(t, path, map[string]any{
			"props": map[string]any{"plan": "gold", "score": 4.5, "vip": true, "birthday": "1990-05-01"},
			"tags":  []string{"Lead", "beta-tester", "lead"},
		}).Expect(t, http.StatusOK).Data(t)
		wantProps := map[string]any{"plan": "gold", "score": 4.5, "vip": true, "birthday": "1990-05-01"}
		if !reflect.DeepEqual(d["props"], wantProps) || !reflect.DeepEqual(d["tags"], []any{"beta-tester", "lead"}) || d["userId"] != float64(7301) {
			t.Fatalf("patched: %v", d)
		}
		// null deletes one property, others stay; tags replace the set.
		d = c.Patch(t, path, map[string]any{"props": map[string]any{"score": nil}, "tags": []string{"vip"}}).Expect(t, http.StatusOK).Data(t)
		if _, ok := d["props"].(map[string]any)["score"]; ok || len(d["props"].(map[string]any)) != 3 || !reflect.DeepEqual(d["tags"], []any{"vip"}) {
			t.Fatalf("after delete: %v", d)
		}
		got := c.Get(t, path).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(got["props"], d["props"]) || !reflect.DeepEqual(got["tags"], d["tags"]) {
			t.Fatalf("GET user: %v", got)
		}

		// Bad names and values: 422 naming them, nothing changed.
		res := c.Patch(t, path, map[string]any{"props": map[string]any{"Bad Name": "x", "ok": map[string]any{"a": 1}, "long": strings.Repeat("x", 513)},
			"tags": []string{"no spaces"}}).Expect(t, http.StatusUnprocessableEntity)
		f := res.Fields(t)
		for _, k := range []string{"props.Bad Name", "props.ok", "props.long", "tags[0]"} {
			if f[k] == nil {
				t.Fatalf("fields lack %q: %v", k, f)
			}
		}
		c.Patch(t, path, map[string]any{"props": map[string]any{"plan": "x"}, "tags": []string{"a b"}}).Expect(t, http.StatusUnprocessableEntity)
		if p := c.Get(t, path).Data(t)["props"].(map[string]any); p["plan"] != "gold" {
			t.Fatalf("a refused edit changed props: %v", p)
		}
		if code := c.Patch(t, path, map[string]any{"prop": map[string]any{}}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); code != "unknown_field" {
			t.Fatalf("unknown field: %s", code)
		}
		c.Patch(t, path, map[string]any{"props": "x"}).Expect(t, http.StatusBadRequest)
		// Unknown user; another account's bot.
		c.Patch(t, "/api/bots/"+bot.ID+"/users/999", map[string]any{"tags": []string{}}).Expect(t, http.StatusNotFound)
		eve := env.SignUp(t, "eve-props@example.com")
		eve.Patch(t, path, map[string]any{"tags": []string{}}).Expect(t, http.StatusNotFound)
		eve.Do(t, http.MethodPost, "/bots/"+bot.ID+"/users/7301", url.Values{"addTag": {"x"}}).Expect(t, http.StatusNotFound)

		// The user page shows them, and its forms work without JavaScript.
		page := "/bots/" + bot.ID + "/users/7301"
		html := c.Get(t, page).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Properties", "plan", "gold", "1990-05-01", "Tags", "vip", `name="addTag"`} {
			if !strings.Contains(html, want) {
				t.Fatalf("user page lacks %q", want)
			}
		}
		res = c.Do(t, http.MethodPost, page, url.Values{"set": {"age"}, "type": {"number"}, "value": {"42"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
			t.Fatalf("form set: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		c.Do(t, http.MethodPost, page, url.Values{"addTag": {"Paid"}}).Expect(t, http.StatusSeeOther)
		c.Do(t, http.MethodPost, page, url.Values{"removeTag": {"vip"}}).Expect(t, http.StatusSeeOther)
		c.Do(t, http.MethodPost, page, url.Values{"unset": {"plan"}}).Expect(t, http.StatusSeeOther)
		got = c.Get(t, path).Data(t)
		if p := got["props"].(map[string]any); p["age"] != float64(42) || p["plan"] != nil || !reflect.DeepEqual(got["tags"], []any{"paid"}) {
			t.Fatalf("after forms: %v", got)
		}
		// htmx: the block is swapped in place.
		frag := c.Do(t, http.MethodPost, page, url.Values{"set": {"active"}, "type": {"bool"}, "value": {"true"}}, "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, `id="user-attributes"`) || !strings.Contains(frag, "active") || strings.Contains(frag, "<html") {
			t.Fatalf("htmx fragment: %s", frag)
		}
		frag = c.Do(t, http.MethodPost, page, url.Values{"set": {"n"}, "type": {"number"}, "value": {"abc"}}, "HX-Request", "true").Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(frag, `role="alert"`) || !strings.Contains(frag, "value must be a number") || !strings.Contains(frag, "age") {
			t.Fatalf("htmx refused edit: %s", frag)
		}
		for _, bad := range []url.Values{
			{"set": {"n"}, "type": {"number"}, "value": {"abc"}},
			{"set": {"d"}, "type": {"date"}, "value": {"2026-13-01"}},
			{"set": {"b"}, "type": {"bool"}, "value": {"maybe"}},
			{"set": {"x"}, "type": {"blob"}, "value": {"1"}},
			{"set": {"9x"}, "value": {"1"}},
			{"addTag": {"two words"}},
		} {
			c.Do(t, http.MethodPost, page, bad, "Accept", "application/json").Expect(t, http.StatusUnprocessableEntity)
		}
	}, apptest.Webhooks(), apptest.Workers())
}

func TestUsersAudienceFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "filters@example.com")
		bot := env.ConnectBot(t, c, "filters_bot")
		specs := []telegramtest.UserSpec{
			{ID: 7401, FirstName: "Ann", LanguageCode: "en"},
			{ID: 7402, FirstName: "Bob", LanguageCode: "de"},
			{ID: 7403, FirstName: "Cat", LanguageCode: "en"},
		}
		for _, s := range specs {
			say(t, env, bot, env.Telegram.AddUser(s), "hi")
		}
		base := "/api/bots/" + bot.ID + "/users"
		c.Patch(t, base+"/7401", map[string]any{"props": map[string]any{"plan": "gold", "age": 42}, "tags": []string{"vip", "lead"}}).Expect(t, http.StatusOK)
		c.Patch(t, base+"/7402", map[string]any{"props": map[string]any{"plan": "free"}, "tags": []string{"vip"}}).Expect(t, http.StatusOK)
		c.Patch(t, base+"/7403", map[string]any{"props": map[string]any{"vip": true}, "tags": []string{"lead"}}).Expect(t, http.StatusOK)

		ids := func(query string) []float64 {
			t.Helper()
			var out []float64
			for _, u := range c.Get(t, base+"?sort=started&"+query).Expect(t, http.StatusOK).List(t) {
				out = append(out, u.(map[string]any)["userId"].(float64))
			}
			return out
		}
		for query, want := range map[string][]float64{
			"tag=vip":                      {7401, 7402},
			"tag=vip&tag=lead":             {7401},
			"tag=VIP&notTag=lead":          {7402},
			"notTag=vip":                   {7403},
			"language=en":                  {7401, 7403},
			"language=en&tag=vip":          {7401},
			"prop.plan=gold":               {7401},
			"prop.age=42":                  {7401},
			"prop.vip=true":                {7403},
			"prop.plan=gold&prop.age=41":   nil,
			"prop.plan=free&status=active": {7402},
			"source=nowhere":               nil,
			"q=bob&tag=vip":                {7402},
			"prop%5Bplan%5D=free&tag=vip":  {7402},
		} {
			if got := ids(query); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %v, want %v", query, got, want)
			}
		}
		if total := c.Get(t, base+"?tag=vip").Expect(t, http.StatusOK).JSON(t)["pagination"].(map[string]any)["total"]; total != float64(2) {
			t.Fatalf("filtered total %v", total)
		}
		// The CSV export takes the same filters.
		csvRes := c.Get(t, base+".csv?tag=lead&language=en").Expect(t, http.StatusOK)
		if cd := csvRes.Header.Get("Content-Disposition"); !strings.Contains(cd, "-users-filtered-") {
			t.Fatalf("csv filename: %s", cd)
		}
		csv := csvRes.Text()
		if !strings.Contains(csv, "7401,") || !strings.Contains(csv, "7403,") || strings.Contains(csv, "7402,") {
			t.Fatalf("csv: %s", csv)
		}
		// Bad names are 422 naming them; unknown parameters too.
		res := c.Get(t, base+"?tag=a%20b&prop.Bad=1").Expect(t, http.StatusUnprocessableEntity)
		if f := res.Fields(t); f["tag[0]"] == nil || f["prop.Bad"] == nil {
			t.Fatalf("fields %v", f)
		}
		c.Get(t, base+"?tags=vip").Expect(t, http.StatusUnprocessableEntity)
		// The users page keeps the filters in its links and form.
		html := c.Get(t, "/bots/"+bot.ID+"/users?tag=vip&prop.plan=gold").Expect(t, http.StatusOK).Text()
		if !strings.Contains(html, "Ann") || strings.Contains(html, "Bob") || !strings.Contains(html, `name="tag" value="vip"`) {
			t.Fatalf("users page filtered: %s", html)
		}
	}, apptest.Webhooks(), apptest.Workers())
}
