package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

// exportDoc downloads a bot's export document.
func exportDoc(t *testing.T, c *apptest.Client, botID string) map[string]any {
	t.Helper()
	res := c.Get(t, "/api/bots/"+botID+"/export").Expect(t, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Fatalf("not an attachment: %q", cd)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("export: %v: %s", err, res.Body)
	}
	return doc
}

// comparable drops what differs between two bots with the same setup: the
// ids of replies and uploads, the export's time and bot name, the code's
// version number.
func comparable(t *testing.T, doc map[string]any) string {
	t.Helper()
	js, _ := json.Marshal(doc)
	var d map[string]any
	json.Unmarshal(js, &d)
	delete(d, "exportedAt")
	delete(d, "bot")
	d["code"].(map[string]any)["version"] = nil
	ids := map[string]string{}
	for i, r := range d["replies"].([]any) {
		ids[r.(map[string]any)["id"].(string)] = "reply" + string(rune('A'+i))
	}
	for i, u := range d["uploads"].([]any) {
		ids[u.(map[string]any)["id"].(string)] = "upload" + string(rune('A'+i))
	}
	out, _ := json.Marshal(d)
	s := string(out)
	for id, name := range ids {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

func TestBotExportImport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner, first := codeBot(t, env, "owner@example.com", "first_bot", `bot.command('hi', (ctx) => ctx.reply(env.API_URL));`)
		second := env.ConnectBot(t, owner, "second_bot")
		other := env.SignUp(t, "other@example.com")
		theirs := env.ConnectBot(t, other, "their_bot")

		api := "/api/bots/" + first.ID
		img := upload(t, owner, "cat.png", pngBytes).Expect(t, http.StatusCreated).Data(t)
		more := owner.Post(t, api+"/replies", map[string]any{"trigger": map[string]any{"kind": "button"}, "text": "More"}).
			Expect(t, http.StatusCreated).Data(t)
		owner.Post(t, api+"/replies", map[string]any{"trigger": map[string]any{"kind": "command", "command": "menu"},
			"text": "Hello", "photo": img["id"], "showInMenu": true, "description": "Start",
			"buttons": [][]map[string]any{{{"text": "More", "reply": more["id"]}}}}).Expect(t, http.StatusCreated)
		owner.Put(t, api+"/settings/API_URL", map[string]any{"value": "https://api.example"}).Expect(t, http.StatusOK)
		owner.Put(t, api+"/settings/TOKEN", map[string]any{"value": "s3cr3t-value", "secret": true}).Expect(t, http.StatusOK)

		doc := exportDoc(t, owner, first.ID)
		raw, _ := json.Marshal(doc)
		if strings.Contains(string(raw), "s3cr3t") || doc["botdeck"] != float64(1) || len(doc["replies"].([]any)) != 4 ||
			len(doc["uploads"].([]any)) != 1 || !strings.Contains(string(raw), `{"name":"TOKEN","secret":true,"value":null}`) {
			t.Fatalf("export: %s", raw)
		}

		// Another account's bot is not found, either way.
		other.Get(t, api+"/export").Expect(t, http.StatusNotFound)
		other.Post(t, api+"/import", doc).Expect(t, http.StatusNotFound)
		owner.Post(t, "/api/bots/"+theirs.ID+"/import", doc).Expect(t, http.StatusNotFound)

		// A dry run lists what would change and changes nothing.
		target := "/api/bots/" + second.ID
		before := exportDoc(t, owner, second.ID)
		dry := owner.Post(t, target+"/import?dryRun=true", doc).Expect(t, http.StatusOK).Data(t)
		// (Both bots have the /start and /help replies every bot starts with: replaced, unchanged.)
		if dry["dryRun"] != true || !reflect.DeepEqual(dry["created"], []any{"button reply “More”", "reply /menu", "code", "setting API_URL", "setting TOKEN"}) ||
			len(dry["deleted"].([]any)) != 0 || len(dry["updated"].([]any)) != 0 {
			t.Fatalf("dry run: %v", dry)
		}
		if after := exportDoc(t, owner, second.ID); !reflect.DeepEqual(after["replies"], before["replies"]) || after["code"] != nil || len(after["settings"].([]any)) != 0 {
			t.Fatalf("the dry run changed the bot: %v", after)
		}

		// A newer document, an invalid reply, a bad flag: refused, nothing changed.
		newer := map[string]any{}
		for k, v := range doc {
			newer[k] = v
		}
		newer["botdeck"] = 2
		if c := owner.Post(t, target+"/import", newer).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); c != "unsupported_version" {
			t.Fatalf("newer: %s", c)
		}
		bad := map[string]any{}
		for k, v := range doc {
			bad[k] = v
		}
		bad["replies"] = append(append([]any{}, doc["replies"].([]any)...), map[string]any{"id": "rpl_bad", "trigger": map[string]any{"kind": "command", "command": "x y"}, "text": ""})
		f := owner.Post(t, target+"/import", bad).Expect(t, http.StatusUnprocessableEntity).Fields(t)
		if _, ok := f["replies[4].trigger.command"]; !ok {
			t.Fatalf("invalid reply: %v", f)
		}
		// A failure after the replies and code were applied (a bad setting) leaves them as they were.
		late := map[string]any{}
		for k, v := range doc {
			late[k] = v
		}
		late["settings"] = []any{map[string]any{"name": "9bad", "value": "x", "secret": false}}
		if f := owner.Post(t, target+"/import", late).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["settings[0].name"] == nil {
			t.Fatalf("bad setting: %v", f)
		}
		owner.Post(t, target+"/import?dryRun=maybe", doc).Expect(t, http.StatusUnprocessableEntity)
		huge := `{"botdeck":1,"bot":"` + strings.Repeat("x", 12<<20) + `"}`
		owner.Do(t, http.MethodPost, target+"/import", huge, "Content-Type", "application/json").Expect(t, http.StatusRequestEntityTooLarge)
		owner.Post(t, target+"/import", map[string]any{"botdeck": 1, "surprise": true}).Expect(t, http.StatusUnprocessableEntity)
		if after := exportDoc(t, owner, second.ID); after["code"] != nil || !reflect.DeepEqual(after["replies"], before["replies"]) || len(after["settings"].([]any)) != 0 {
			t.Fatalf("a refused import changed the bot: %v", after)
		}

		// A document with only some parts leaves the others alone.
		part := owner.Post(t, api+"/import?dryRun=true", map[string]any{"botdeck": 1, "settings": []any{}}).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(part["deleted"], []any{"setting API_URL", "setting TOKEN"}) || len(part["created"].([]any)) != 0 {
			t.Fatalf("settings only: %v", part)
		}

		// Importing a bot's own export into it changes nothing.
		self := owner.Post(t, api+"/import", doc).Expect(t, http.StatusOK).Data(t)
		if len(self["created"].([]any))+len(self["updated"].([]any))+len(self["deleted"].([]any)) != 0 {
			t.Fatalf("self import: %v", self)
		}

		// The real import: the second bot's export equals the first's.
		done := owner.Post(t, target+"/import", doc).Expect(t, http.StatusOK).Data(t)
		if done["dryRun"] != false || !reflect.DeepEqual(done["created"], dry["created"]) || len(done["problems"].([]any)) != 1 {
			t.Fatalf("import: %v", done)
		}
		copied := exportDoc(t, owner, second.ID)
		if a, b := comparable(t, doc), comparable(t, copied); a != b {
			t.Fatalf("round trip:\n%s\n%s", a, b)
		}
		// The copy's replies point at its own replies; the account's upload is shared.
		for _, r := range copied["replies"].([]any) {
			if strings.Contains(string(mustJSON(t, r)), more["id"].(string)) {
				t.Fatalf("copied reply points at the first bot's: %v", r)
			}
		}
		// Importing the same document again changes nothing.
		again := owner.Post(t, target+"/import", doc).Expect(t, http.StatusOK).Data(t)
		if len(again["created"].([]any)) != 0 || len(again["updated"].([]any)) != 0 || len(again["deleted"].([]any)) != 0 {
			t.Fatalf("second import: %v", again)
		}
		// A file the account does not have (from another instance or account) is stored again for it.
		var foreign map[string]any
		json.Unmarshal([]byte(strings.ReplaceAll(string(raw), img["id"].(string), "upl_from_elsewhere")), &foreign)
		owner.Post(t, target+"/import", foreign).Expect(t, http.StatusOK)
		ups := exportDoc(t, owner, second.ID)["uploads"].([]any)
		if len(ups) != 1 || ups[0].(map[string]any)["id"] == "upl_from_elsewhere" || ups[0].(map[string]any)["id"] == img["id"] ||
			ups[0].(map[string]any)["data"] != doc["uploads"].([]any)[0].(map[string]any)["data"] {
			t.Fatalf("uploads: %v", ups)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBotImportPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner, first := codeBot(t, env, "owner@example.com", "first_bot", `bot.command('hi', (ctx) => ctx.reply('hi'));`)
		second := env.ConnectBot(t, owner, "second_bot")
		other := env.SignUp(t, "other@example.com")
		theirs := env.ConnectBot(t, other, "their_bot")
		owner.Put(t, "/api/bots/"+first.ID+"/settings/API_URL", map[string]any{"value": "https://api.example"}).Expect(t, http.StatusOK)

		page := owner.Get(t, "/bots/"+second.ID+"/settings").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `href="/bots/`+second.ID+`/export"`) || !strings.Contains(page, `value="`+first.ID+`"`) || strings.Contains(page, theirs.ID) {
			t.Fatalf("settings page: %s", page)
		}
		// Copy from another bot: a dry run first, then the confirm button.
		dry := owner.Post(t, "/bots/"+second.ID+"/import", url.Values{"from": {first.ID}}).Expect(t, http.StatusOK).Text()
		if !strings.Contains(dry, "What the import would change") || !strings.Contains(dry, "setting API_URL") || !strings.Contains(dry, `name="confirm"`) {
			t.Fatalf("dry run page: %s", dry)
		}
		if n := len(owner.Get(t, "/api/bots/"+second.ID+"/settings").List(t)); n != 0 {
			t.Fatalf("the dry run changed the bot: %d settings", n)
		}
		owner.Post(t, "/bots/"+second.ID+"/import", url.Values{"from": {first.ID}, "confirm": {"true"}, "document": {""}}).Expect(t, http.StatusSeeOther)
		if n := len(owner.Get(t, "/api/bots/"+second.ID+"/settings").List(t)); n != 1 {
			t.Fatalf("imported settings: %d", n)
		}
		// Another account's bot is neither a source nor a target; nothing chosen is a form error.
		owner.Post(t, "/bots/"+second.ID+"/import", url.Values{"from": {theirs.ID}}).Expect(t, http.StatusNotFound)
		other.Post(t, "/bots/"+second.ID+"/import", url.Values{"from": {theirs.ID}}).Expect(t, http.StatusNotFound)
		if p := owner.Post(t, "/bots/"+second.ID+"/import", url.Values{"document": {`{"botdeck": 9}`}}).Expect(t, http.StatusUnprocessableEntity).Text(); !strings.Contains(p, "newer Botdeck") {
			t.Fatalf("newer document: %s", p)
		}
	})
}

func TestBotImportCampaigns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Spring", true)
		api := "/api/bots/" + w.bot.ID
		doc := exportDoc(t, w.owner, w.bot.ID)
		camps := doc["campaigns"].([]any)
		if len(camps) != 1 || camps[0].(map[string]any)["name"] != "Spring" || camps[0].(map[string]any)["joinRequest"] != true ||
			strings.Contains(string(mustJSON(t, doc)), "t.me/") {
			t.Fatalf("campaigns exported: %v", camps)
		}
		// The chat already has it: skipped.
		res := w.owner.Post(t, api+"/import?dryRun=true", doc).Expect(t, http.StatusOK).Data(t)
		if len(res["created"].([]any)) != 0 || !strings.Contains(string(mustJSON(t, res["skipped"])), "campaign Spring (the chat already has campaign Spring)") {
			t.Fatalf("tracked chat: %v", res)
		}
		// Archived, the import creates it again with a new link.
		w.owner.Post(t, "/api/campaigns/"+c["id"].(string)+"/archive", nil).Expect(t, http.StatusOK)
		res = w.owner.Post(t, api+"/import?dryRun=true", doc).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(res["created"], []any{"campaign Spring"}) {
			t.Fatalf("dry run: %v", res)
		}
		if n := len(w.owner.Get(t, "/api/campaigns?status=active").List(t)); n != 0 {
			t.Fatalf("the dry run created a campaign: %d", n)
		}
		res = w.owner.Post(t, api+"/import", doc).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(res["created"], []any{"campaign Spring"}) || len(res["problems"].([]any)) != 0 {
			t.Fatalf("import: %v", res)
		}
		active := w.owner.Get(t, "/api/campaigns?status=active").List(t)
		if len(active) != 1 || active[0].(map[string]any)["id"] == c["id"] || active[0].(map[string]any)["inviteLink"] == c["inviteLink"] {
			t.Fatalf("active campaigns: %v", active)
		}
	}, apptest.Webhooks())
}
