package jsrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func message(text string) map[string]any {
	return map[string]any{"update_id": 1.0, "message": map[string]any{
		"message_id": 5.0, "text": text, "from": map[string]any{"id": 7.0, "first_name": "Ann"},
		"chat": map[string]any{"id": 7.0, "type": "private"},
	}}
}

func press(data string) map[string]any {
	return map[string]any{"update_id": 2.0, "callback_query": map[string]any{
		"id": "cq1", "data": data, "from": map[string]any{"id": 7.0, "first_name": "Ann"},
		"message": map[string]any{"message_id": 9.0, "chat": map[string]any{"id": 7.0, "type": "private"}},
	}}
}

func join() map[string]any {
	return map[string]any{"update_id": 3.0, "chat_member": map[string]any{
		"chat": map[string]any{"id": -100.0, "type": "supergroup"}, "from": map[string]any{"id": 8.0},
		"new_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 8.0}},
	}}
}

const updateBot = `
bot.command('start', async (ctx) => { await ctx.reply('Hi ' + ctx.from.first_name + ' [' + ctx.args + ']', { parse_mode: 'HTML' }); });
bot.hears('price', async (ctx) => { await ctx.reply('10 EUR'); });
bot.hears(/^order (\d+)$/i, async (ctx) => { await ctx.reply('order #' + ctx.match[1]); await ctx.user.set('last_order', Number(ctx.match[1])); await ctx.user.tag('buyer'); });
bot.callback('buy', async (ctx) => { await ctx.answer('Added'); await ctx.replyWithPhoto('https://example.com/p.png', { caption: 'yours' }); });
bot.callback(/^size:(\w+)$/, async (ctx) => { await ctx.answer(); console.log('size', ctx.match[1], ctx.data); });
bot.on('chat_member', async (ctx) => { await ctx.reply('welcome ' + ctx.update.chat_member.new_chat_member.user.id); });
bot.on('message', async (ctx) => { await ctx.reply('echo: ' + ctx.text + ' ' + ctx.user.props.plan + ' ' + env.GREETING); });
`

func runUpdate(t *testing.T, e *Engine, p *Program, u map[string]any, inv Invocation) (*Result, *fakeTelegram, error) {
	t.Helper()
	tg := &fakeTelegram{}
	inv.Update, inv.Telegram = u, tg
	res, err := e.RunUpdate(context.Background(), p, inv)
	return res, tg, err
}

func TestUpdateHandlers(t *testing.T) {
	e := New(Config{})
	p := compileT(t, e, updateBot)
	var names []string
	for _, r := range p.UpdateRoutes() {
		names = append(names, r.String())
	}
	if got := strings.Join(names, ", "); got != `command /start, hears "price", hears /^order (\d+)$/i, callback "buy", callback /^size:(\w+)$/, on chat_member, on message` {
		t.Fatalf("routes: %s", got)
	}
	if len(p.Handlers()) != 0 {
		t.Fatalf("http handlers: %v", p.Handlers())
	}

	cases := []struct {
		name    string
		update  map[string]any
		route   string
		calls   string
		actions string
	}{
		{"command", message("/start ref42"), "command /start", `sendMessage map[chat_id:7 parse_mode:HTML text:Hi Ann [ref42]]`, ""},
		{"command to this bot", message("/START@my_bot"), "command /start", `sendMessage map[chat_id:7 parse_mode:HTML text:Hi Ann []]`, ""},
		{"hears a whole word in any case", message("What's the PRICE?"), `hears "price"`, `sendMessage map[chat_id:7 text:10 EUR]`, ""},
		{"hears a regexp", message("Order 12"), `hears /^order (\d+)$/i`, `sendMessage map[chat_id:7 text:order #12]`, `[{set last_order 12} {tag buyer <nil>}]`},
		{"callback", press("buy"), `callback "buy"`, `answerCallbackQuery map[callback_query_id:cq1 text:Added]; sendPhoto map[caption:yours chat_id:7 photo:https://example.com/p.png]`, ""},
		{"callback regexp", press("size:xl"), `callback /^size:(\w+)$/`, `answerCallbackQuery map[callback_query_id:cq1]`, ""},
		{"on chat_member", join(), "on chat_member", `sendMessage map[chat_id:-100 text:welcome 8]`, ""},
		{"on message falls through", message("priceless"), "on message", `sendMessage map[chat_id:7 text:echo: priceless pro hello]`, ""},
		{"command of another bot", message("/start@other_bot"), "on message", `sendMessage map[chat_id:7 text:echo: /start@other_bot pro hello]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !p.WantsUpdate(c.update, "my_bot") {
				t.Fatalf("WantsUpdate is false")
			}
			res, tg, err := runUpdate(t, e, p, c.update, Invocation{Params: Params{BotID: "b1"}, BotUsername: "my_bot",
				Env: map[string]string{"GREETING": "hello"}, User: &UpdateUser{ID: 7, Props: map[string]any{"plan": "pro"}}})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if res.Route == nil || res.Route.String() != c.route {
				t.Fatalf("route %v, want %s", res.Route, c.route)
			}
			var calls []string
			for _, call := range tg.calls {
				calls = append(calls, fmt.Sprint(call.Method, " ", call.Params))
			}
			if got := strings.Join(calls, "; "); got != c.calls {
				t.Fatalf("calls:\n got %s\nwant %s", got, c.calls)
			}
			if c.actions != "" {
				if got := fmt.Sprint(res.Actions); got != c.actions {
					t.Fatalf("actions %s, want %s", got, c.actions)
				}
			}
		})
	}
	// the regexp callback logged its match
	res, _, err := runUpdate(t, e, p, press("size:m"), Invocation{})
	if err != nil || len(res.Logs) != 1 || res.Logs[0].Message != "size m size:m" {
		t.Fatalf("logs: %+v %v", res, err)
	}
}

func TestUpdateWithoutHandler(t *testing.T) {
	e := New(Config{})
	p := compileT(t, e, "bot.command('help', (ctx) => ctx.reply('help'));\nlogic['h'] = () => 1;")
	for _, u := range []map[string]any{message("hello"), message("/start"), press("x"), join(), {"update_id": 1.0}} {
		if p.WantsUpdate(u, "") {
			t.Fatalf("WantsUpdate(%v)", u)
		}
		if _, _, err := runUpdate(t, e, p, u, Invocation{}); !errors.Is(err, ErrNoHandler) {
			t.Fatalf("%v: %v", u, err)
		}
	}
	// a regexp Go cannot express is assumed to match; the run then finds no handler
	p = compileT(t, e, `bot.hears(/\u0041bc/, (ctx) => ctx.reply('x'));`)
	if !p.WantsUpdate(message("xyz"), "") {
		t.Fatal("an inexpressible regexp must be assumed to match")
	}
	if _, _, err := runUpdate(t, e, p, message("xyz"), Invocation{}); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("run: %v", err)
	}
	if _, tg, err := runUpdate(t, e, p, message("Abc"), Invocation{}); err != nil || len(tg.calls) != 1 {
		t.Fatalf("run: %v", err)
	}
}

func TestUpdateRegistration(t *testing.T) {
	e := New(Config{})
	for src, want := range map[string]string{
		"bot.command('no spaces', () => 1);":                                 "a command is 1 to 32 letters",
		"bot.command('start');":                                              "must be a function",
		"bot.on('inline_query', () => 1);":                                   "the update kind must be one of",
		"bot.hears('', () => 1);":                                            "non-empty string",
		"logic.h = () => bot.command('late', () => 1);\nlogic.h2 = () => 1;": "",
	} {
		_, err := e.Compile(src)
		if want == "" {
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			continue
		}
		ce := compileErrT(t, err)
		contains(t, ce.Message, want)
	}
	// registering inside a handler throws
	res := okT(t, e, "logic.h = () => { try { bot.command('late', () => 1); } catch (e) { return e.message; } };", "h", Invocation{})
	contains(t, fmt.Sprint(res.Data), "at the top level")
}

func TestUpdateHandlerFailures(t *testing.T) {
	e := New(Config{Timeout: 300 * time.Millisecond})
	p := compileT(t, e, "bot.command('throw', (ctx) => {\n  null.x;\n});\n"+
		"bot.command('loop', () => { for (;;) {} });\n"+
		"bot.command('alloc', () => { let a = []; for (;;) a.push('x'.repeat(1000)); });\n"+
		"bot.command('nochat', (ctx) => ctx.reply('x'));\n"+
		"bot.callback('x', (ctx) => ctx.answer('a'));\nbot.command('answer', (ctx) => ctx.answer('a'));")
	_, _, err := runUpdate(t, e, p, message("/throw"), Invocation{})
	he := handlerErrT(t, err, KindException)
	if he.Line != 2 {
		t.Fatalf("line %d: %v", he.Line, he)
	}
	_, _, err = runUpdate(t, e, p, message("/loop"), Invocation{})
	handlerErrT(t, err, KindTimeout)
	_, _, err = runUpdate(t, e, p, message("/alloc"), Invocation{})
	var hee *HandlerError
	if !errors.As(err, &hee) {
		t.Fatalf("alloc: %v", err)
	}
	_, _, err = runUpdate(t, e, p, message("/answer"), Invocation{})
	he = handlerErrT(t, err, KindException)
	contains(t, he.Message, "only a button press")
	u := message("/nochat")
	delete(u["message"].(map[string]any), "chat")
	_, _, err = runUpdate(t, e, p, u, Invocation{})
	he = handlerErrT(t, err, KindException)
	contains(t, he.Message, "no chat")
}

func TestUpdateStateIsPerBot(t *testing.T) {
	e := New(Config{MaxConcurrent: 1})
	p := compileT(t, e, "let seen = [];\nbot.on('message', (ctx) => { seen.push(ctx.text); return ctx.reply(seen.join(',')); });")
	for i, want := range []string{"a", "a,b"} {
		_, tg, err := runUpdate(t, e, p, message(string(rune('a'+i))), Invocation{Params: Params{BotID: "one"}})
		if err != nil || tg.calls[0].Params["text"] != want {
			t.Fatalf("bot one, run %d: %v %v", i, tg.calls, err)
		}
	}
	_, tg, err := runUpdate(t, e, p, message("z"), Invocation{Params: Params{BotID: "two"}})
	if err != nil || tg.calls[0].Params["text"] != "z" {
		t.Fatalf("bot two: %v %v", tg.calls, err)
	}
	// env is the run's own, never another bot's
	p = compileT(t, e, "let first;\nbot.on('message', (ctx) => { first = first || env; return ctx.reply(JSON.stringify([first.K, env.K, Object.isFrozen(env)])); });")
	_, tg, _ = runUpdate(t, e, p, message("x"), Invocation{Params: Params{BotID: "one"}, Env: map[string]string{"K": "one"}})
	_, tg2, _ := runUpdate(t, e, p, message("x"), Invocation{Params: Params{BotID: "two"}, Env: map[string]string{"K": "two"}})
	b, _ := json.Marshal([]any{tg.calls[0].Params["text"], tg2.calls[0].Params["text"]})
	if string(b) != `["[\"one\",\"one\",true]","[\"two\",\"two\",true]"]` {
		t.Fatalf("env: %s", b)
	}
}

func TestHasWords(t *testing.T) {
	for _, c := range []struct {
		text, phrase string
		want         bool
	}{
		{"price", "price", true}, {"The Price!", "price", true}, {"priceless", "price", false},
		{"overprice", "price", false}, {"how much is it", "much is", true}, {"ЦЕНА?", "цена", true},
		{"price_list", "price", false}, {"a price-list", "price", true}, {"", "price", false},
	} {
		if got := hasWords(c.text, c.phrase); got != c.want {
			t.Errorf("hasWords(%q, %q) = %v", c.text, c.phrase, got)
		}
	}
}

// TestSaveSwapsProgramsUnderLoad: runs keep going while the bot's Program is replaced (a save):
// every run answers from one version or the other, never fails, and once the swap is seen every
// later run answers from the new version.
func TestSaveSwapsProgramsUnderLoad(t *testing.T) {
	e := New(Config{MaxConcurrent: 4})
	v1 := compileT(t, e, "let calls = 0;\nlogic.h = () => 'v1:' + (++calls);\nbot.on('message', (ctx) => ctx.reply('v1'));")
	v2 := compileT(t, e, "logic.h = () => 'v2';\nbot.on('message', (ctx) => ctx.reply('v2'));")
	var current atomic.Pointer[Program]
	current.Store(v1)
	var wg sync.WaitGroup
	var swapped atomic.Bool
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				sawSwap := swapped.Load()
				p := current.Load()
				res, err := e.Run(context.Background(), p, Invocation{Path: "h", Params: Params{BotID: "bot"}})
				if err != nil {
					errs <- err
					return
				}
				s := res.Data.(string)
				if sawSwap && s != "v2" {
					errs <- fmt.Errorf("run after the swap answered %q", s)
					return
				}
				if !strings.HasPrefix(s, "v1:") && s != "v2" {
					errs <- fmt.Errorf("answer %q", s)
					return
				}
				if i == 50 && current.CompareAndSwap(v1, v2) {
					swapped.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, tg, err := runUpdate(t, e, current.Load(), message("x"), Invocation{Params: Params{BotID: "bot"}}); err != nil || tg.calls[0].Params["text"] != "v2" {
		t.Fatalf("update after the swap: %v %v", tg.calls, err)
	}
}
