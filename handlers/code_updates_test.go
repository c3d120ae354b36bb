package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/replies"
)

const updateCode = `let starts = 0;
bot.command('start', async (ctx) => {
  starts++;
  console.log('start', ctx.args);
  await ctx.user.set('source', ctx.args || null);
  await ctx.user.tag('started');
  await ctx.reply('Hi ' + ctx.from.first_name + ' (' + starts + ')', { parse_mode: 'HTML' });
});
bot.hears('price', (ctx) => ctx.reply('10 EUR'));
bot.callback('buy', async (ctx) => { await ctx.answer('Added'); await ctx.db.operation.insertOne('orders', { user: ctx.from.id }); });
bot.on('chat_member', (ctx) => ctx.reply('welcome'));
bot.command('boom', (ctx) => {
  throw new Error('on purpose');
});
logic['orders'] = async (q, b, db) => db.operation.count('orders', {});
`

func TestSimulateUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "upd_bot")
		api := "/api/bots/" + bot.ID + "/code"

		d := owner.Put(t, api, map[string]any{"source": updateCode}).Expect(t, http.StatusOK).Data(t)
		want := []any{"command /start", `hears "price"`, `callback "buy"`, "on chat_member", "command /boom"}
		if !reflect.DeepEqual(d["updateHandlers"], want) || !reflect.DeepEqual(d["handlers"], []any{"orders"}) {
			t.Fatalf("save: %v", d)
		}
		if got := owner.Get(t, api).Data(t)["updateHandlers"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("get: %v", got)
		}

		simulate := func(update map[string]any) map[string]any {
			t.Helper()
			return owner.Post(t, api+"/test", map[string]any{"update": update}).Expect(t, http.StatusOK).Data(t)
		}
		from := map[string]any{"id": 42, "first_name": "Ann"}
		chat := map[string]any{"id": 42, "type": "private"}
		msg := func(text string) map[string]any {
			return map[string]any{"update_id": 1, "message": map[string]any{"message_id": 1, "date": 1, "from": from, "chat": chat, "text": text}}
		}

		// A command: its messages and ctx.user changes, nothing sent to Telegram.
		r := simulate(msg("/start promo"))
		if r["handled"] != true || r["handler"] != "command /start" || r["error"] != nil {
			t.Fatalf("start: %v", r)
		}
		b, _ := json.Marshal([]any{r["messages"], r["actions"]})
		if string(b) != `[[{"chatId":42,"method":"sendMessage","params":{"chat_id":42,"parse_mode":"HTML","text":"Hi Ann (1)"}}],[{"name":"source","op":"set","value":"promo"},{"name":"started","op":"tag"}]]` {
			t.Fatalf("start: %s", b)
		}
		if logs := r["logs"].([]any); len(logs) != 1 || logs[0].(map[string]any)["message"] != "start promo" {
			t.Fatalf("logs: %v", r["logs"])
		}
		// Top-level state persists between calls of the bot.
		r = simulate(msg("/start"))
		if got := r["messages"].([]any)[0].(map[string]any)["params"].(map[string]any)["text"]; got != "Hi Ann (2)" {
			t.Fatalf("second start: %v", got)
		}
		if calls := env.Telegram.Calls(bot.Fake.Token); calls["sendMessage"] != 0 || calls["answerCallbackQuery"] != 0 {
			t.Fatalf("the simulation called Telegram: %v", calls)
		}
		// hears: a whole word, any case; no handler for other text.
		if r = simulate(msg("What is the PRICE?")); r["handler"] != `hears "price"` {
			t.Fatalf("hears: %v", r)
		}
		if r = simulate(msg("priceless")); r["handled"] != false || r["handler"] != nil || len(r["messages"].([]any)) != 0 {
			t.Fatalf("no handler: %v", r)
		}
		// A button press: the answer is queued; the document is written.
		press := map[string]any{"update_id": 2, "callback_query": map[string]any{"id": "77", "from": from, "chat_instance": "1", "data": "buy",
			"message": map[string]any{"message_id": 1, "date": 1, "chat": chat}}}
		r = simulate(press)
		if m := r["messages"].([]any); len(m) != 1 || m[0].(map[string]any)["method"] != "answerCallbackQuery" {
			t.Fatalf("button: %v", r)
		}
		if n := call(t, env, "GET", "/custom/"+bot.ID+"/orders", "").Expect(t, http.StatusOK).JSON(t)["data"]; n != 1.0 {
			t.Fatalf("orders: %v", n)
		}
		// A handler error: its line, nothing sent, and an entry in the bot's log.
		r = simulate(msg("/boom"))
		e, _ := r["error"].(map[string]any)
		if e == nil || e["kind"] != "exception" || e["line"] != 13.0 || len(r["messages"].([]any)) != 0 {
			t.Fatalf("boom: %v", r)
		}
		logs := owner.Get(t, "/api/bots/"+bot.ID+"/logs?level=error").Expect(t, http.StatusOK).Body
		if b := logs; !strings.Contains(string(b), "on purpose (line 13)") {
			t.Fatalf("log: %s", b)
		}

		// Bad input: not an object, or neither path nor update.
		owner.Post(t, api+"/test", map[string]any{"update": "x"}).Expect(t, http.StatusUnprocessableEntity)
		owner.Post(t, api+"/test", map[string]any{}).Expect(t, http.StatusUnprocessableEntity)

		// The page's form: a template.
		page := owner.Post(t, "/bots/"+bot.ID+"/code/test", url.Values{"template": {"join"}}).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "on chat_member took the update") || !strings.Contains(page, "welcome") {
			t.Fatalf("page: %s", page)
		}

		// Another account's bot is a 404, whatever the body.
		other := env.SignUp(t, "other@example.com")
		other.Post(t, api+"/test", map[string]any{"update": msg("/start")}).Expect(t, http.StatusNotFound)
	})
}

func TestCodeRunUpdateSeam(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		a := env.ConnectBot(t, owner, "seam_a")
		b := env.ConnectBot(t, owner, "seam_b")
		src := "let n = 0;\nbot.command('count', (ctx) => ctx.reply(String(++n)));\nbot.hears(/^go (\\w+)$/, (ctx) => ctx.reply(ctx.match[1]));"
		owner.Put(t, "/api/bots/"+a.ID+"/code", map[string]any{"source": src}).Expect(t, http.StatusOK)
		owner.Put(t, "/api/bots/"+b.ID+"/code", map[string]any{"source": src}).Expect(t, http.StatusOK)
		code := env.App.Code
		ctx := context.Background()
		upd := func(text string) *core.CodeUpdate {
			u, err := core.ParseCodeUpdate([]byte(fmt.Sprintf(`{"update_id":9,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":%q}}`, text)))
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		for text, want := range map[string]bool{"/count": true, "/count@seam_a": true, "/count@someone_else": false, "go north": true, "hello": false} {
			got, err := code.WantsUpdate(ctx, a.ID, upd(text))
			if err != nil || got != want {
				t.Fatalf("WantsUpdate(%q) = %v, %v", text, got, err)
			}
		}
		run := func(botID, text string) *core.UpdateRun {
			t.Helper()
			r, err := code.RunUpdate(ctx, botID, upd(text), &jsrt.UpdateUser{ID: 5})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// State persists within a bot (one instance per runtime: the counts only grow), never across bots.
		last := 0.0
		for i := 0; i < 5; i++ {
			r := run(a.ID, "/count")
			var n float64
			fmt.Sscan(r.Sends[0].Params["text"].(string), &n)
			if !r.Handled || r.Sends[0].Method != "sendMessage" || r.Sends[0].ChatID != 5.0 || n < 1 {
				t.Fatalf("run: %+v", r)
			}
			last = max(last, n)
		}
		if last < 2 {
			t.Fatalf("state did not persist: %v", last)
		}
		if r := run(b.ID, "/count"); r.Sends[0].Params["text"] != "1" {
			t.Fatalf("bot b saw bot a's state: %v", r.Sends[0].Params)
		}
		if r := run(a.ID, "go west"); r.Sends[0].Params["text"] != "west" {
			t.Fatalf("regexp: %+v", r)
		}
		if r := run(a.ID, "hello"); r.Handled || len(r.Sends) != 0 {
			t.Fatalf("no handler: %+v", r)
		}
		// A stopped bot's code takes no updates.
		owner.Post(t, "/api/bots/"+a.ID+"/stop", nil).Expect(t, http.StatusOK)
		if got, err := code.WantsUpdate(ctx, a.ID, upd("/count")); err != nil || got {
			t.Fatalf("stopped: %v %v", got, err)
		}
	})
}

// BenchmarkCodeRunUpdate runs a bot's update handler (bot.on('message')
// answering with ctx.reply) through core.Code.RunUpdate, as the update
// pipeline's hook will, on each dialect: updates/s of the code step alone
// (parse, match, run, collect the send), without the pipeline or the
// outbox. Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench CodeRunUpdate -benchtime 3s ./handlers/
func BenchmarkCodeRunUpdate(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.Start(b, d)
			owner := env.SignUp(b, "bench@example.com")
			bot := env.ConnectBot(b, owner, "bench_upd_bot")
			owner.Put(b, "/api/bots/"+bot.ID+"/code", map[string]any{"source": "bot.on('message', (ctx) => ctx.reply('Hi ' + ctx.from.first_name));"}).Expect(b, http.StatusOK)
			raw := []byte(`{"update_id":9,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"hello"}}`)
			code := env.App.Code
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					u, err := core.ParseCodeUpdate(raw)
					if err != nil {
						b.Error(err)
						return
					}
					run, err := code.RunUpdate(context.Background(), bot.ID, u, nil)
					if err != nil || len(run.Sends) != 1 {
						b.Errorf("run: %+v %v", run, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
		})
	}
}

// TestCodeOrderAgainstReplies: the replies engine asks the bot's code
// (Code.WantsUpdate, its codeWants) only after buttons, commands and
// keywords of replies, and before the fallback: a command or keyword reply
// wins over a code handler for the same text; text only code takes goes to
// code; the rest to the fallback.
func TestCodeOrderAgainstReplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@example.com")
		bot := env.ConnectBot(t, owner, "order_bot")
		owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": "bot.command('help', (ctx) => ctx.reply('code help'));\n" +
			"bot.command('order', (ctx) => ctx.reply('code order'));\nbot.hears('price', (ctx) => ctx.reply('code price'));\n" +
			"bot.hears(/^track \\d+$/, (ctx) => ctx.reply('tracking'));\nbot.callback('buy', (ctx) => ctx.answer('ok'));"}).Expect(t, http.StatusOK)
		set := replies.NewSet([]replies.Reply{
			{ID: "help", Trigger: replies.Trigger{Kind: replies.TriggerCommand, Command: "help"}, Text: "reply help", Enabled: true},
			{ID: "price", Trigger: replies.Trigger{Kind: replies.TriggerKeyword, Keywords: []string{"price"}}, Text: "reply price", Enabled: true},
			{ID: "fb", Trigger: replies.Trigger{Kind: replies.TriggerFallback}, Text: "Sorry?", Enabled: true},
		}, "order_bot")
		ctx := context.Background()
		for _, c := range []struct {
			raw  string
			want replies.By
		}{
			{`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/help"}}`, replies.ByCommand},
			{`{"update_id":2,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"the price?"}}`, replies.ByKeyword},
			{`{"update_id":3,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"/order 7"}}`, replies.ByCode},
			{`{"update_id":4,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"track 42"}}`, replies.ByCode},
			{`{"update_id":5,"callback_query":{"id":"9","chat_instance":"1","data":"buy","from":{"id":5,"first_name":"B"},"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"}}}}`, replies.ByCode},
			{`{"update_id":6,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"B"},"text":"hello"}}`, replies.ByFallback},
		} {
			var tu telego.Update
			if err := json.Unmarshal([]byte(c.raw), &tu); err != nil {
				t.Fatal(err)
			}
			in, ok := replies.InputFromUpdate(tu)
			if !ok {
				t.Fatalf("not an input: %s", c.raw)
			}
			cu, err := core.ParseCodeUpdate([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			codeWants := func(replies.Input) bool {
				wants, err := env.App.Code.WantsUpdate(ctx, bot.ID, cu)
				if err != nil {
					t.Fatal(err)
				}
				return wants
			}
			if got := set.Match(in, codeWants).By; got != c.want {
				t.Errorf("%s: by %s, want %s", c.raw, got, c.want)
			}
		}
	})
}
