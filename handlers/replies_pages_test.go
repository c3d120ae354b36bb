package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

func TestRepliesPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "pages_bot")
		base := "/bots/" + bot.ID + "/replies"
		api := "/api/bots/" + bot.ID + "/replies"

		page := owner.Get(t, base).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"/start", "/help", "Try it", "Move /start down", `aria-current="page"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("list page lacks %q", want)
			}
		}
		owner.Get(t, base+"/new").Expect(t, http.StatusOK)
		help := owner.Get(t, api).List(t)[1].(map[string]any)

		// The editor's form: a command with a button to /help.
		form := url.Values{"kind": {"command"}, "command": {"/price"}, "text": {"<b>5</b> coins"}, "parseMode": {"HTML"},
			"btn[0].text": {"Help"}, "btn[0].reply": {help["id"].(string)}, "btn[0].row": {"1"},
			"btn[1].text": {"Site"}, "btn[1].url": {"https://example.com"}, "btn[1].row": {"1"},
			"act[0].op": {"tag_add"}, "act[0].name": {"buyer"},
			"showInMenu": {"true"}, "description": {"Prices"}, "enabled": {"true"}}
		res := owner.Post(t, base, form).Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != base {
			t.Fatalf("after create: %q", loc)
		}
		list := owner.Get(t, api).List(t)
		price := replyByCommand(t, list, "price")
		if b := price["buttons"].([]any); len(b) != 1 || len(b[0].([]any)) != 2 || price["actions"] == nil {
			t.Fatalf("created from the form: %v", price)
		}

		// A bad form comes back with the input kept and per-field errors.
		bad := url.Values{"kind": {"command"}, "command": {"/price"}, "text": {"<b>open"}, "parseMode": {"HTML"},
			"btn[0].text": {"Bad"}, "btn[0].url": {"ftp://x"}, "btn[0].row": {"1"}, "enabled": {"true"}}
		html := owner.Post(t, base, bad).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(html, "&lt;b&gt;open") || !strings.Contains(html, "Button 1:") || !strings.Contains(html, `aria-invalid="true"`) {
			t.Fatalf("form errors: %s", truncateBody([]byte(html)))
		}

		// Move /price up, turn it off, edit it, delete it.
		pid := price["id"].(string)
		owner.Post(t, base+"/order", url.Values{"reply": {pid}, "move": {"up"}}).Expect(t, http.StatusSeeOther)
		if list := owner.Get(t, api).List(t); list[1].(map[string]any)["id"] != pid {
			t.Fatalf("moved up: %v", list)
		}
		owner.Post(t, base+"/"+pid+"/enabled", url.Values{"only": {"enabled"}}).Expect(t, http.StatusSeeOther)
		if got := owner.Get(t, api+"/"+pid).Data(t); got["enabled"] != false || got["text"] != "<b>5</b> coins" {
			t.Fatalf("turned off: %v", got)
		}
		editor := owner.Get(t, base+"/"+pid).Expect(t, http.StatusOK).Text()
		if !strings.Contains(editor, "/price") || !strings.Contains(editor, "coins") {
			t.Fatalf("editor: %s", editor)
		}
		form.Set("text", "Now <i>6</i>")
		owner.Post(t, base+"/"+pid, form).Expect(t, http.StatusSeeOther)
		if got := owner.Get(t, api+"/"+pid).Data(t); got["text"] != "Now <i>6</i>" || got["enabled"] != true {
			t.Fatalf("edited: %v", got)
		}

		// The preview and the simulator, as htmx fragments and without JS.
		frag := owner.Post(t, base+"/preview", url.Values{"text": {"Hi {first_name}"}, "parseMode": {"HTML"}}, "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, "Hi Alex") {
			t.Fatalf("preview: %s", frag)
		}
		frag = owner.Post(t, base+"/try", url.Values{"text": {"/start"}}, "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, "Hello, Alex!") || !strings.Contains(frag, `name="callbackData"`) || !strings.Contains(frag, "hx-swap-oob") {
			t.Fatalf("try fragment: %s", frag)
		}
		frag = owner.Post(t, base+"/try", url.Values{"text": {""}}, "HX-Request", "true").Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(frag, `role="alert"`) || strings.Contains(frag, "<main") {
			t.Fatalf("try error fragment: %s", truncateBody([]byte(frag)))
		}
		page = owner.Post(t, base+"/try", url.Values{"text": {"/price"}}).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Now <em>6</em>") {
			t.Fatalf("try without JS: %s", truncateBody([]byte(page)))
		}

		owner.Post(t, base+"/"+pid+"/delete", url.Values{}).Expect(t, http.StatusSeeOther)
		owner.Get(t, api+"/"+pid).Expect(t, http.StatusNotFound)

		// Another account sees none of it.
		other := env.SignUp(t, "other@example.com")
		other.Get(t, base).Expect(t, http.StatusNotFound)
		other.Get(t, base+"/new").Expect(t, http.StatusNotFound)
		other.Post(t, base+"/preview", url.Values{"text": {"x"}}).Expect(t, http.StatusNotFound)
	})
}

// postMultipart sends fields and a file as the editor's multipart form.
func postMultipart(t *testing.T, c *apptest.Client, path string, fields url.Values, fileName string, data []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return c.Do(t, http.MethodPost, path, buf.Bytes(), "Content-Type", mw.FormDataContentType())
}

func TestReplyEditorUploads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "editor_upload_bot")
		base := "/bots/" + bot.ID + "/replies"
		api := "/api/bots/" + bot.ID + "/replies"

		// An error elsewhere in the form keeps the stored photo for the next try.
		form := url.Values{"kind": {"keyword"}, "keywords": {"menu"}, "text": {"<b>Our menu"}, "parseMode": {"HTML"}, "media": {"photo"}, "enabled": {"true"}}
		html := postMultipart(t, owner, base, form, "menu.png", pngBytes).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(html, `name="upload" value="upl_`) || !strings.Contains(html, "menu.png") {
			t.Fatalf("the photo was not kept: %s", truncateBody([]byte(html)))
		}
		i := strings.Index(html, `name="upload" value="`) + len(`name="upload" value="`)
		uploadID := html[i : i+28]

		form.Set("text", "<b>Our menu</b>")
		form.Set("upload", uploadID)
		owner.Post(t, base, form).Expect(t, http.StatusSeeOther)
		list := owner.Get(t, api).List(t)
		last := list[len(list)-1].(map[string]any)
		if last["photo"] != uploadID {
			t.Fatalf("reply photo: %v (want %s)", last, uploadID)
		}
		// The editor shows it, with the text as its caption, in the preview.
		editor := owner.Get(t, base+"/"+last["id"].(string)).Expect(t, http.StatusOK).Text()
		if !strings.Contains(editor, `<img src="/uploads/`+uploadID+`"`) {
			t.Fatalf("preview without the photo: %s", truncateBody([]byte(editor)))
		}

		// A file too large for the editor is a 413; a wrong type a 422 on the form.
		big := append(append([]byte(nil), pngBytes...), make([]byte, 10<<20)...)
		form.Set("keywords", "big")
		postMultipart(t, owner, base, form, "big.png", big).Expect(t, http.StatusRequestEntityTooLarge)
		form.Set("keywords", "exe")
		html = postMultipart(t, owner, base, form, "a.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(html, "neither an image nor a supported document") {
			t.Fatalf("wrong type on the form: %s", truncateBody([]byte(html)))
		}
	})
}
