package handlers_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
)

// Segments travel with a bot's export: the import matches them by name
// (updated, created, deleted), keeps one a scheduled broadcast goes to
// (named in problems), a dry run changes nothing, and a document without
// segments leaves the target's alone.
func TestBotExportImportSegments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "segexp@example.com")
		from := env.ConnectBot(t, owner, "segexp_from_bot")
		to := env.ConnectBot(t, owner, "segexp_to_bot")
		segment := func(botID, name string, filter map[string]any) string {
			return owner.Post(t, "/api/bots/"+botID+"/segments", map[string]any{"name": name, "filter": filter}).
				Expect(t, http.StatusCreated).Data(t)["id"].(string)
		}
		segment(from.ID, "Germans", map[string]any{"language": "de"})
		segment(from.ID, "VIPs", map[string]any{"tag": []string{"vip"}, "prop": map[string]any{"plan": "gold"}})
		segment(to.ID, "VIPs", map[string]any{"tag": []string{"old"}})
		segment(to.ID, "Stale", map[string]any{"source": "ads"})
		busy := segment(to.ID, "Scheduled", map[string]any{"notTag": []string{"x"}})
		at := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		owner.Post(t, "/api/bots/"+to.ID+"/broadcasts", map[string]any{"text": "soon", "segment": busy, "scheduledAt": at}).
			Expect(t, http.StatusCreated)

		doc := exportDoc(t, owner, from.ID)
		wantSegs := []any{
			map[string]any{"name": "Germans", "filter": map[string]any{"language": "de"}},
			map[string]any{"name": "VIPs", "filter": map[string]any{"tag": []any{"vip"}, "prop": map[string]any{"plan": "gold"}}},
		}
		if !reflect.DeepEqual(doc["segments"], wantSegs) {
			t.Fatalf("exported segments: %v", doc["segments"])
		}
		segsOf := func(botID string) map[string]any {
			out := map[string]any{}
			for _, s := range owner.Get(t, "/api/bots/"+botID+"/segments").Expect(t, http.StatusOK).List(t) {
				s := s.(map[string]any)
				out[s["name"].(string)] = s["filter"]
			}
			return out
		}
		before := segsOf(to.ID)

		api := "/api/bots/" + to.ID + "/import"
		check := func(res map[string]any) {
			t.Helper()
			if !reflect.DeepEqual(res["created"], []any{"segment Germans"}) || !reflect.DeepEqual(res["updated"], []any{"segment VIPs"}) ||
				!reflect.DeepEqual(res["deleted"], []any{"segment Stale"}) ||
				!reflect.DeepEqual(res["problems"], []any{"segment Scheduled was kept: a scheduled broadcast goes to it"}) {
				t.Fatalf("import: %v", res)
			}
		}
		only := map[string]any{"botdeck": 1, "segments": doc["segments"]}
		check(owner.Post(t, api+"?dryRun=true", only).Expect(t, http.StatusOK).Data(t))
		if after := segsOf(to.ID); !reflect.DeepEqual(after, before) {
			t.Fatalf("the dry run changed segments: %v", after)
		}
		check(owner.Post(t, api, only).Expect(t, http.StatusOK).Data(t))
		got := segsOf(to.ID)
		want := map[string]any{"Germans": map[string]any{"language": "de"}, "VIPs": map[string]any{"tag": []any{"vip"}, "prop": map[string]any{"plan": "gold"}},
			"Scheduled": map[string]any{"notTag": []any{"x"}}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("segments after import: %v", got)
		}
		// The kept segment still serves its broadcast (same id).
		owner.Get(t, "/api/segments/"+busy).Expect(t, http.StatusOK)

		// Again: nothing but the kept segment to report.
		again := owner.Post(t, api, only).Expect(t, http.StatusOK).Data(t)
		if len(again["created"].([]any))+len(again["updated"].([]any))+len(again["deleted"].([]any)) != 0 || len(again["problems"].([]any)) != 1 {
			t.Fatalf("second import: %v", again)
		}
		// An older document without segments leaves them alone.
		old := owner.Post(t, api, map[string]any{"botdeck": 1, "settings": []any{}}).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(segsOf(to.ID), want) || !reflect.DeepEqual(old["deleted"], []any{}) {
			t.Fatalf("a document without segments: %v %v", old, segsOf(to.ID))
		}
		// Invalid segments are refused whole.
		for _, bad := range [][]any{
			{map[string]any{"name": "", "filter": map[string]any{}}},
			{map[string]any{"name": "A", "filter": map[string]any{}}, map[string]any{"name": "A", "filter": map[string]any{}}},
			{map[string]any{"name": "B", "filter": map[string]any{"tag": []any{"two words"}}}},
			{map[string]any{"name": "C", "filter": map[string]any{"tags": []any{"a"}}}},
		} {
			owner.Post(t, api, map[string]any{"botdeck": 1, "segments": bad}).Expect(t, http.StatusUnprocessableEntity)
		}
		if !reflect.DeepEqual(segsOf(to.ID), want) {
			t.Fatalf("a refused import changed segments: %v", segsOf(to.ID))
		}
	})
}
