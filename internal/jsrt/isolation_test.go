package jsrt

// The isolation argument for reusing runtimes (pool.go): every object a script can reach from the
// global object, from the intrinsics that syntax reaches, or from the bindings is frozen, and
// nothing else persists. These tests check it directly: a fingerprint of that whole object graph
// (every property, attribute, prototype and identity) is the same before and after scripts that
// try to change every reachable object, including runs that are cut short by a timeout or a limit
// in the middle of their work, on the very same runtime.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const reachable = `
	const roots = (db) => [
		globalThis, db,
		Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function () {}),
		Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())), Object.getPrototypeOf([][Symbol.iterator]()),
		Object.getPrototypeOf(new Map()[Symbol.iterator]()), Object.getPrototypeOf(new Set()[Symbol.iterator]()),
		Object.getPrototypeOf(''[Symbol.iterator]()), Object.getPrototypeOf('a'.matchAll(/a/g)),
		Object.getOwnPropertyDescriptor(Function.prototype, 'caller')?.get,
		(function () { 'use strict'; return Object.getOwnPropertyDescriptor(arguments, 'callee').get; })(),
	];
	// every reachable object, in a deterministic order
	const walk = (visit, db) => {
		const seen = new Map();
		const queue = roots(db);
		for (let i = 0; i < queue.length; i++) {
			const o = queue[i];
			if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
			seen.set(o, seen.size);
			visit(o, seen);
			queue.push(Object.getPrototypeOf(o));
			for (const k of Reflect.ownKeys(o)) {
				const d = Object.getOwnPropertyDescriptor(o, k);
				queue.push(d.value, d.get, d.set);
			}
		}
		return seen;
	};
`

const fingerprintBot = reachable + `
	logic['fp'] = (query, body, db) => {
		const lines = [];
		const seen = walk(() => {}, db);
		const ref = (v) => (v !== null && (typeof v === 'object' || typeof v === 'function')) ? '#' + seen.get(v) : typeof v + ':' + String(v);
		for (const [o, id] of seen) {
			let line = id + ' ' + typeof o + ' frozen=' + Object.isFrozen(o) + ' proto=' + ref(Object.getPrototypeOf(o));
			for (const k of Reflect.ownKeys(o)) {
				const d = Object.getOwnPropertyDescriptor(o, k);
				line += ' | ' + String(k) + ('value' in d ? '=' + ref(d.value) + (d.writable ? 'w' : '') : ' get=' + ref(d.get) + ' set=' + ref(d.set)) + (d.enumerable ? 'e' : '') + (d.configurable ? 'c' : '');
			}
			lines.push(line);
		}
		return lines;
	};
`

const tamperBot = reachable + `
	logic['tamper'] = (query, body, db) => {
		let changed = 0;
		const attempt = (f) => { try { f(); changed++; } catch (e) {} };
		walk((o) => {
			for (const k of Reflect.ownKeys(o)) {
				attempt(() => { o[k] = 'tampered'; });
				attempt(() => { Object.defineProperty(o, k, { value: 'tampered' }); });
				attempt(() => { delete o[k]; });
			}
			attempt(() => { o.__tampered = 1; });
			attempt(() => { o[Symbol.for('tampered')] = 1; });
			attempt(() => { Object.setPrototypeOf(o, null); });
			attempt(() => { Object.preventExtensions(o); });
		}, db);
		attempt(() => { globalThis.__leak = 1; });
		Symbol.for('left behind');
		if (query.end === 'timeout') { let i = 0; for (;;) i++; }
		if (query.end === 'memory') { let keep = 0; for (;;) keep = { again: keep }; }
		if (query.end === 'limit') { 'x'.repeat(2 ** 40); }
		if (query.end === 'throw') { throw new Error('tampered and threw'); }
		return changed;
	};
`

func fingerprint(t *testing.T, e *Engine, p *Program) []any {
	t.Helper()
	res, err := e.Run(context.Background(), p, Invocation{Path: "fp"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Data.([]any)
}

func idleSlot(t *testing.T, e *Engine) *slot {
	t.Helper()
	select {
	case s := <-e.pool.idle:
		e.pool.idle <- s
		return s
	default:
		t.Fatal("no idle runtime")
		return nil
	}
}

func TestReusedRuntimeStaysPristine(t *testing.T) {
	e := New(Config{MaxConcurrent: 1, Timeout: slow(time.Second), MaxValueBytes: 8 << 20, MaxHeapBytes: 256 << 20})
	fp := compileT(t, e, fingerprintBot)
	tamper := compileT(t, e, tamperBot)
	before := fingerprint(t, e, fp)
	if len(before) < 400 {
		t.Fatalf("only %d reachable objects: the walk is broken", len(before))
	}
	for _, line := range before {
		if !strings.Contains(line.(string), "frozen=true") {
			t.Fatalf("not frozen: %s", line)
		}
	}
	runtime := idleSlot(t, e)

	for _, end := range []string{"", "throw", "limit", "timeout", "memory"} {
		res, err := e.Run(context.Background(), tamper, Invocation{Path: "tamper", Query: map[string]string{"end": end}})
		switch end {
		case "":
			if err != nil {
				t.Fatal(err)
			}
			// Only assignments to the tamed accessors' own-property path can "succeed", and
			// they define properties on the receiver — never on a built-in.
			t.Logf("tamper run: %v operations did not throw", res.Data)
		case "throw":
			handlerErrT(t, err, KindException)
		case "limit":
			handlerErrT(t, err, KindLimit)
		case "memory":
			// Stopped by the memory limit, or by the deadline when a busy
			// machine makes the allocation slower than the run's time.
			if he := new(HandlerError); !errors.As(err, &he) || (he.Kind != KindLimit && he.Kind != KindTimeout) {
				t.Fatalf("memory end: %v", err)
			}
		case "timeout":
			handlerErrT(t, err, KindTimeout)
		}
		if end == "limit" || end == "timeout" || end == "memory" {
			// A stopped run's runtime is dropped instead (Engine.execute):
			// goja keeps stale values above its stack pointer, so reusing it
			// would keep what the run allocated alive. The fingerprint below
			// runs on a fresh runtime, and the next end on that one.
			select {
			case <-e.pool.idle:
				t.Fatalf("a runtime stopped by %q must not be reused", end)
			default:
			}
			after := fingerprint(t, e, fp)
			if diff := firstDiff(before, after); diff != "" {
				t.Fatalf("fresh runtime after %q differs:\n%s", end, diff)
			}
			runtime = idleSlot(t, e)
			continue
		} else if got := idleSlot(t, e); got != runtime {
			t.Fatalf("after %q the runtime was replaced: this test must exercise reuse", end)
		}
		after := fingerprint(t, e, fp)
		if diff := firstDiff(before, after); diff != "" {
			t.Fatalf("after a tamper run ending with %q the realm changed:\n%s", end, diff)
		}
	}

	// A fresh engine's realm is the same graph: nothing about a runtime depends on its history.
	fresh := fingerprint(t, New(Config{MaxValueBytes: 8 << 20}), fp)
	if diff := firstDiff(before, fresh); diff != "" {
		t.Fatalf("fresh runtime differs:\n%s", diff)
	}
}

func firstDiff(a, b []any) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return "before: " + truncate(a[i].(string), 400) + "\nafter:  " + truncate(b[i].(string), 400)
		}
	}
	if len(a) != len(b) {
		return "object count changed"
	}
	return ""
}

func TestNothingCarriesOverBetweenRunsAndBots(t *testing.T) {
	e := New(Config{MaxConcurrent: 1})
	writer := compileT(t, e, `
		var topVar = 'secret';
		logic['h'] = (query, body, db, response) => {
			try { globalThis.g = 'secret'; } catch (e) {}
			Symbol.for('secret-' + query.v);
			const sym = Symbol.for('shared');
			response.headers['X-A'] = 'a';
			(function () { try { this.viaThis = 'secret'; } catch (e) {} })();
			return String(sym.description);
		};`)
	reader := compileT(t, e, `
		logic['h'] = (query, body, db, response) => ({
			g: typeof g, topVar: typeof topVar, viaThis: typeof viaThis,
			headers: Object.keys(response.headers).length,
			status: response.statusCode,
		});`)
	if _, err := e.Run(context.Background(), writer, Invocation{Path: "h", Query: map[string]string{"v": "1"}}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(context.Background(), reader, Invocation{Path: "h"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"g": "undefined", "topVar": "undefined", "viaThis": "undefined", "headers": 0.0, "status": 200.0}
	for k, v := range want {
		if res.Data.(map[string]any)[k] != v {
			t.Errorf("%s = %#v, want %#v", k, res.Data.(map[string]any)[k], v)
		}
	}
	if len(res.Headers) != 0 {
		t.Errorf("headers leaked: %v", res.Headers)
	}
}

func TestTaggedTemplatesShareNothing(t *testing.T) {
	// goja keeps a tagged template's strings in the compiled Program, which every runtime shares.
	e := New(Config{MaxConcurrent: 2})
	p := compileT(t, e, `
		const tag = (strings) => strings;
		logic['h'] = () => {
			const s = tag`+"`a${1}b`"+`;
			const before = JSON.stringify([s, s.raw, Object.isFrozen(s), Object.isFrozen(s.raw)]);
			for (const o of [s, s.raw]) {
				for (const k of [0, 1, 'length', 'x']) {
					try { o[k] = 'tampered'; } catch (e) {}
					try { Object.defineProperty(o, k, { value: 'tampered' }); } catch (e) {}
					try { delete o[k]; } catch (e) {}
				}
			}
			return before;
		};`)
	var first any
	for i := 0; i < 5; i++ {
		res, err := e.Run(context.Background(), p, Invocation{Path: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = res.Data
		} else if res.Data != first {
			t.Fatalf("run %d saw %v, first saw %v", i, res.Data, first)
		}
	}
	if first != `[["a","b"],["a","b"],true,true]` {
		t.Fatalf("template object: %v", first)
	}
}

func TestWrapperFunctionIsPerBot(t *testing.T) {
	// The function a script runs in belongs to the bot's instance (instance.go); sloppy code
	// reaches it as arguments.callee. What one bot writes on it stays with that bot, even when two
	// bots run the very same Program on one runtime.
	e := New(Config{MaxConcurrent: 1})
	p := compileT(t, e, `
		const self = arguments.callee;
		logic['h'] = (query) => { const seen = self.x; if (query.write) self.x = query.write; return seen === undefined ? 'none' : seen; };`)
	run := func(bot, write string) any {
		t.Helper()
		res, err := e.Run(context.Background(), p, Invocation{Path: "h", Params: Params{BotID: bot}, Query: map[string]string{"write": write}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Data
	}
	run("bot_a", "secret of a")
	if got := run("bot_a", ""); got != "secret of a" {
		t.Fatalf("bot a's own state: %v", got)
	}
	if got := run("bot_b", ""); got != "none" {
		t.Fatalf("bot b saw %v", got)
	}
}
