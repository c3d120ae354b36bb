package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestViewerPagesHaveNoWriteControls: a viewer reads segments, a reply and
// the settings, but their pages offer no create, save or delete (the
// routes still refuse them: 403); an editor sees the controls.
func TestViewerPagesHaveNoWriteControls(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "vp-owner@example.com")
		bot := env.ConnectBot(t, owner, "vp_bot")
		seg := owner.Post(t, "/api/bots/"+bot.ID+"/segments", map[string]any{"name": "VIP", "filter": map[string]any{"tag": []string{"vip"}}}).
			Expect(t, http.StatusCreated).Data(t)["id"].(string)
		reply := owner.Post(t, "/api/bots/"+bot.ID+"/replies", map[string]any{"trigger": map[string]any{"kind": "command", "command": "shop"}, "text": "Shop"}).
			Expect(t, http.StatusCreated).Data(t)["id"].(string)
		owner.Put(t, "/api/bots/"+bot.ID+"/settings/API_URL", map[string]any{"value": "https://example.com"}).Expect(t, http.StatusOK)
		ws := workspaceOf(t, owner)
		viewer, _ := join(t, env, owner, ws, models.RoleViewer, "vp-viewer@example.com")
		editor, _ := join(t, env, owner, ws, models.RoleEditor, "vp-editor@example.com")

		pages := []struct {
			path  string
			write []string // what only someone who may change it sees
		}{
			{"/bots/" + bot.ID + "/segments", []string{"New segment", "/segments/new"}},
			{"/segments/" + seg, []string{"Save segment", "/delete", "Delete segment"}},
			{"/bots/" + bot.ID + "/replies/" + reply, []string{"Save reply"}},
			{"/bots/" + bot.ID + "/settings", []string{"Save setting", "Delete API_URL", "/import"}},
		}
		for _, p := range pages {
			got := viewer.Get(t, p.path).Expect(t, http.StatusOK).Text()
			for _, w := range p.write {
				if strings.Contains(got, w) {
					t.Errorf("a viewer's %s shows %q", p.path, w)
				}
			}
			got = editor.Get(t, p.path).Expect(t, http.StatusOK).Text()
			for _, w := range p.write {
				if !strings.Contains(got, w) {
					t.Errorf("an editor's %s lacks %q", p.path, w)
				}
			}
		}
		if got := viewer.Get(t, "/segments/"+seg).Text(); !strings.Contains(got, "<fieldset class=\"space-y-5\" disabled") {
			t.Error("a viewer's segment fields are read only")
		}
		// Empty list: no create action either.
		other := env.ConnectBot(t, owner, "vp_empty_bot")
		if got := viewer.Get(t, "/bots/"+other.ID+"/segments").Text(); strings.Contains(got, "/segments/new") {
			t.Error("a viewer's empty segments page offers to create one")
		}
		// The routes still refuse them.
		viewer.Post(t, "/bots/"+bot.ID+"/segments", url.Values{"form": {"true"}, "name": {"x"}, "tag": {"a"}}).Expect(t, http.StatusForbidden)
		viewer.Post(t, "/segments/"+seg+"/delete", url.Values{}).Expect(t, http.StatusForbidden)
		viewer.Post(t, "/bots/"+bot.ID+"/settings/API_URL/delete", url.Values{}).Expect(t, http.StatusForbidden)
		viewer.Delete(t, "/api/segments/"+seg).Expect(t, http.StatusForbidden)
		if d := owner.Get(t, "/api/segments/"+seg).Expect(t, http.StatusOK).Data(t); d["name"] != "VIP" {
			t.Fatalf("segment changed: %v", d)
		}
	})
}
