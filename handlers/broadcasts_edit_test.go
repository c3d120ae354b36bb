package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// TestScheduledBroadcastEditPage: a scheduled broadcast's page and the
// history offer Edit; the composer opens filled in, saves through the same
// core method as PATCH, comes back with the problems and what was typed,
// and a broadcast that started meanwhile is shown with the reason (409).
func TestScheduledBroadcastEditPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "edit@example.com")
		bot := env.ConnectBot(t, c, "edit_bot")
		seedAudience(t, env, bot.ID, 3, models.Now())
		at := models.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Minute)
		bc := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "Sale *soon*", "parseMode": "MarkdownV2", "scheduledAt": at.Format(time.RFC3339),
			"filter":  map[string]any{"tag": []string{"vip"}, "language": "en"},
			"buttons": [][]map[string]string{{{"text": "Shop", "url": "https://example.com/shop"}}}}).
			Expect(t, http.StatusCreated).Data(t)
		id := bc["id"].(string)
		edit := "/broadcasts/" + id + "/edit"

		if page := c.Get(t, "/broadcasts/"+id).Expect(t, http.StatusOK).Text(); !strings.Contains(page, `href="`+edit+`"`) {
			t.Fatal("a scheduled broadcast's page offers Edit")
		}
		if list := c.Get(t, "/bots/"+bot.ID+"/broadcasts").Text(); !strings.Contains(list, `href="`+edit+`"`) {
			t.Fatal("the history offers Edit for a scheduled broadcast")
		}
		form := c.Get(t, edit).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Edit scheduled broadcast", `action="` + edit + `"`, "Sale *soon*</textarea>", `value="MarkdownV2" selected`,
			`name="filterTag"`, `value="vip"`, `value="Shop"`, `value="https://example.com/shop"`, `name="when" value="later"`,
			`value="` + at.Format("2006-01-02") + `"`, `value="` + at.Format("15:04") + `"`, `value="UTC"`, "Save changes"} {
			if !strings.Contains(form, want) {
				t.Errorf("edit form lacks %q", want)
			}
		}
		if strings.Contains(form, `value="now"`) {
			t.Error("the edit form cannot turn a scheduled broadcast into one sent now")
		}

		// Bad input: the form again, with the problems and what was typed.
		typed := url.Values{"text": {"Sale soon!"}, "parseMode": {"MarkdownV2"}, "audience": {"all"}, "filterTag": {"vip"}, "when": {"later"},
			"scheduleDate": {"2001-01-01"}, "scheduleTime": {"10:00"}, "scheduleZone": {"UTC"},
			"buttonText": {"Shop", ""}, "buttonUrl": {"https://example.com/shop", ""}}
		bad := c.Post(t, edit, typed).Expect(t, http.StatusUnprocessableEntity).Text()
		for _, want := range []string{"Edit scheduled broadcast", "Sale soon!</textarea>", "must be escaped", "is in the past", `value="2001-01-01"`, `action="` + edit + `"`} {
			if !strings.Contains(bad, want) {
				t.Errorf("refused edit form lacks %q", want)
			}
		}
		typed.Set("scheduleZone", "Mars/Base")
		if bad := c.Post(t, edit, typed).Expect(t, http.StatusUnprocessableEntity).Text(); !strings.Contains(bad, "is not a time zone") {
			t.Error("a wrong time zone is named")
		}

		// Saved: new text, time and zone; the filter's language (which the
		// form does not show) is kept, its tags are the form's.
		typed.Set("text", "Sale on Friday")
		typed.Set("parseMode", "")
		typed.Set("scheduleDate", at.AddDate(0, 0, 2).Format("2006-01-02"))
		typed.Set("scheduleTime", "09:30")
		typed.Set("scheduleZone", "Europe/Berlin")
		typed.Set("filterTag", "vip, early")
		res := c.Post(t, edit, typed).Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/broadcasts/"+id {
			t.Fatalf("after saving, the broadcast: %q", loc)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		want := time.Date(at.Year(), at.Month(), at.Day()+2, 9, 30, 0, 0, berlin).UTC()
		d := c.Get(t, "/api/broadcasts/"+id).Expect(t, http.StatusOK).Data(t)
		f, _ := d["filter"].(map[string]any)
		if d["text"] != "Sale on Friday" || d["parseMode"] != nil && d["parseMode"] != "" || d["scheduledAt"] != want.Format(time.RFC3339) ||
			d["status"] != "scheduled" || f == nil || f["language"] != "en" || len(f["tag"].([]any)) != 2 || len(d["buttons"].([]any)) != 1 {
			t.Fatalf("saved by the form: %v", d)
		}
		if page := c.Get(t, "/broadcasts/"+id).Text(); !strings.Contains(page, "Scheduled broadcast saved.") || !strings.Contains(page, "Sale on Friday") {
			t.Fatal("the broadcast's page shows the change")
		}

		// Started meanwhile: the form's save is refused with the reason, on
		// the broadcast's page; the edit page is refused too.
		if _, err := env.App.DB.NewUpdate().Model((*models.Broadcast)(nil)).Set("status = ?", models.BroadcastQueued).Where("id = ?", id).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, res := range []*apptest.Response{c.Post(t, edit, typed), c.Get(t, edit)} {
			page := res.Expect(t, http.StatusConflict).Text()
			if !strings.Contains(page, "only a scheduled broadcast can be edited") || !strings.Contains(page, `role="progressbar"`) {
				t.Fatalf("a started broadcast explains why it cannot be edited: %s", page)
			}
		}
		if page := c.Get(t, "/broadcasts/"+id).Text(); strings.Contains(page, `href="`+edit+`"`) {
			t.Fatal("a started broadcast offers no Edit")
		}
		if d := c.Get(t, "/api/broadcasts/"+id).Data(t); d["text"] != "Sale on Friday" {
			t.Fatalf("a refused edit changed the broadcast: %v", d)
		}
	})
}

// TestScheduledBroadcastEditSegmentAndFile: the edit form shows the
// segment and the attached photo; a new file sent with it replaces the
// photo, and choosing a segment replaces the filter.
func TestScheduledBroadcastEditSegmentAndFile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "edit-file@example.com")
		bot := env.ConnectBot(t, c, "edit_file_bot")
		seg := c.Post(t, "/api/bots/"+bot.ID+"/segments", map[string]any{"name": "Buyers", "filter": map[string]any{"tag": []string{"buyer"}}}).
			Expect(t, http.StatusCreated).Data(t)["id"].(string)
		photo := upload(t, c, "cat.png", pngBytes).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		at := models.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		id := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "Look", "photo": photo, "filter": map[string]any{"tag": []string{"vip"}},
			"scheduledAt": at.Format(time.RFC3339)}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		edit := "/broadcasts/" + id + "/edit"
		form := c.Get(t, edit).Expect(t, http.StatusOK).Text()
		if !strings.Contains(form, `name="photo" value="`+photo+`"`) || !strings.Contains(form, "Attached photo") {
			t.Fatal("the edit form keeps the attached photo")
		}
		fields := url.Values{"text": {"Look again"}, "audience": {"all"}, "segment": {seg}, "when": {"later"}, "media": {"document"},
			"photo": {photo}, "scheduleDate": {at.Format("2006-01-02")}, "scheduleTime": {at.Format("15:04")}, "scheduleZone": {"UTC"}}
		postMultipart(t, c, edit, fields, "notes.txt", []byte("price list")).Expect(t, http.StatusSeeOther)
		d := c.Get(t, "/api/broadcasts/"+id).Expect(t, http.StatusOK).Data(t)
		doc, _ := d["document"].(string)
		if d["text"] != "Look again" || d["segment"] != seg || d["photo"] != nil && d["photo"] != "" || !strings.HasPrefix(doc, "upl_") || d["scheduledAt"] != at.Format(time.RFC3339) {
			t.Fatalf("saved with a new file and a segment: %v", d)
		}
		if form := c.Get(t, edit).Text(); !strings.Contains(form, `value="`+seg+`" selected`) || !strings.Contains(form, "Attached document") {
			t.Fatal("the edit form shows the segment and the new document")
		}
	})
}

// TestScheduledBroadcastEditRoles: a viewer sees no Edit and cannot open
// or post the edit form; another workspace gets 404.
func TestScheduledBroadcastEditRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "edit-owner@example.com")
		bot := env.ConnectBot(t, owner, "edit_roles_bot")
		at := models.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		id := owner.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "hi", "scheduledAt": at.Format(time.RFC3339)}).
			Expect(t, http.StatusCreated).Data(t)["id"].(string)
		edit := "/broadcasts/" + id + "/edit"
		viewer, _ := join(t, env, owner, workspaceOf(t, owner), models.RoleViewer, "edit-viewer@example.com")
		if page := viewer.Get(t, "/broadcasts/"+id).Expect(t, http.StatusOK).Text(); strings.Contains(page, edit) {
			t.Fatal("a viewer sees no Edit")
		}
		if list := viewer.Get(t, "/bots/"+bot.ID+"/broadcasts").Expect(t, http.StatusOK).Text(); strings.Contains(list, edit) {
			t.Fatal("a viewer's history offers no Edit")
		}
		viewer.Get(t, edit).Expect(t, http.StatusForbidden)
		viewer.Post(t, edit, url.Values{"text": {"pwned"}, "when": {"later"}, "scheduleDate": {at.Format("2006-01-02")}, "scheduleTime": {"10:00"}}).
			Expect(t, http.StatusForbidden)
		viewer.Patch(t, "/api/broadcasts/"+id, map[string]any{"text": "pwned"}).Expect(t, http.StatusForbidden)
		eve := env.SignUp(t, "edit-eve@example.com")
		eve.Get(t, edit).Expect(t, http.StatusNotFound)
		eve.Post(t, edit, url.Values{"text": {"pwned"}}).Expect(t, http.StatusNotFound)
		if d := owner.Get(t, "/api/broadcasts/"+id).Data(t); d["text"] != "hi" {
			t.Fatalf("changed by someone else: %v", d)
		}
	})
}
