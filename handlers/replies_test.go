package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// replyByCommand finds a reply in a list by its command.
func replyByCommand(t *testing.T, list []any, cmd string) map[string]any {
	t.Helper()
	for _, x := range list {
		r := x.(map[string]any)
		if tr := r["trigger"].(map[string]any); tr["command"] == cmd {
			return r
		}
	}
	t.Fatalf("no /%s reply in %v", cmd, list)
	return nil
}

func menuOf(env *apptest.Env, bot apptest.Bot) []string {
	var out []string
	for _, c := range env.Telegram.Commands(bot.Fake.Token) {
		out = append(out, c.Command+":"+c.Description)
	}
	return out
}

func TestRepliesCRUDOrderAndMenu(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "replies_bot")
		api := "/api/bots/" + bot.ID + "/replies"

		// A new bot starts with /start (with a button to /help) and /help,
		// both in its menu.
		list := owner.Get(t, api).Expect(t, http.StatusOK).List(t)
		if len(list) != 2 {
			t.Fatalf("starters: %v", list)
		}
		start, help := replyByCommand(t, list, "start"), replyByCommand(t, list, "help")
		if list[0].(map[string]any)["id"] != start["id"] || start["uses"] != 0.0 || start["lastUsedAt"] != nil {
			t.Fatalf("starter order or usage: %v", list)
		}
		if got := strings.Join(menuOf(env, bot), ","); got != "start:Start the bot,help:What this bot can do" {
			t.Fatalf("menu after connect: %q", got)
		}

		// Create a command reply with a button to /help, shown in the menu.
		body := map[string]any{
			"trigger": map[string]any{"kind": "command", "command": "/Price"}, "text": "It costs <b>5</b>, {first_name}.",
			"parseMode": "HTML", "buttons": [][]map[string]any{{{"text": "Help", "reply": help["id"]}, {"text": "Site", "url": "https://example.com"}}},
			"showInMenu": true, "description": "Prices",
		}
		res := owner.Post(t, api, body).Expect(t, http.StatusCreated)
		price := res.Data(t)
		if price["trigger"].(map[string]any)["command"] != "price" || price["enabled"] != true || !strings.HasPrefix(price["id"].(string), "rpl_") {
			t.Fatalf("created: %v", price)
		}
		if m := res.JSON(t)["menu"].(map[string]any); m["changed"] != true || m["published"] != true {
			t.Fatalf("menu: %v", m)
		}
		if got := menuOf(env, bot); len(got) != 3 || got[2] != "price:Prices" {
			t.Fatalf("menu after create: %v", got)
		}
		priceAPI := api + "/" + price["id"].(string)
		if got := owner.Get(t, priceAPI).Expect(t, http.StatusOK).Data(t); got["text"] != body["text"] {
			t.Fatalf("get: %v", got)
		}

		// The same command again: 409 trigger_taken.
		if c := owner.Post(t, api, body).Expect(t, http.StatusConflict).ErrorCode(t); c != "trigger_taken" {
			t.Fatalf("duplicate command: %s", c)
		}
		// Invalid replies: 422 with field paths; nothing saved.
		bad := map[string]any{"trigger": map[string]any{"kind": "keyword", "keywords": []string{"hi"}}, "text": "<b>open",
			"parseMode": "HTML", "buttons": [][]map[string]any{{{"text": "Go", "reply": "rpl_nope"}}}}
		f := owner.Post(t, api, bad).Expect(t, http.StatusUnprocessableEntity).Fields(t)
		if f["buttons[0][0].reply"] == nil || f["text"] == nil {
			t.Fatalf("invalid reply fields: %v", f)
		}
		res = owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": "?", "colour": "red"}).Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorCode(t) != "unknown_field" || res.Fields(t)["colour"] == nil {
			t.Fatalf("unknown field: %s", res.Body)
		}
		owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": 5}).Expect(t, http.StatusBadRequest)
		// Oversize: a text past the reply's limit is a 422 naming it; a body past
		// the server's is a 413.
		if f := owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": strings.Repeat("a", 40<<10)}).
			Expect(t, http.StatusUnprocessableEntity).Fields(t); f["text"] == nil {
			t.Fatalf("long text: %v", f)
		}
		owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": strings.Repeat("a", 2<<20)}).Expect(t, http.StatusRequestEntityTooLarge)
		many := make([][]map[string]any, 20)
		for i := range many {
			many[i] = []map[string]any{}
			for range 6 {
				many[i] = append(many[i], map[string]any{"text": "b", "url": "https://example.com"})
			}
		}
		if f := owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": "x", "buttons": many}).
			Expect(t, http.StatusUnprocessableEntity).Fields(t); f["buttons"] == nil {
			t.Fatalf("120 buttons: %v", f)
		}
		if n := len(owner.Get(t, api).List(t)); n != 3 {
			t.Fatalf("failed creates saved something: %d replies", n)
		}

		// PATCH changes what it names; sending a GET's answer back is fine;
		// null removes buttons. Leaving the menu publishes it again.
		got := owner.Patch(t, priceAPI, map[string]any{"text": "Now {first_name}", "parseMode": nil, "buttons": nil, "showInMenu": false}).Expect(t, http.StatusOK)
		if d := got.Data(t); d["text"] != "Now {first_name}" || d["buttons"] != nil || d["parseMode"] != nil || d["trigger"].(map[string]any)["command"] != "price" {
			t.Fatalf("patch: %v", d)
		}
		if len(menuOf(env, bot)) != 2 {
			t.Fatalf("menu after leaving it: %v", menuOf(env, bot))
		}
		round := owner.Get(t, priceAPI).Data(t)
		round["enabled"] = false
		if d := owner.Patch(t, priceAPI, round).Expect(t, http.StatusOK).Data(t); d["enabled"] != false {
			t.Fatalf("patch with a GET's body: %v", d)
		}
		owner.Patch(t, priceAPI, map[string]any{"trigger": map[string]any{"kind": "command", "command": "help"}}).Expect(t, http.StatusConflict)

		// Order: every id once; a missing or repeated id is a 422.
		ids := []string{price["id"].(string), help["id"].(string), start["id"].(string)}
		list = owner.Post(t, api+"/order", map[string]any{"ids": ids}).Expect(t, http.StatusOK).List(t)
		for i, x := range list {
			if x.(map[string]any)["id"] != ids[i] {
				t.Fatalf("order: %v", list)
			}
		}
		if got := menuOf(env, bot); len(got) != 2 || got[0] != "help:What this bot can do" {
			t.Fatalf("menu follows the order: %v", got)
		}
		owner.Post(t, api+"/order", map[string]any{"ids": ids[:2]}).Expect(t, http.StatusUnprocessableEntity)
		owner.Post(t, api+"/order", map[string]any{"ids": []string{ids[0], ids[0], ids[1]}}).Expect(t, http.StatusUnprocessableEntity)

		// Delete: /help is /start's button target (409); /price goes.
		if c := owner.Delete(t, api+"/"+help["id"].(string)).Expect(t, http.StatusConflict).ErrorCode(t); c != "reply_in_use" {
			t.Fatalf("delete a target: %s", c)
		}
		owner.Delete(t, priceAPI).Expect(t, http.StatusOK)
		owner.Get(t, priceAPI).Expect(t, http.StatusNotFound)
		owner.Get(t, api+"/not-an-id").Expect(t, http.StatusNotFound)
	})
}

func TestRepliesMenuFailureKeepsTheReply(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "menu_bot")
		if err := env.Telegram.Fail(bot.Fake.Token, "setMyCommands", telegramtest.FailSpec{Code: 400, Description: "Bad Request: BOT_COMMANDS_TOO_MUCH"}); err != nil {
			t.Fatal(err)
		}
		res := owner.Post(t, "/api/bots/"+bot.ID+"/replies", map[string]any{"trigger": map[string]any{"kind": "command", "command": "shop"},
			"text": "Shop", "showInMenu": true, "description": "Shop"}).Expect(t, http.StatusCreated)
		m := res.JSON(t)["menu"].(map[string]any)
		if m["published"] != false || !strings.Contains(m["error"].(string), "BOT_COMMANDS_TOO_MUCH") {
			t.Fatalf("menu failure: %v", m)
		}
		if n := len(owner.Get(t, "/api/bots/"+bot.ID+"/replies").List(t)); n != 3 {
			t.Fatalf("the reply was not kept: %d", n)
		}
	})
}

func TestRepliesTry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "try_bot")
		api := "/api/bots/" + bot.ID + "/replies"
		calls := env.Telegram.CallCount(bot.Fake.Token, "sendMessage")

		d := owner.Post(t, api+"/try", map[string]any{"text": "/start"}).Expect(t, http.StatusOK).Data(t)
		msgs := d["messages"].([]any)
		if d["by"] != "command" || d["matched"] == nil || len(msgs) != 1 {
			t.Fatalf("try /start: %v", d)
		}
		m := msgs[0].(map[string]any)
		if !strings.Contains(m["text"].(string), "Hello, Alex!") || !strings.Contains(m["text"].(string), "@try_bot") || m["parseMode"] != "HTML" {
			t.Fatalf("start message: %v", m)
		}
		btn := m["buttons"].([]any)[0].([]any)[0].(map[string]any)
		d = owner.Post(t, api+"/try", map[string]any{"callbackData": btn["callbackData"]}).Expect(t, http.StatusOK).Data(t)
		if d["by"] != "button" || d["answerCallback"] != true || d["matched"] != btn["reply"] {
			t.Fatalf("press: %v", d)
		}
		if d := owner.Post(t, api+"/try", map[string]any{"text": "hello there"}).Expect(t, http.StatusOK).Data(t); d["by"] != "nothing" || d["matched"] != nil {
			t.Fatalf("no match: %v", d)
		}

		// An ask, followed with awaiting.
		owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "keyword", "keywords": []string{"subscribe"}},
			"text": "Your email?", "ask": map[string]any{"property": "email", "kind": "email"}}).Expect(t, http.StatusCreated)
		d = owner.Post(t, api+"/try", map[string]any{"text": "I want to subscribe"}).Expect(t, http.StatusOK).Data(t)
		if d["awaiting"] == nil {
			t.Fatalf("ask: %v", d)
		}
		d = owner.Post(t, api+"/try", map[string]any{"text": "not an email", "awaiting": d["awaiting"]}).Expect(t, http.StatusOK).Data(t)
		if d["by"] != "invalid" || d["awaiting"] == nil {
			t.Fatalf("invalid answer: %v", d)
		}
		d = owner.Post(t, api+"/try", map[string]any{"text": "Ann@Example.COM", "awaiting": d["awaiting"]}).Expect(t, http.StatusOK).Data(t)
		acts := d["actions"].([]any)
		if d["by"] != "answer" || d["awaiting"] != nil || len(acts) != 1 || acts[0].(map[string]any)["value"] != "Ann@example.com" {
			t.Fatalf("answer: %v", d)
		}

		owner.Post(t, api+"/try", map[string]any{}).Expect(t, http.StatusUnprocessableEntity)
		if c := owner.Post(t, api+"/try", map[string]any{"text": "/start", "chat": 1}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); c != "unknown_field" {
			t.Fatalf("try with an unknown field: %s", c)
		}
		if c := owner.Post(t, api+"/order", map[string]any{"ids": []string{}, "sort": "x"}).Expect(t, http.StatusUnprocessableEntity).ErrorCode(t); c != "unknown_field" {
			t.Fatalf("order with an unknown field: %s", c)
		}
		owner.Post(t, api+"/try", map[string]any{"text": "/start", "userId": 999}).Expect(t, http.StatusNotFound)
		if n := env.Telegram.CallCount(bot.Fake.Token, "sendMessage"); n != calls {
			t.Fatalf("try reached Telegram: %d sendMessage calls", n-calls)
		}
	})
}

func TestRepliesOfAnotherAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		other := env.SignUp(t, "other@example.com")
		bot := env.ConnectBot(t, owner, "mine_bot")
		theirs := env.ConnectBot(t, other, "theirs_bot")
		api := "/api/bots/" + bot.ID + "/replies"
		rid := owner.Get(t, api).List(t)[0].(map[string]any)["id"].(string)
		theirRID := other.Get(t, "/api/bots/"+theirs.ID+"/replies").List(t)[0].(map[string]any)["id"].(string)

		reply := map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": "x"}
		other.Get(t, api).Expect(t, http.StatusNotFound)
		other.Post(t, api, reply).Expect(t, http.StatusNotFound)
		other.Get(t, api+"/"+rid).Expect(t, http.StatusNotFound)
		other.Patch(t, api+"/"+rid, map[string]any{"text": "hacked"}).Expect(t, http.StatusNotFound)
		other.Delete(t, api+"/"+rid).Expect(t, http.StatusNotFound)
		other.Post(t, api+"/order", map[string]any{"ids": []string{rid}}).Expect(t, http.StatusNotFound)
		other.Post(t, api+"/try", map[string]any{"text": "/start"}).Expect(t, http.StatusNotFound)
		other.Get(t, "/api/bots/"+bot.ID+"/sources").Expect(t, http.StatusNotFound)
		// Another bot's reply under one's own bot is not found either, nor
		// may a button go to it.
		owner.Get(t, api+"/"+theirRID).Expect(t, http.StatusNotFound)
		owner.Patch(t, api+"/"+theirRID, map[string]any{"text": "x"}).Expect(t, http.StatusNotFound)
		f := owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "fallback"}, "text": "x",
			"buttons": [][]map[string]any{{{"text": "Go", "reply": theirRID}}}}).Expect(t, http.StatusUnprocessableEntity).Fields(t)
		if f["buttons[0][0].reply"] == nil {
			t.Fatalf("button to another bot's reply: %v", f)
		}
		if got := owner.Get(t, api+"/"+rid).Data(t)["text"]; got == "hacked" {
			t.Fatal("another account changed the reply")
		}
	})
}

// upload sends data as the multipart part "file".
func upload(t *testing.T, c *apptest.Client, name string, data []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return c.Do(t, http.MethodPost, "/api/uploads", buf.Bytes(), "Content-Type", mw.FormDataContentType())
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

func TestUploadsAndReplyMedia(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		other := env.SignUp(t, "other@example.com")
		bot := env.ConnectBot(t, owner, "media_bot")
		api := "/api/bots/" + bot.ID + "/replies"

		img := upload(t, owner, "../../cat.png", pngBytes).Expect(t, http.StatusCreated).Data(t)
		if img["contentType"] != "image/png" || img["name"] != "cat.png" || img["size"] != float64(len(pngBytes)) {
			t.Fatalf("upload: %v", img)
		}
		pdf := upload(t, owner, "menu.pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n")).Expect(t, http.StatusCreated).Data(t)
		if pdf["contentType"] != "application/pdf" {
			t.Fatalf("pdf: %v", pdf)
		}
		theirs := upload(t, other, "x.png", pngBytes).Expect(t, http.StatusCreated).Data(t)

		// Wrong type, too large, not multipart, no file part.
		if c := upload(t, owner, "a.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")).Expect(t, http.StatusUnsupportedMediaType).ErrorCode(t); c != "unsupported_upload_type" {
			t.Fatalf("wrong type: %s", c)
		}
		big := append(append([]byte(nil), pngBytes...), make([]byte, 10<<20)...)
		upload(t, owner, "big.png", big).Expect(t, http.StatusRequestEntityTooLarge)
		owner.Post(t, "/api/uploads", map[string]any{"file": "x"}).Expect(t, http.StatusUnsupportedMediaType)

		// A reply with the photo; another account's upload or a PDF as a
		// photo is refused.
		mk := func(field, id string) map[string]any {
			return map[string]any{"trigger": map[string]any{"kind": "keyword", "keywords": []string{field + id[len(id)-4:]}}, "text": "Look", field: id}
		}
		owner.Post(t, api, mk("photo", img["id"].(string))).Expect(t, http.StatusCreated)
		owner.Post(t, api, mk("document", pdf["id"].(string))).Expect(t, http.StatusCreated)
		if f := owner.Post(t, api, mk("photo", theirs["id"].(string))).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["photo"] == nil {
			t.Fatalf("another account's upload: %v", f)
		}
		if f := owner.Post(t, api, mk("photo", pdf["id"].(string))).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["photo"] == nil {
			t.Fatalf("a PDF as a photo: %v", f)
		}
		// The simulator shows the photo at an address only its owner can read.
		d := owner.Post(t, api+"/try", map[string]any{"text": "photo" + img["id"].(string)[len(img["id"].(string))-4:]}).Expect(t, http.StatusOK).Data(t)
		photoURL := d["messages"].([]any)[0].(map[string]any)["photoUrl"].(string)
		res := owner.Get(t, photoURL).Expect(t, http.StatusOK)
		if !bytes.Equal(res.Body, pngBytes) || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("photo: %q %s", res.Header.Get("Content-Type"), truncateBody(res.Body))
		}
		other.Get(t, photoURL).Expect(t, http.StatusNotFound)

		owner.Get(t, "/api/bots/"+bot.ID+"/sources?days=0").Expect(t, http.StatusUnprocessableEntity)
		if l := owner.Get(t, "/api/bots/"+bot.ID+"/sources?days=7").Expect(t, http.StatusOK).List(t); len(l) != 0 {
			t.Fatalf("sources: %v", l)
		}
	})
}

func truncateBody(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return string(b)
}

func TestRepliesPatchReplacesWholeFields(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "patch_bot")
		api := "/api/bots/" + bot.ID + "/replies"
		d := owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "command", "command": "join"}, "text": "Email?",
			"ask":     map[string]any{"property": "email", "kind": "email", "invalid": "Not an email"},
			"actions": []map[string]any{{"tag": "add", "name": "lead"}}}).Expect(t, http.StatusCreated).Data(t)
		one := api + "/" + d["id"].(string)
		// A new trigger, ask and action list replace the old ones whole:
		// nothing of the command, the invalid text or the tag remains.
		d = owner.Patch(t, one, map[string]any{"trigger": map[string]any{"kind": "keyword", "keywords": []string{"join"}},
			"ask":     map[string]any{"property": "phone", "kind": "phone"},
			"actions": []map[string]any{{"set": "joined", "value": true}}}).Expect(t, http.StatusOK).Data(t)
		tr, ask, acts := d["trigger"].(map[string]any), d["ask"].(map[string]any), d["actions"].([]any)
		if tr["command"] != nil || ask["invalid"] != nil || len(acts) != 1 || acts[0].(map[string]any)["tag"] != nil || d["text"] != "Email?" {
			t.Fatalf("patched: %v", d)
		}
		// null removes the ask.
		if d := owner.Patch(t, one, map[string]any{"ask": nil}).Expect(t, http.StatusOK).Data(t); d["ask"] != nil {
			t.Fatalf("ask removed: %v", d)
		}
	})
}

func TestConcurrentSavesOfOneCommand(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "race_bot")
		api := "/api/bots/" + bot.ID + "/replies"
		const n = 4
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- owner.Post(t, api, map[string]any{"trigger": map[string]any{"kind": "command", "command": "same"}, "text": "x"}).StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		if got[http.StatusCreated] != 1 || got[http.StatusConflict] != n-1 {
			t.Fatalf("statuses: %v; want one 201 and %d 409", got, n-1)
		}
	})
}
