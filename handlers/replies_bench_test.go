package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// BenchmarkReplies measures the Replies tab's routes for a bot with 500
// keyword replies (plus the two starters), through the whole middleware
// chain in-process, on each dialect, next to GET /healthz with the same
// session measured in the same run. try loads and compiles the bot's whole
// set on every request; patch validates against all of them, saves in one
// transaction and publishes no menu (the reply is not in it). Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench Replies -benchtime 100x ./handlers/
func BenchmarkReplies(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		env := apptest.Start(b, d)
		owner := env.SignUp(b, "bench@example.com")
		bot := env.ConnectBot(b, owner, "bench_replies_bot")
		var last string
		for i := range 500 {
			r := replies.NewReply()
			r.ID = models.NewID(models.ReplyIDPrefix)
			r.Trigger = replies.Trigger{Kind: replies.TriggerKeyword, Keywords: []string{fmt.Sprintf("product %d", i), fmt.Sprintf("item%d", i)}}
			r.Text, r.Mode = fmt.Sprintf("<b>Product %d</b> costs %d coins, {first_name}.", i, i), replies.ModeHTML
			r.Buttons = [][]replies.Button{{{Text: "Shop", URL: "https://example.com/p"}}}
			if err := models.InsertReply(context.Background(), env.App.DB, &models.Reply{BotID: bot.ID, Spec: r}); err != nil {
				b.Fatal(err)
			}
			last = r.ID
		}
		cookies := owner.Cookies()
		h := env.App.Handler()
		run := func(name, method, path, body string, hx bool) {
			b.Run(string(d)+"/"+name, func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
					if body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					for _, c := range cookies {
						req.AddCookie(c)
					}
					if hx {
						req.Header.Set("HX-Request", "true")
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
					}
				}
			})
		}
		api := "/api/bots/" + bot.ID + "/replies"
		run("baseline/healthz", http.MethodGet, "/healthz", "", false)
		run("api/list", http.MethodGet, api, "", false)
		run("page/list", http.MethodGet, "/bots/"+bot.ID+"/replies", "", false)
		run("api/try-keyword", http.MethodPost, api+"/try", `{"text":"how much is item499 today?"}`, false)
		run("api/try-nothing", http.MethodPost, api+"/try", `{"text":"nothing matches this"}`, false)
		run("api/patch-text", http.MethodPatch, api+"/"+last, `{"text":"<b>Product</b> costs a few coins, {first_name}."}`, false)
		env.Server.Close()
	}
}
