package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

const helloCode = `logic['hello'] = async (query, body, db, response, params) => {
  console.log('hello', query.name);
  return { greeting: 'Hello, ' + (query.name || 'world') + '!', body };
};
logic['fail'] = () => {
  throw new Error('on purpose');
};
`

func TestCodeSaveAndCompileErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "code_bot")
		api := "/api/bots/" + bot.ID + "/code"

		got := owner.Get(t, api).Expect(t, http.StatusOK).Data(t)
		if !reflect.DeepEqual(got, map[string]any{"source": "", "version": 0.0, "updatedAt": nil, "handlers": []any{}, "updateHandlers": []any{}}) {
			t.Fatalf("no code yet: %v", got)
		}

		// A syntax error: 422 compile_error at its line, nothing saved.
		res := owner.Put(t, api, map[string]any{"source": "logic['a'] = () => {\n  return 1 +;\n};"}).Expect(t, http.StatusUnprocessableEntity)
		e := res.JSON(t)["error"].(map[string]any)
		if e["code"] != "compile_error" || e["line"] != 2.0 || e["column"].(float64) < 1 || !strings.Contains(e["fields"].(map[string]any)["source"].(string), "Line 2") {
			t.Fatalf("compile error: %s", res.Body)
		}
		for _, src := range []string{"", "const x = 1;", "logic['bad name'] = () => 1;", "logic['a'] = () => 1;\nthrow new Error('top');", "logic['a'] = () => /(a)\\1/.test('aa');"} {
			owner.Put(t, api, map[string]any{"source": src}).Expect(t, http.StatusUnprocessableEntity)
		}
		if v := owner.Get(t, api).Data(t)["version"]; v != 0.0 {
			t.Fatalf("a failed save stored version %v", v)
		}

		// A good save: version 1, its handlers, the bot's codeVersion.
		d := owner.Put(t, api, map[string]any{"source": helloCode}).Expect(t, http.StatusOK).Data(t)
		if d["version"] != 1.0 || !reflect.DeepEqual(d["handlers"], []any{"fail", "hello"}) || d["updatedAt"] == nil || d["restoredFrom"] != nil {
			t.Fatalf("save: %v", d)
		}
		b := owner.Get(t, "/api/bots/"+bot.ID).Data(t)
		if b["codeVersion"] != 1.0 || b["codeUpdatedAt"] == nil {
			t.Fatalf("bot: %v", b)
		}
		got = owner.Get(t, api).Data(t)
		if got["source"] != helloCode || got["version"] != 1.0 {
			t.Fatalf("get: %v", got)
		}
		// The first request after the save runs the new code.
		res = call(t, env, "GET", "/custom/"+bot.ID+"/hello?name=Ann", "").Expect(t, http.StatusOK)
		if !strings.Contains(res.Text(), "Hello, Ann!") {
			t.Fatalf("webhook: %s", res.Body)
		}
		// The same source again creates no version; CRLF line ends are LF.
		crlf := strings.ReplaceAll(helloCode, "\n", "\r\n")
		if v := owner.Put(t, api, map[string]any{"source": crlf}).Expect(t, http.StatusOK).Data(t)["version"]; v != 1.0 {
			t.Fatalf("unchanged save made version %v", v)
		}
		// baseVersion guards against overwriting someone else's save.
		owner.Put(t, api, map[string]any{"source": helloCode + "// 2", "baseVersion": 1}).Expect(t, http.StatusOK)
		res = owner.Put(t, api, map[string]any{"source": helloCode + "// stale", "baseVersion": 1}).Expect(t, http.StatusConflict)
		if res.ErrorCode(t) != "version_conflict" {
			t.Fatalf("conflict: %s", res.Body)
		}
		owner.Put(t, api, map[string]any{"source": helloCode, "baseVersion": -1}).Expect(t, http.StatusUnprocessableEntity)

		// A disconnected bot's code is kept and read-only.
		owner.Delete(t, "/api/bots/"+bot.ID).Expect(t, http.StatusOK)
		if owner.Put(t, api, map[string]any{"source": helloCode + "// 3"}).Expect(t, http.StatusConflict).ErrorCode(t) != "bot_deleted" {
			t.Fatal("saving a deleted bot's code must be refused")
		}
		if owner.Get(t, api).Data(t)["version"] != 2.0 {
			t.Fatal("a deleted bot's code is kept")
		}
	})
}

func TestCodeVersionsAndRestore(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "versions_bot")
		api := "/api/bots/" + bot.ID + "/code"
		const saves = 25
		for i := 1; i <= saves; i++ {
			src := fmt.Sprintf("logic['v'] = () => %d;\n", i)
			owner.Put(t, api, map[string]any{"source": src}).Expect(t, http.StatusOK)
		}
		res := owner.Get(t, api+"/versions?limit=10").Expect(t, http.StatusOK)
		list := res.List(t)
		p := res.JSON(t)["pagination"].(map[string]any)
		if len(list) != 10 || p["total"] != float64(saves) || p["totalPages"] != 3.0 {
			t.Fatalf("versions: %d items, pagination %v", len(list), p)
		}
		first := list[0].(map[string]any)
		if first["version"] != float64(saves) || first["current"] != true || first["size"].(float64) == 0 {
			t.Fatalf("newest version: %v", first)
		}
		if _, has := first["source"]; has {
			t.Fatal("the list carries no sources")
		}
		all := owner.Get(t, api+"/versions?limit=100").List(t)
		if len(all) < 20 || all[len(all)-1].(map[string]any)["version"] != 1.0 {
			t.Fatalf("at least 20 versions are kept, oldest first saved: %d", len(all))
		}
		owner.Get(t, api+"/versions?limit=0").Expect(t, http.StatusUnprocessableEntity)

		v3 := owner.Get(t, api+"/versions/3").Expect(t, http.StatusOK).Data(t)
		if v3["source"] != "logic['v'] = () => 3;\n" || v3["current"] != false {
			t.Fatalf("version 3: %v", v3)
		}
		for _, missing := range []string{"999", "0", "x", "-1"} {
			owner.Get(t, api+"/versions/"+missing).Expect(t, http.StatusNotFound)
			owner.Post(t, api+"/versions/"+missing+"/restore", nil).Expect(t, http.StatusNotFound)
		}

		// Restoring saves the old source again as a new version.
		d := owner.Post(t, api+"/versions/3/restore", nil).Expect(t, http.StatusOK).Data(t)
		if d["version"] != float64(saves+1) || d["restoredFrom"] != 3.0 {
			t.Fatalf("restore: %v", d)
		}
		if res := call(t, env, "GET", "/custom/"+bot.ID+"/v", "").Expect(t, http.StatusOK); strings.TrimSpace(res.Text()) != `{"ok":true,"data":3}` {
			t.Fatalf("restored code runs: %s", res.Body)
		}
		if cur := owner.Get(t, api+"/versions?limit=1").List(t)[0].(map[string]any); cur["restoredFrom"] != 3.0 || cur["current"] != true {
			t.Fatalf("history: %v", cur)
		}
		// Restoring the current version changes nothing.
		if v := owner.Post(t, api+fmt.Sprintf("/versions/%d/restore", saves+1), nil).Expect(t, http.StatusOK).Data(t)["version"]; v != float64(saves+1) {
			t.Fatalf("restoring the current version made %v", v)
		}

		// The pages: history, one version, restore through the form.
		page := owner.Get(t, "/bots/"+bot.ID+"/code/versions").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Version 26") || !strings.Contains(page, `aria-label="Restore version 25"`) {
			t.Fatal("the history page lists versions with restore buttons")
		}
		page = owner.Get(t, "/bots/"+bot.ID+"/code/versions/4").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "logic[&#39;v&#39;] = () =&gt; 4;") {
			t.Fatalf("the version page shows the source")
		}
		res = owner.Post(t, "/bots/"+bot.ID+"/code/versions/4/restore", url.Values{}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/bots/"+bot.ID+"/code" {
			t.Fatalf("restore redirects to the editor: %v", res.Header)
		}
	})
}

func TestCodeTestPanel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "test_panel_bot")
		api := "/api/bots/" + bot.ID + "/code/test"

		// Before any code: the webhook's own answer, no_handler.
		d := owner.Post(t, api, map[string]any{"path": "hello"}).Expect(t, http.StatusOK).Data(t)
		if d["status"] != 400.0 || d["body"].(map[string]any)["error"].(map[string]any)["code"] != "no_handler" {
			t.Fatalf("no code: %v", d)
		}
		owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": helloCode}).Expect(t, http.StatusOK)

		d = owner.Post(t, api, map[string]any{"method": "PUT", "path": "hello", "query": map[string]string{"name": "Ann"}, "body": map[string]any{"x": 1}}).
			Expect(t, http.StatusOK).Data(t)
		body := d["body"].(map[string]any)
		if d["status"] != 200.0 || body["ok"] != true || body["data"].(map[string]any)["greeting"] != "Hello, Ann!" ||
			!reflect.DeepEqual(body["data"].(map[string]any)["body"], map[string]any{"x": 1.0}) {
			t.Fatalf("run: %v", d)
		}
		if h := d["headers"].(map[string]any); h["Content-Type"] != "application/json; charset=utf-8" || h["Cache-Control"] != "no-store" {
			t.Fatalf("headers: %v", h)
		}
		logs := d["logs"].([]any)
		if len(logs) != 1 || logs[0].(map[string]any)["message"] != "hello Ann" || d["durationMs"].(float64) <= 0 || d["error"] != nil {
			t.Fatalf("logs/duration: %v", d)
		}
		// The same console line is in the bot's log, as for a real request.
		if l := handlerLogs(t, owner, bot.ID, "info"); len(l) != 1 || !strings.Contains(l[0]["detail"].(string), "test run") {
			t.Fatalf("log: %v", l)
		}

		// Failures: the webhook's answer plus the error in full.
		d = owner.Post(t, api, map[string]any{"path": "fail"}).Expect(t, http.StatusOK).Data(t)
		e := d["error"].(map[string]any)
		if d["status"] != 500.0 || e["kind"] != "exception" || e["message"] != "Error: on purpose" || e["line"] != 6.0 || !strings.Contains(e["stack"].(string), "bot.js:6") {
			t.Fatalf("failure: %v", d)
		}
		for path, code := range map[string]string{"no/such": "invalid_path", "nope": "no_handler"} {
			d = owner.Post(t, api, map[string]any{"path": path}).Expect(t, http.StatusOK).Data(t)
			if d["body"].(map[string]any)["error"].(map[string]any)["code"] != code {
				t.Fatalf("%s: %v", path, d)
			}
		}
		owner.Post(t, api, map[string]any{"path": ""}).Expect(t, http.StatusUnprocessableEntity)
		owner.Post(t, api, map[string]any{"path": "hello", "method": "TRACE"}).Expect(t, http.StatusUnprocessableEntity)

		// A stopped bot: 403 as its webhook would.
		owner.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		if d = owner.Post(t, api, map[string]any{"path": "hello"}).Expect(t, http.StatusOK).Data(t); d["status"] != 403.0 {
			t.Fatalf("stopped: %v", d)
		}
		owner.Post(t, "/api/bots/"+bot.ID+"/start", nil).Expect(t, http.StatusOK)

		// The form: a query string and JSON text; htmx gets the outcome only.
		form := url.Values{"method": {"POST"}, "path": {"hello"}, "query": {"name=Bea"}, "body": {`{"y": 2}`}}
		frag := owner.Post(t, "/bots/"+bot.ID+"/code/test", form, "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, "200 OK") || !strings.Contains(frag, "Hello, Bea!") || strings.Contains(frag, "<html") {
			t.Fatalf("fragment: %s", frag)
		}
		page := owner.Post(t, "/bots/"+bot.ID+"/code/test", form).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "<html") || !strings.Contains(page, "Hello, Bea!") || !strings.Contains(page, `value="name=Bea"`) {
			t.Fatal("without JavaScript the page shows the result under the kept form")
		}
		form.Set("body", "{not json")
		frag = owner.Post(t, "/bots/"+bot.ID+"/code/test", form, "HX-Request", "true").Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(frag, "not valid JSON") {
			t.Fatalf("bad body: %s", frag)
		}
	})
}

func TestCodeEditorPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "editor_bot")
		base := "/bots/" + bot.ID + "/code"

		page := owner.Get(t, base).Expect(t, http.StatusOK).Text()
		for _, want := range []string{`id="code-source"`, "logic[&#39;hello&#39;]", "/static/editor.js?v=", `aria-current="page"`, "No code saved yet", "Test a handler"} {
			if !strings.Contains(page, want) {
				t.Errorf("editor page lacks %q", want)
			}
		}
		if strings.Contains(owner.Get(t, "/bots/"+bot.ID).Text(), "editor.js") {
			t.Error("CodeMirror loads only on the editor page")
		}

		// The plain form: a compile error re-renders with the source kept and the line.
		bad := "logic['a'] = () => {\n  return 1 +;\n};"
		res := owner.Post(t, base, url.Values{"source": {bad}, "baseVersion": {"0"}}).Expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text(), `data-line="2"`) || !strings.Contains(res.Text(), "Line 2, column") || !strings.Contains(res.Text(), "return 1 +;") {
			t.Fatal("the form shows the compile error at its line and keeps the source")
		}
		res = owner.Post(t, base, url.Values{"source": {helloCode}, "baseVersion": {"0"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != base {
			t.Fatalf("save redirects to the editor: %v", res.Header)
		}
		page = owner.Get(t, base).Text()
		for _, want := range []string{"Saved version 1.", "/custom/" + bot.ID + "/hello", "curl -X POST", `data-copy="#url-hello"`, "Version 1, saved"} {
			if !strings.Contains(page, want) {
				t.Errorf("after a save the page lacks %q", want)
			}
		}
		// The panels fragment, which the editor reloads after a save.
		frag := owner.Get(t, base, "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.HasPrefix(strings.TrimSpace(frag), `<div id="code-panels"`) || !strings.Contains(frag, "/custom/"+bot.ID+"/fail") {
			t.Fatalf("panels fragment: %.200s", frag)
		}
		// Recent handler errors appear beside the editor.
		call(t, env, "GET", "/custom/"+bot.ID+"/fail", "").Expect(t, http.StatusInternalServerError)
		if page = owner.Get(t, base).Text(); !strings.Contains(page, "Error: on purpose (line 6)") {
			t.Fatal("recent handler errors are listed")
		}
	})
}

func TestCodeRoutesAreOwned(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "owned_code_bot")
		owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": helloCode}).Expect(t, http.StatusOK)
		intruder := env.SignUp(t, "intruder@example.com")
		key := env.Client().WithAPIKey(intruder.NewAPIKey(t, "k"))
		for _, c := range []*apptest.Client{intruder, key} {
			c.Get(t, "/api/bots/"+bot.ID+"/code").Expect(t, http.StatusNotFound)
			c.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": "logic['x'] = () => 'owned';"}).Expect(t, http.StatusNotFound)
			c.Post(t, "/api/bots/"+bot.ID+"/code/test", map[string]any{"path": "hello"}).Expect(t, http.StatusNotFound)
			c.Get(t, "/api/bots/"+bot.ID+"/code/versions/1").Expect(t, http.StatusNotFound)
			c.Post(t, "/api/bots/"+bot.ID+"/code/versions/1/restore", nil).Expect(t, http.StatusNotFound)
		}
		if strings.Contains(intruder.Get(t, "/bots/"+bot.ID+"/code").Expect(t, http.StatusNotFound).Text(), "Hello") {
			t.Fatal("the page leaks the code")
		}
		if owner.Get(t, "/api/bots/"+bot.ID+"/code").Data(t)["version"] != 1.0 {
			t.Fatal("the intruder changed the code")
		}
		// Without a session the API is 401 and the page sends to sign-in.
		env.Client().Get(t, "/api/bots/"+bot.ID+"/code").Expect(t, http.StatusUnauthorized)
		env.Client().Get(t, "/bots/"+bot.ID+"/code").Expect(t, http.StatusSeeOther)
	})
}
