package jsrt

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestQueryBodyAndParamsPassThrough(t *testing.T) {
	e := New(Config{})
	res := okT(t, e, `logic['echo'] = (query, body, db, response, params) => ({ query, body, params, typeofDb: typeof db.operation.find });`, "echo", Invocation{
		Method: "POST",
		Query:  map[string]string{"a": "1", "b": "two"},
		Body:   map[string]any{"n": 1.5, "list": []any{"x", true, nil}, "nested": map[string]any{"k": "v"}, "__proto__": map[string]any{"polluted": true}},
		Params: Params{BotID: "42", CustomPath: "echo"},
	})
	want := map[string]any{
		"query":    map[string]any{"a": "1", "b": "two"},
		"body":     map[string]any{"n": 1.5, "list": []any{"x", true, nil}, "nested": map[string]any{"k": "v"}, "__proto__": map[string]any{"polluted": true}},
		"params":   map[string]any{"botId": "42", "customPath": "echo", "method": "POST"},
		"typeofDb": "function",
	}
	if !reflect.DeepEqual(res.Data, want) {
		t.Fatalf("data = %#v\nwant %#v", res.Data, want)
	}
	if !res.Returned || res.DataSet || res.Status != 200 || res.Message != nil {
		t.Fatalf("unexpected result %+v", res)
	}
}

func TestBodyDefaultsToEmptyObject(t *testing.T) {
	e := New(Config{})
	res := okT(t, e, handler(`return [typeof body, Object.keys(body).length, Object.getPrototypeOf(body) === Object.prototype];`), "h", Invocation{})
	if !reflect.DeepEqual(res.Data, []any{"object", 0.0, true}) {
		t.Fatalf("data = %#v", res.Data)
	}
}

func TestResponseFields(t *testing.T) {
	e := New(Config{})
	res := okT(t, e, handler(`
		response.statusCode = 201;
		response.headers['x-trace'] = 'abc';
		response.headers['X-Count'] = 3;
		response.message = 'created';
		response.data = { id: 7 };
		return 'ignored because response.data is set';`), "h", Invocation{})
	if res.Status != 201 || res.Message == nil || *res.Message != "created" {
		t.Fatalf("status/message: %+v", res)
	}
	if !reflect.DeepEqual(res.Headers, map[string]string{"X-Trace": "abc", "X-Count": "3"}) {
		t.Fatalf("headers = %#v", res.Headers)
	}
	if !res.DataSet || res.Returned || !reflect.DeepEqual(res.Data, map[string]any{"id": 7.0}) {
		t.Fatalf("data: %+v", res)
	}
}

func TestReturnValueAndNoData(t *testing.T) {
	e := New(Config{})
	cases := []struct {
		body    string
		hasData bool
		data    any
	}{
		{`return 5;`, true, 5.0},
		{`return 'text';`, true, "text"},
		{`return null;`, true, nil},
		{`return;`, false, nil},
		{`response.data = null;`, true, nil},
		{`return () => 1;`, false, nil},
		{`return {d: new Date(0), n: NaN, u: undefined, f() {}, s: Symbol('x'), nested: [undefined, () => 1]};`, true,
			map[string]any{"d": "1970-01-01T00:00:00.000Z", "n": nil, "nested": []any{nil, nil}}},
		{`return {toJSON() { return 'custom'; }};`, true, "custom"},
		{`return [new Number(3), new String('s'), new Boolean(false)];`, true, []any{3.0, "s", false}},
	}
	for _, c := range cases {
		res := okT(t, e, handler(c.body), "h", Invocation{})
		if res.HasData() != c.hasData || !reflect.DeepEqual(res.Data, c.data) {
			t.Errorf("%s: hasData=%v data=%#v, want %v %#v", c.body, res.HasData(), res.Data, c.hasData, c.data)
		}
	}
}

func TestAsyncAndAwaitedPromises(t *testing.T) {
	e := New(Config{})
	st := newMemStore()
	st.seed("items", Doc{"_id": "a", "n": 1.0}, Doc{"_id": "b", "n": 2.0})
	src := `
		const sleepless = (v) => new Promise((resolve) => resolve(v));
		async function total(db) {
			const docs = await db.operation.find('items', {});
			return docs.reduce((s, d) => s + d.n, 0);
		}
		logic['sum'] = async (query, body, db, response) => {
			const [t, one, viaThen] = await Promise.all([
				total(db),
				sleepless(1),
				db.operation.count('items', {}).then((n) => n * 10),
			]);
			await null;
			return { t, one, viaThen };
		};
		logic['sync'] = (query) => ({ sync: true, q: query.x });
		logic['thenable'] = () => ({ then(resolve) { resolve('from thenable'); } });`
	p := compileT(t, e, src)
	if got := p.Handlers(); !reflect.DeepEqual(got, []string{"sum", "sync", "thenable"}) {
		t.Fatalf("handlers = %v", got)
	}
	res, err := e.Run(context.Background(), p, Invocation{Path: "sum", DB: st})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Data, map[string]any{"t": 3.0, "one": 1.0, "viaThen": 20.0}) {
		t.Fatalf("sum = %#v", res.Data)
	}
	res, err = e.Run(context.Background(), p, Invocation{Path: "sync", Query: map[string]string{"x": "y"}})
	if err != nil || !reflect.DeepEqual(res.Data, map[string]any{"sync": true, "q": "y"}) {
		t.Fatalf("sync = %#v, %v", res, err)
	}
	res, err = e.Run(context.Background(), p, Invocation{Path: "thenable"})
	if err != nil || res.Data != "from thenable" {
		t.Fatalf("thenable = %#v, %v", res, err)
	}
}

func TestNoHandler(t *testing.T) {
	e := New(Config{})
	p := compileT(t, e, `logic['a'] = () => 1; logic['b'] = () => 2;`)
	if _, err := e.Run(context.Background(), p, Invocation{Path: "c"}); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("err = %v", err)
	}
	// A handler registered at compile time but not in this run.
	p = compileT(t, e, `logic['a'] = () => 1; if (typeof db === 'undefined') logic['b'] = () => 2;
		var db = 1; logic['c'] = () => 3; if (Math.random() > 2) logic = 5;`)
	if !reflect.DeepEqual(p.Handlers(), []string{"a", "b", "c"}) {
		t.Fatalf("handlers %v", p.Handlers())
	}
	if res, err := e.Run(context.Background(), p, Invocation{Path: "c"}); err != nil || res.Data != 3.0 {
		t.Fatalf("c: %v %v", res, err)
	}
	// The run-time path: a program whose compile-time list names a handler this run lacks.
	p2 := compileT(t, e, `logic['a'] = () => 1;`)
	p2 = &Program{prog: p2.prog, prefix: p2.prefix, handlers: []string{"a", "b"}}
	if res, err := e.Run(context.Background(), p2, Invocation{Path: "b"}); !errors.Is(err, ErrNoHandler) || res != nil {
		t.Fatalf("b: %v %v", res, err)
	}
}

func TestCompileErrors(t *testing.T) {
	e := New(Config{})
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"logic['a'] = () => {\n  let x = 1;\n  x = ;\n};", 3, 7, "Unexpected token"},
		{"logic['a'] = () => 1 +;", 1, 23, "Unexpected token"},
		{"logic['a'] = () => 1;\nlet y = 1;\nlet y = 2;", 3, 5, "already been declared"},
		{"logic['a'] = () => /(a)\\1/.test('aa');", 1, 20, "backtracking"},
		{"logic['a'] = () => 10n ** 100n;", 1, 20, "BigInt"},
		{"logic['a'] = () => import('fs');", 1, 20, ""},
		{"\n\nthrow new Error('boom at top');", 3, 7, "boom at top"},
		{"logic.a = 1;", 0, 0, "registers no handler"},
		{"logic['a/b'] = () => 1;", 0, 0, "invalid handler name"},
		{"const x = 1;", 0, 0, "registers no handler"},
	}
	for _, c := range cases {
		_, err := e.Compile(c.src)
		ce := compileErrT(t, err)
		if ce.Line != c.line || (c.col != 0 && ce.Column != c.col) || !strings.Contains(ce.Message, c.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d containing %q", c.src, ce.Line, ce.Column, ce.Message, c.line, c.col, c.msg)
		}
	}
}

func TestTopLevelTimeoutIsCompileError(t *testing.T) {
	e := New(Config{Timeout: 100 * time.Millisecond})
	_, err := e.Compile("logic['a'] = () => 1;\nlet i = 0; while (true) { i++; }")
	ce := compileErrT(t, err)
	contains(t, ce.Message, "did not finish")
	if ce.Line != 2 {
		t.Fatalf("line = %d", ce.Line)
	}
}

func TestSourceVariants(t *testing.T) {
	e := New(Config{})
	// hashbang, a script that declares its own `logic`, and strict mode
	res := okT(t, e, "#!/usr/bin/env node\nconst logic = { h: () => 'own logic' };", "h", Invocation{})
	if res.Data != "own logic" {
		t.Fatalf("own logic: %#v", res.Data)
	}
	res = okT(t, e, "'use strict';\nlogic['h'] = function () { return typeof this; };", "h", Invocation{})
	if res.Data != "undefined" {
		t.Fatalf("strict: %#v", res.Data)
	}
	res = okT(t, e, "var logic = { h: () => 'var logic' };", "h", Invocation{})
	if res.Data != "var logic" {
		t.Fatalf("var logic: %#v", res.Data)
	}
	// top-level state persists between runs of one bot, never across bots
	e1 := New(Config{MaxConcurrent: 1})
	p := compileT(t, e1, "let counter = 0;\nlogic['h'] = () => ++counter;")
	for i := 0; i < 3; i++ {
		res, err := e1.Run(context.Background(), p, Invocation{Path: "h", Params: Params{BotID: "a"}})
		if err != nil || res.Data != float64(i+1) {
			t.Fatalf("run %d: %#v %v", i, res, err)
		}
	}
	res, err := e1.Run(context.Background(), p, Invocation{Path: "h", Params: Params{BotID: "b"}})
	if err != nil || res.Data != 1.0 {
		t.Fatalf("another bot: %#v %v", res, err)
	}
	// a new Program (a save) starts from a fresh top level
	p2 := compileT(t, e1, "let counter = 100;\nlogic['h'] = () => ++counter;")
	res, err = e1.Run(context.Background(), p2, Invocation{Path: "h", Params: Params{BotID: "a"}})
	if err != nil || res.Data != 101.0 {
		t.Fatalf("after a save: %#v %v", res, err)
	}
}

func TestExceptions(t *testing.T) {
	e := New(Config{})
	// synchronous throw from a nested function
	src := "function fail(x) {\n  return x.missing.field;\n}\nlogic['sync'] = (q) => fail(q);\n" +
		"logic['async'] = async (q) => {\n  await null;\n  throw new RangeError('out of range: ' + q.v);\n};\n" +
		"logic['value'] = () => { throw { code: 42 }; };\n" +
		"logic['line1'] = () => { throw new Error('x') }; logic['custom'] = () => { class E extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } } throw new E('bad input'); };"
	p := compileT(t, e, src)

	_, err := e.Run(context.Background(), p, Invocation{Path: "sync"})
	he := handlerErrT(t, err, KindException)
	contains(t, he.Message, "TypeError")
	if he.Line != 2 || he.Column != 20 {
		t.Errorf("sync position %d:%d, stack:\n%s", he.Line, he.Column, he.Stack)
	}
	contains(t, he.Stack, "at fail (bot.js:2:20)")
	contains(t, he.Stack, "bot.js:4:")

	res, err := e.Run(context.Background(), p, Invocation{Path: "async", Query: map[string]string{"v": "9"}})
	he = handlerErrT(t, err, KindException)
	if he.Message != "RangeError: out of range: 9" || he.Line != 7 || he.Column != 9 {
		t.Errorf("async: %q %d:%d stack:\n%s", he.Message, he.Line, he.Column, he.Stack)
	}
	if res == nil || res.Duration <= 0 {
		t.Errorf("a HandlerError comes with a Result: %+v", res)
	}
	if strings.Contains(he.Stack, "(12)") || strings.Contains(he.Stack, "sandbox.js") {
		t.Errorf("stack not cleaned: %s", he.Stack)
	}

	_, err = e.Run(context.Background(), p, Invocation{Path: "value"})
	he = handlerErrT(t, err, KindException)
	if he.Message != "Uncaught {code: 42}" || he.Line != 9 {
		t.Errorf("value: %q line %d", he.Message, he.Line)
	}

	_, err = e.Run(context.Background(), p, Invocation{Path: "line1"})
	he = handlerErrT(t, err, KindException)
	if he.Line != 10 || he.Column != 32 {
		t.Errorf("line1: %d:%d", he.Line, he.Column)
	}
	_, err = e.Run(context.Background(), p, Invocation{Path: "custom"})
	he = handlerErrT(t, err, KindException)
	if he.Message != "ValidationError: bad input" {
		t.Errorf("custom error class: %q", he.Message)
	}
	// column mapping on line 1 of a one-line script
	_, err = runT(t, e, "logic['h'] = () => { null.x; };", "h", Invocation{})
	he = handlerErrT(t, err, KindException)
	if he.Line != 1 || he.Column != 27 {
		t.Errorf("line-1 column: %d:%d", he.Line, he.Column)
	}
}

func TestResponseValidation(t *testing.T) {
	e := New(Config{})
	for _, c := range []struct{ body, msg string }{
		{`response.statusCode = 99;`, "statusCode"},
		{`response.statusCode = 'abc';`, "statusCode"},
		{`response.headers['Set-Cookie'] = 'session=x';`, "Set-Cookie"},
		{`response.headers['Content-Type'] = 'text/html';`, "Content-Type"},
		{`response.headers['X-Evil'] = 'a\r\nSet-Cookie: x=1';`, "invalid value"},
		{`response.headers['bad header'] = 'x';`, "invalid header name"},
		{`response.headers = 5;`, "must be an object"},
		{`const o = {}; o.self = o; return o;`, "circular"},
	} {
		_, err := runT(t, e, handler(c.body), "h", Invocation{})
		he := handlerErrT(t, err, KindException)
		contains(t, he.Message, c.msg)
	}
	res := okT(t, e, handler(`response.statusCode = '404'; response.message = 'missing';`), "h", Invocation{})
	if res.Status != 404 || *res.Message != "missing" {
		t.Fatalf("%+v", res)
	}
}

func TestConsoleCapture(t *testing.T) {
	e := New(Config{MaxLogLines: 5, MaxLogLineBytes: 64})
	res := okT(t, e, handler(`
		console.log('plain', 1, true, null, undefined);
		console.info({a: [1, 'two', {b: null}]});
		console.warn(new TypeError('careful'));
		const c = {}; c.c = c; console.error(c, () => 1, function named() {});
		console.debug('x'.repeat(500));
		console.log('dropped 1'); console.log('dropped 2');
		return 1;`), "h", Invocation{})
	if len(res.Logs) != 5 || res.LogsDropped != 2 {
		t.Fatalf("logs %d dropped %d: %+v", len(res.Logs), res.LogsDropped, res.Logs)
	}
	want := []struct{ level, msg string }{
		{"log", "plain 1 true null undefined"},
		{"info", `{a: [1, "two", {b: null}]}`},
		{"warn", "TypeError: careful"},
		{"error", "{c: [Circular]} [Function (anonymous)] [Function: named]"},
		{"debug", strings.Repeat("x", 64) + "…"},
	}
	for i, w := range want {
		if res.Logs[i].Level != w.level || !strings.HasPrefix(res.Logs[i].Message, w.msg) || res.Logs[i].Time.IsZero() {
			t.Errorf("log %d = %+v, want %s %q", i, res.Logs[i], w.level, w.msg)
		}
	}
	// logs survive a failing run
	res, err := runT(t, e, handler(`console.log('before'); throw new Error('after');`), "h", Invocation{})
	handlerErrT(t, err, KindException)
	if res == nil || len(res.Logs) != 1 || res.Logs[0].Message != "before" {
		t.Fatalf("logs on error: %+v", res)
	}
}

func TestDBBinding(t *testing.T) {
	e := New(Config{})
	st := newMemStore()
	st.seed("users", Doc{"_id": "u1", "name": "Ann", "chatId": 100.0})
	src := `
	logic['h'] = async (query, body, db) => {
		const out = {};
		const ins = await db.operation.insertOne('notes', { _id: 'n1', text: 'hello', votes: 1 });
		out.inserted = ins.insertedId;
		out.generated = (await db.operation.insertOne('notes', { text: 'second', votes: 5 })).insertedId;
		await db.operation.insertOne('notes', { text: 'third', votes: 3 });
		out.one = await db.operation.findOne('notes', { _id: 'n1' });
		out.none = await db.operation.findOne('notes', { _id: 'nope' });
		out.sorted = (await db.operation.find('notes', {}, { sort: { votes: -1 }, limit: 2 })).map((d) => d.text);
		out.skipped = (await db.operation.find('notes', {}, { sort: { votes: 'asc' }, skip: 1 })).map((d) => d.text);
		out.set = await db.operation.updateOne('notes', { _id: 'n1' }, { $set: { text: 'edited' }, $inc: { votes: 2 } });
		out.afterSet = await db.operation.findOne('notes', { _id: 'n1' });
		await db.operation.updateOne('notes', { _id: 'n1' }, { text: 'replaced' });
		out.afterReplace = await db.operation.findOne('notes', { _id: 'n1' });
		out.upsert = await db.operation.updateOne('counters', { _id: 'visits' }, { $inc: { n: 1 } }, { upsert: true });
		out.deleted = await db.operation.deleteOne('notes', { _id: 'n1' });
		out.count = await db.operation.count('notes', {});
		out.user = (await db.operation.findOne('users', { _id: 'u1' })).name;
		out.plain = Object.getPrototypeOf(out.one) === Object.prototype && Array.isArray(await db.operation.find('notes'));
		return out;
	};`
	res := okT(t, e, src, "h", Invocation{DB: st})
	want := map[string]any{
		"inserted":     "n1",
		"generated":    "id1",
		"one":          map[string]any{"_id": "n1", "text": "hello", "votes": 1.0},
		"none":         nil,
		"sorted":       []any{"second", "third"},
		"skipped":      []any{"third", "second"},
		"set":          map[string]any{"matchedCount": 1.0, "modifiedCount": 1.0},
		"afterSet":     map[string]any{"_id": "n1", "text": "edited", "votes": 3.0},
		"afterReplace": map[string]any{"_id": "n1", "text": "replaced"},
		"upsert":       map[string]any{"matchedCount": 0.0, "modifiedCount": 0.0, "upsertedId": "visits"},
		"deleted":      map[string]any{"deletedCount": 1.0},
		"count":        2.0,
		"user":         "Ann",
		"plain":        true,
	}
	if !reflect.DeepEqual(res.Data, want) {
		t.Fatalf("got  %#v\nwant %#v", res.Data, want)
	}
}

func TestDBBindingRefusals(t *testing.T) {
	e := New(Config{})
	st := newMemStore()
	st.seed("users", Doc{"_id": "u1"})
	for _, c := range []struct{ call, msg string }{
		{`db.operation.insertOne('users', {a: 1})`, "read-only"},
		{`db.operation.updateOne('users', {_id: 'u1'}, {$set: {a: 1}})`, "read-only"},
		{`db.operation.deleteOne('users', {_id: 'u1'})`, "read-only"},
		{`db.operation.find('bad name!', {})`, "invalid collection name"},
		{`db.operation.find('x'.repeat(65), {})`, "invalid collection name"},
		{`db.operation.find(42, {})`, "must be a string"},
		{`db.operation.find('notes', {votes: {$gt: 1}}, {})`, "operator \"$gt\" is not supported"},
		{`db.operation.find('notes', {$where: 'sleep(1)'})`, "not supported"},
		{`db.operation.find('notes', {'a.b': 1})`, "nested field"},
		{`db.operation.find('notes', {_id: 5})`, "_id must be a string"},
		{`db.operation.find('notes', {}, {limit: 5000})`, "options.limit"},
		{`db.operation.find('notes', {}, {bogus: 1})`, "unknown option"},
		{`db.operation.updateOne('notes', {}, {$unset: {a: 1}})`, "not supported"},
		{`db.operation.updateOne('notes', {}, {$set: {a: 1}, b: 2})`, "mixes operators"},
		{`db.operation.updateOne('notes', {}, {$inc: {a: 'x'}})`, "must be a number"},
		{`db.operation.updateOne('notes', {}, {_id: 'other'})`, "cannot set _id"},
		{`db.operation.insertOne('notes', {_id: 7})`, "_id must be a non-empty string"},
		{`db.operation.insertOne('notes')`, "document is required"},
	} {
		res, err := runT(t, e, handler(`try { await `+c.call+`; return 'no error'; } catch (e) { return e.name + ': ' + e.message; }`), "h", Invocation{DB: st})
		if err != nil {
			t.Fatalf("%s: %v", c.call, err)
		}
		msg, _ := res.Data.(string)
		if !strings.HasPrefix(msg, "TypeError: db.operation.") || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %q", c.call, msg)
		}
	}
	// rejected promise with .catch, and Go errors: public message or a generic one
	st.fail = errors.New(`pq: relation "bot_7_docs" does not exist at /srv/botdeck/store.go:88`)
	res := okT(t, e, handler(`return db.operation.count('notes', {}).catch((e) => e.message);`), "h", Invocation{DB: st})
	if res.Data != "db.operation.count failed" {
		t.Fatalf("generic message: %#v", res.Data)
	}
	st.fail = Public("quota exceeded", errors.New("internal detail"))
	res = okT(t, e, handler(`try { await db.operation.count('notes'); } catch (e) { return e.message; }`), "h", Invocation{DB: st})
	if res.Data != "db.operation.count: quota exceeded" {
		t.Fatalf("public message: %#v", res.Data)
	}
	// no store bound
	res = okT(t, e, handler(`try { await db.operation.count('notes'); } catch (e) { return e.message; }`), "h", Invocation{})
	if res.Data != "db.operation.count: db is not available here" {
		t.Fatalf("no store: %#v", res.Data)
	}
}

func TestDeadlineReachesTheStore(t *testing.T) {
	e := New(Config{Timeout: 150 * time.Millisecond})
	st := newMemStore()
	var sawDeadline bool
	st.delay = func(ctx context.Context) error {
		_, sawDeadline = ctx.Deadline()
		<-ctx.Done() // a database call that only ends with the context
		return ctx.Err()
	}
	start := time.Now()
	_, err := runT(t, e, handler(`await db.operation.find('slow', {}); return 'unreachable';`), "h", Invocation{DB: st})
	he := handlerErrT(t, err, KindTimeout)
	if !sawDeadline || time.Since(start) > slow(time.Second) {
		t.Fatalf("deadline=%v after %v: %v", sawDeadline, time.Since(start), he)
	}
}

func TestTelegramBinding(t *testing.T) {
	e := New(Config{})
	tg := &fakeTelegram{token: "123456:SECRET-TOKEN"}
	res := okT(t, e, handler(`
		const m = await bot.telegram.sendMessage(100, 'hi <b>there</b>', { parse_mode: 'HTML', chat_id: 'ignored' });
		const ok = await bot.telegram.call('sendChatAction', { chat_id: '@channel', action: 'typing' });
		let denied;
		try { await bot.telegram.call('setWebhook', { url: 'https://evil' }); } catch (e) { denied = e.message; }
		let bad;
		try { await bot.telegram.call('send message', {}); } catch (e) { bad = e.name; }
		return { id: m.message_id, ok, denied, bad, keys: Object.keys(bot.telegram).sort() };`), "h", Invocation{Telegram: tg})
	d := res.Data.(map[string]any)
	if d["id"] != 1.0 || d["ok"] != true || !strings.Contains(d["denied"].(string), "reserved") || d["bad"] != "TypeError" {
		t.Fatalf("data %#v", d)
	}
	if !reflect.DeepEqual(d["keys"], []any{"call", "sendMessage"}) {
		t.Fatalf("keys %#v", d["keys"])
	}
	if len(tg.calls) != 2 || tg.calls[0].Method != "sendMessage" ||
		!reflect.DeepEqual(tg.calls[0].Params, map[string]any{"chat_id": 100.0, "text": "hi <b>there</b>", "parse_mode": "HTML"}) ||
		tg.calls[1].Method != "sendChatAction" {
		t.Fatalf("calls %#v", tg.calls)
	}
	// A Go error that embeds the token never reaches JavaScript.
	tg.fail = errors.New("Post https://api.telegram.org/bot123456:SECRET-TOKEN/sendMessage: connection refused")
	res = okT(t, e, handler(`try { await bot.telegram.sendMessage(1, 'x'); } catch (e) { return String(e) + e.stack; }`), "h", Invocation{Telegram: tg})
	if msg := res.Data.(string); strings.Contains(msg, "SECRET") || !strings.Contains(msg, "bot.telegram.sendMessage failed") {
		t.Fatalf("leaked or wrong message: %q", msg)
	}
	tg.fail = Public("Bad Request: chat not found", errors.New("400"))
	res = okT(t, e, handler(`try { await bot.telegram.sendMessage(1, 'x'); } catch (e) { return e.message; }`), "h", Invocation{Telegram: tg})
	if res.Data != "bot.telegram.sendMessage: Bad Request: chat not found" {
		t.Fatalf("public: %#v", res.Data)
	}
}

func TestBindingCallLimit(t *testing.T) {
	e := New(Config{MaxBindingCalls: 5})
	_, err := runT(t, e, handler(`for (let i = 0; i < 10; i++) { try { await db.operation.count('x'); } catch (e) {} } return 1;`), "h", Invocation{DB: newMemStore()})
	he := handlerErrT(t, err, KindLimit)
	contains(t, he.Message, "more than 5 db and Telegram calls")
}

// startedTelegram tells when a run reached its first Telegram call.
type startedTelegram chan struct{}

func (s startedTelegram) Call(context.Context, string, map[string]any) (any, error) {
	select {
	case s <- struct{}{}:
	default:
	}
	return true, nil
}

func TestContextCancellationAndQueue(t *testing.T) {
	e := New(Config{MaxConcurrent: 1, Timeout: 5 * time.Second})
	p := compileT(t, e, handler(`await bot.telegram.call('getMe', {}); while (true) {}`))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	started := make(startedTelegram, 1)
	go func() {
		_, err := e.Run(ctx, p, Invocation{Path: "h", Telegram: started})
		done <- err
	}()
	<-started
	// The only slot is busy: a second request waits and gives up with its context.
	qctx, qcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer qcancel()
	if _, err := e.Run(qctx, p, Invocation{Path: "h"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued run: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled run: %v", err)
		}
	case <-time.After(slow(2 * time.Second)):
		t.Fatal("cancellation did not stop the run")
	}
	// A deadline on the context shorter than Timeout wins.
	dctx, dcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer dcancel()
	_, err := e.Run(dctx, p, Invocation{Path: "h", Telegram: make(startedTelegram, 1)})
	he := handlerErrT(t, err, KindTimeout)
	// The budget counts from when the run starts: a new runtime (the
	// canceled run's was dropped) takes a few milliseconds of the 100.
	// (On a busy machine starting the runtime can take a good part of it.)
	if !regexp.MustCompile(`did not finish within ([1-9]|[1-9]\d|100)ms`).MatchString(he.Message) {
		t.Fatalf("deadline message: %q", he.Message)
	}
}

func TestPackageCompile(t *testing.T) {
	p, err := Compile(`logic['b'] = () => 1; logic['a'] = async () => 2; logic['c'] = 3;`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Handlers(), []string{"a", "b"}) {
		t.Fatalf("handlers = %v", p.Handlers())
	}
	// The program runs on any engine, concurrently.
	e := New(Config{})
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() {
			res, err := e.Run(context.Background(), p, Invocation{Path: "a"})
			if err == nil && res.Data != 2.0 {
				err = errors.New("wrong data")
			}
			errs <- err
		}()
	}
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestFirstRequestAfterSave(t *testing.T) {
	// A cold engine: the save builds the first sandbox (for discovering the handlers), the first
	// request reuses it.
	if raceEnabled {
		t.Skip("timing")
	}
	start := time.Now()
	e := New(Config{})
	p, err := e.Compile(handler(`return await db.operation.count('x');`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), p, Invocation{Path: "h", DB: newMemStore()}); err != nil {
		t.Fatal(err)
	}
	cold := time.Since(start)
	// A warm engine: a save and the first request with the new program.
	start = time.Now()
	p, err = e.Compile(handler(`return await db.operation.count('y');`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), p, Invocation{Path: "h", DB: newMemStore()}); err != nil {
		t.Fatal(err)
	}
	warm := time.Since(start)
	// Timings are logged, not asserted: the goal (under 20 ms) is measured by
	// BenchmarkCustomFirstRequestAfterSave and recorded in docs/BENCHMARKS.md;
	// a wall-clock bound here would fail whenever the machine is busy.
	t.Logf("save + first request: cold engine %v, warm engine %v", cold, warm)
}

// The guards replace built-ins; ordinary uses must behave exactly as before.
func TestGuardedBuiltinsKeepSemantics(t *testing.T) {
	e := New(Config{})
	cases := map[string]string{
		`[1, 2.5, null, undefined, 'x', [3, [4]], {}].join()`: `"1,2.5,,,x,3,4,[object Object]"`,
		`[1, 2].join(0)`:      `"102"`,
		`String([1, [2, 3]])`: `"1,2,3"`,
		`(() => { const a = [1]; a.push(a); return String(a); })()`:                                                                                `"1,"`,
		`[1, 2].toLocaleString()`:                                                                                                                  `"1,2"`,
		`'ab'.repeat(3) + 'x'.padStart(3, 1) + 'y'.padEnd(3, false)`:                                                                               `"ababab11xyfa"`,
		`'a'.concat(1, true, null, [2])`:                                                                                                           `"a1truenull2"`,
		`'a1b1c'.replace(1, '-') + '|' + 'a1b1c'.replaceAll(1, '-')`:                                                                               `"a-b1c|a-b-c"`,
		`'john smith'.replace(/(\w+)\s(\w+)/, '$2, $1 ($&) [$$] <$\u0060|$\u0027>')`:                                                               `"smith, john (john smith) [$] <|>"`,
		`'2024-01-31'.replace(/(?<y>\d+)-(?<m>\d+)-(?<d>\d+)/, '$<d>.$<m>.$<y>')`:                                                                  `"31.01.2024"`,
		`'aaa'.replace(/a/g, (m, off) => off)`:                                                                                                     `"012"`,
		`'x-y'.replace('-', '$&$&')`:                                                                                                               `"x--y"`,
		`'a,b,,c'.split(',') .concat('a1b1c'.split(1), 'abc'.split(''), 'a b'.split(/\s/), 'abc'.split('', 2))`:                                    `["a","b","","c","a","b","c","a","b","c","a","b","a","b"]`,
		`['x1y'.match(/\d/)[0], 'x1y2'.match(/\d/g), 'x1'.search(1), [...'a1b2'.matchAll(/\d/g)].map((m) => m.index)]`:                             `["1",["1","2"],1,[1,3]]`,
		`String.raw` + "`a${1}b${2}`" + ` + String.raw({ raw: ['x', 'y', 'z'] }, 1, 2, 3)`:                                                         `"a1b2x1y2z"`,
		`[[1, [2, [3, [4]]]].flat(), [1, [2, [3, [4]]]].flat(Infinity), [1, , 3].flat(), [1, 2].flatMap((x) => [x, [x * 10]])]`:                    `[[1,2,[3,[4]]],[1,2,3,4],[1,3],[1,[10],2,[20]]]`,
		`JSON.stringify({ b: 1, a: [1, 'x', null, undefined, () => 1], d: new Date(0), n: NaN }, null, 2).length`:                                  `119`,
		`JSON.stringify({ a: 1, b: { a: 2, c: 3 }, c: 4 }, ['a', 'b'])`:                                                                            `"{\"a\":1,\"b\":{\"a\":2}}"`,
		`JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v * 2 : v, '--')`:                                                      `"{\n--\"a\": 2,\n--\"b\": \"x\"\n}"`,
		`JSON.stringify('s') + JSON.stringify(undefined) + JSON.stringify([undefined])`:                                                            `"\"s\"undefined[null]"`,
		`JSON.parse('{"a":[1,{"b":null}]}', (k, v) => v === null ? 'N' : v)`:                                                                       `{"a":[1,{"b":"N"}]}`,
		`[3, 1, 10, 2].sort().concat([3, 1, 2].sort((a, b) => b - a), ['b', undefined, 'a'].sort())`:                                               `[1,10,2,3,3,2,1,"a","b",null]`,
		`Array.from({ length: 3 }, (_, i) => i * 2).concat(Array.from('ab'), Array.from(new Set([1, 1, 2])))`:                                      `[0,2,4,"a","b",1,2]`,
		`Math.max.apply(null, [1, 5, 3]) + Reflect.apply(Math.min, null, [4, 2])`:                                                                  `7`,
		`new (Reflect.construct(Date, [0]).constructor)(0).getTime()`:                                                                              `0`,
		`Object.keys('ab').concat(Object.values([7, 8]), Object.entries({ x: 1 }))`:                                                                `["0","1",7,8,["x",1]]`,
		`(() => { const f = function (a, b) { return this.v + a + b; }; return f.bind({ v: 1 }, 2)(3); })()`:                                       `6`,
		`Symbol.keyFor(Symbol.for('k')) + String(Symbol.for('k') === Symbol.for('k'))`:                                                             `"ktrue"`,
		`new RegExp('a+', 'g').test('caa') + ':' + RegExp(/x/i).flags + ':' + new RegExp(/x/g, 'y').flags + ':' + (RegExp(/z/) instanceof RegExp)`: `"true:i:y:true"`,
		`[...[1, 2, 3]].length + [...new Map([[1, 2]])].length + Math.max(...[1, 9])`:                                                              `13`,
		`(() => { const a = [1, 2, 3]; a.splice(1, 1, 'x', 'y'); a.unshift(0); return a.indexOf('y') + a.lastIndexOf(3) + a.length; })()`:          `12`,
	}
	var keys []string
	for k := range cases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var src strings.Builder
	src.WriteString("logic['h'] = () => [\n")
	for _, k := range keys {
		src.WriteString("  JSON.stringify(" + k + "),\n")
	}
	src.WriteString("];")
	res := okT(t, e, src.String(), "h", Invocation{})
	for i, k := range keys {
		if got := res.Data.([]any)[i]; got != cases[k] {
			t.Errorf("%s\n  got  %v\n  want %s", k, got, cases[k])
		}
	}
}

// A canceled run stops whether the heap watchdog checks its context (the
// default) or, without a watchdog, a context.AfterFunc does.
func TestCancellationStopsARunningHandler(t *testing.T) {
	for _, heap := range []int64{0, -1} {
		e := New(Config{Timeout: 30 * time.Second, MaxHeapBytes: heap})
		p := compileT(t, e, handler(`await db.operation.count('x'); while (true) {}`))
		started := make(chan struct{})
		db := newMemStore()
		db.delay = func(context.Context) error { close(started); return nil }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := e.Run(ctx, p, Invocation{Path: "h", DB: db})
			done <- err
		}()
		<-started
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("MaxHeapBytes %d: canceled run: %v", heap, err)
			}
		case <-time.After(slow(10 * time.Second)):
			t.Fatalf("MaxHeapBytes %d: cancellation did not stop the run", heap)
		}
	}
}
