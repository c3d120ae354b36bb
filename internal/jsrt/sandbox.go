package jsrt

// Building one sandboxed runtime.
//
// A sandbox is a goja runtime that has been locked down once and is then reused for many runs
// (see pool.go for why). Building it:
//
//  1. Globals that give power or escape the limits are removed: GoError (wraps Go errors with
//     their Go values), Proxy (trap-driven native loops and deep proxy chains), BigInt (the `**`
//     operator on BigInts is an unbounded native computation; BigInt literals are refused at
//     compile time), ArrayBuffer/SharedArrayBuffer/DataView and the typed arrays (raw
//     allocations). goja has no require, process, timers, file system or network to remove;
//     dynamic import() is a syntax error in scripts; source maps are disabled in the parser
//     (goja would otherwise read the file a `//# sourceMappingURL=` comment names).
//  2. The allocating and looping built-ins are replaced by guarded versions (guards.go).
//  3. console, bot and db are installed: frozen objects whose Go functions act on the run in
//     progress (bindings.go), so nothing about a run is stored in the runtime.
//  4. sandboxJS: code generation is disabled (eval, Function and the generator/async function
//     constructors throw: new code would bypass the compile-time checks in syntax.go), RegExp is
//     replaced by a checking constructor (regexp.go), Symbol.for gets a per-run registry, and
//     then every object reachable from the global object and from the intrinsics that syntax
//     alone reaches (iterator, generator and async function prototypes, %ThrowTypeError%) is
//     frozen — the global object included. A frozen realm has no place where one run could leave
//     something for the next: that is the isolation argument, and isolation_test.go checks it.
//     (It found one goja quirk: Map/Set.prototype.size are accessors with an internal writable
//     flag that lets an assignment store a hidden value despite the freeze; accessors are
//     therefore rebuilt before freezing.)
//
// Freezing the built-ins would break the common `this.name = 'MyError'` and
// `counts['constructor'] = 1` patterns (an inherited read-only property makes assignment fail).
// As in SES, those properties (every data property of Object.prototype; name, message,
// constructor and toString of the Error prototypes; toString and constructor of
// Function.prototype) become accessors whose setter defines an own property on the receiver.
//
// Consequences for bot code, documented in doc.go: assigning an undeclared variable
// (`x = 1` without let/var) cannot create a global, and built-ins cannot be patched.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// removedGlobals are deleted from every sandbox.
var removedGlobals = []string{
	"GoError", "Proxy", "BigInt", "ArrayBuffer", "SharedArrayBuffer", "DataView",
	"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
	"Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array",
	"BigUint64Array", "WeakRef", "FinalizationRegistry", "Atomics",
}

// stopReason is the value passed to rt.Interrupt. It is also how guards end a run: they record
// the reason, interrupt the runtime and throw, and the interrupt makes the throw uncatchable.
type stopReason struct {
	kind ErrorKind
	msg  string
	// canceled marks a run whose caller's context was canceled (not a deadline).
	canceled bool
}

func (r *stopReason) Error() string { return r.msg }

// slot is one sandboxed runtime and the state of the run in progress on it.
type slot struct {
	cfg *Config
	rt  *goja.Runtime

	// mu guards runID and run against the deadline timer and the heap watchdog, which run on
	// other goroutines and may only interrupt the run they were armed for.
	mu    sync.Mutex
	runID uint64
	run   *runState
	stop  atomic.Pointer[stopReason]

	// The deadline timer, made on the slot's first run and re-armed for each later one
	// (deadline.go): a timer per run was a measurable share of a trivial handler's cost.
	timer  *time.Timer
	disarm func()     // stops timer
	armed  armedTimer // guarded by mu

	runs    int  // runs served, for MaxRunsPerRuntime
	broken  bool // discard after the current run
	collect bool // and collect garbage once it is discarded (a stopped run)

	// intrinsics captured before the lockdown
	global         *goja.Object
	errorCtor      *goja.Object
	typeErrorCtor  *goja.Object
	rangeErrorCtor *goja.Object
	syntaxErrCtor  *goja.Object
	evalErrorCtor  *goja.Object
	objectProto    *goja.Object
	gopd           goja.Callable // Object.getOwnPropertyDescriptor
	promiseResolve goja.Callable
	fnToString     goja.Callable // Function.prototype.toString, with the function as this (arity.go)
	promiseCtor    *goja.Object
	dbObject       *goja.Object
	tgObject       *goja.Object  // bot.telegram
	vmCall         goja.Callable // calls vmFn inside the VM (engine.go, inVM)
	vmFn           func()
	response       *goja.Object // the current run's `response`
	prefix         int          // the current program's wrapper prefix length
	defaultCompare *goja.Object // Array.prototype.sort's default order (guards.go)
	freeze         goja.Callable
	instances      map[string]*instance // each bot's evaluated script, by bot (instance.go)
	cmpCount       int

	// per-run scratch, reset by begin
	nativeDepth int
	joinStack   []*goja.Object
	boundDepth  map[*goja.Object]int
	symbols     map[string]*goja.Symbol
	regexpOK    map[string]string // pattern+flags → checkRegexp verdict; not run state
}

var sandboxProgram = goja.MustCompile("sandbox.js", sandboxJS, true)

func newSlot(cfg *Config) (*slot, error) {
	rt := goja.New()
	rt.SetMaxCallStackSize(cfg.MaxCallStackSize)
	rt.SetParserOptions(parser.WithDisableSourceMaps)
	s := &slot{cfg: cfg, rt: rt, regexpOK: make(map[string]string)}
	s.global = rt.GlobalObject()

	ctor := func(name string) *goja.Object { return s.global.Get(name).ToObject(rt) }
	s.errorCtor = ctor("Error")
	s.typeErrorCtor = ctor("TypeError")
	s.rangeErrorCtor = ctor("RangeError")
	s.syntaxErrCtor = ctor("SyntaxError")
	s.evalErrorCtor = ctor("EvalError")
	object := ctor("Object")
	s.objectProto = object.Get("prototype").ToObject(rt)
	s.gopd, _ = goja.AssertFunction(object.Get("getOwnPropertyDescriptor"))
	s.freeze, _ = goja.AssertFunction(object.Get("freeze"))
	s.promiseCtor = ctor("Promise")
	s.promiseResolve = bindMethod(s.promiseCtor, "resolve")
	s.fnToString, _ = goja.AssertFunction(ctor("Function").Get("prototype").ToObject(rt).Get("toString"))

	for _, name := range removedGlobals {
		if err := s.global.Delete(name); err != nil {
			return nil, fmt.Errorf("jsrt: removing %s: %w", name, err)
		}
	}
	if err := s.installGuards(); err != nil {
		return nil, err
	}
	if err := s.installBindings(); err != nil {
		return nil, err
	}
	s.installEngineHelpers()

	setup, err := rt.RunProgram(sandboxProgram)
	if err != nil {
		return nil, fmt.Errorf("jsrt: sandbox setup: %w", err)
	}
	setupFn, _ := goja.AssertFunction(setup)
	helpers := rt.NewObject()
	_ = helpers.Set("checkRegExp", s.newFunc("checkRegExp", 2, s.jsCheckRegExp))
	_ = helpers.Set("isRegExpObject", s.newFunc("isRegExpObject", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		return rt.ToValue(ok && o.ClassName() == "RegExp")
	}))
	_ = helpers.Set("symbolFor", s.newFunc("for", 1, s.symbolFor))
	_ = helpers.Set("symbolKeyFor", s.newFunc("keyFor", 1, s.symbolKeyFor))
	_ = helpers.Set("roots", rt.NewArray(s.dbObject))
	if _, err := setupFn(goja.Undefined(), helpers); err != nil {
		return nil, fmt.Errorf("jsrt: sandbox lockdown: %w", err)
	}
	return s, nil
}

func bindMethod(o *goja.Object, name string) goja.Callable {
	fn, _ := goja.AssertFunction(o.Get(name))
	return func(_ goja.Value, args ...goja.Value) (goja.Value, error) { return fn(o, args...) }
}

// newFunc creates a native function with a JavaScript name: goja's ToValue would name it after
// the Go function (github.com/…/jsrt.(*slot)…), which must not show in bot code or stacks.
func (s *slot) newFunc(name string, length int, fn func(goja.FunctionCall) goja.Value) *goja.Object {
	f := s.rt.ToValue(fn).(*goja.Object)
	_ = f.DefineDataProperty("name", s.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = f.DefineDataProperty("length", s.rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return f
}

// throwErr throws a JavaScript error of the given constructor from a native function.
func (s *slot) throwErr(ctor *goja.Object, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	obj, err := s.rt.New(ctor, s.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	panic(obj)
}

func (s *slot) throwType(format string, args ...any) {
	s.throwErr(s.typeErrorCtor, format, args...)
}

// limit ends the run with a limit error: the interrupt makes the thrown RangeError uncatchable.
func (s *slot) limit(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.stopRun(&stopReason{kind: KindLimit, msg: msg})
	s.throwErr(s.rangeErrorCtor, "%s", msg)
}

// stopRun records why the current run must end and interrupts it. Called on the run's own
// goroutine; abort is the variant for other goroutines.
func (s *slot) stopRun(r *stopReason) {
	s.stop.CompareAndSwap(nil, r)
	s.rt.Interrupt(s.stop.Load())
}

// abort interrupts run id if it is still the current run.
func (s *slot) abort(id uint64, r *stopReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runID != id || s.run == nil {
		return
	}
	if s.stop.CompareAndSwap(nil, r) {
		s.rt.Interrupt(r)
	}
}

// checkStop lets long native loops that pass through a guard notice the deadline: goja only
// checks interrupts between JavaScript instructions.
func (s *slot) checkStop() {
	if r := s.stop.Load(); r != nil {
		s.throwErr(s.rangeErrorCtor, "%s", r.msg)
	}
}

func (s *slot) jsCheckRegExp(call goja.FunctionCall) goja.Value {
	s.checkRegexpValue(call.Argument(0), call.Argument(1))
	return goja.Undefined()
}

// checkRegexpValue throws a SyntaxError when the pattern would run on the backtracking engine.
func (s *slot) checkRegexpValue(pattern, flags goja.Value) {
	p, ok := patternText(pattern)
	if !ok {
		s.throwErr(s.syntaxErrCtor, "Invalid regular expression: unpaired surrogates are not supported in the sandbox")
	}
	f := flags.String()
	key := f + "/" + p
	verdict, seen := s.regexpOK[key]
	if !seen {
		verdict = checkRegexp(p, f)
		if len(s.regexpOK) > 512 {
			clear(s.regexpOK)
		}
		s.regexpOK[key] = verdict
	}
	if verdict != "" {
		s.throwErr(s.syntaxErrCtor, "Invalid regular expression /%s/: %s", truncate(p, 60), verdict)
	}
}

func (s *slot) symbolFor(call goja.FunctionCall) goja.Value {
	key := call.Argument(0).String()
	if sym, ok := s.symbols[key]; ok {
		return sym
	}
	if len(s.symbols) >= s.cfg.MaxArrayLength {
		s.limit("too many registered symbols (limit %d)", s.cfg.MaxArrayLength)
	}
	sym := goja.NewSymbol(key)
	s.symbols[key] = sym
	return sym
}

func (s *slot) symbolKeyFor(call goja.FunctionCall) goja.Value {
	sym, ok := call.Argument(0).(*goja.Symbol)
	if !ok {
		s.throwType("%s is not a symbol", call.Argument(0).String())
	}
	for k, v := range s.symbols {
		if v == sym {
			return s.rt.ToValue(k)
		}
	}
	return goja.Undefined()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// sandboxJS runs once per runtime, after the Go guards and bindings are installed.
const sandboxJS = `(function (h) {
	'use strict';
	const G = globalThis;
	const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, freeze } = Object;
	const ownKeys = Reflect.ownKeys;
	const construct = Reflect.construct;

	// Code generation: eval, Function and the generator/async function constructors throw.
	// (goja has no async generators.)
	const disabled = function (name, proto) {
		const f = function () { throw new EvalError(name + ' is disabled in bot code'); };
		defineProperty(f, 'name', { value: name });
		if (proto !== undefined) defineProperty(f, 'prototype', { value: proto, writable: false });
		return f;
	};
	const FunctionPrototype = Function.prototype;
	const SafeFunction = disabled('Function', FunctionPrototype);
	defineProperty(FunctionPrototype, 'constructor', { value: SafeFunction });
	defineProperty(G, 'Function', { value: SafeFunction });
	defineProperty(G, 'eval', { value: disabled('eval') });
	const hidden = [
		getPrototypeOf(function* () {}),
		getPrototypeOf(async function () {}),
	];
	for (const p of hidden) {
		defineProperty(p, 'constructor', { value: disabled(p.constructor.name, p) });
	}

	// RegExp: every pattern built from a string is checked (regexp.go).
	const OrigRegExp = RegExp;
	const RegExpPrototype = OrigRegExp.prototype;
	const isRegExp = function (x) {
		if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return false;
		const m = x[Symbol.match];
		if (m !== undefined) return !!m;
		return h.isRegExpObject(x);
	};
	const SafeRegExp = function RegExp(pattern, flags) {
		const patternIsRegExp = isRegExp(pattern);
		if (new.target === undefined && patternIsRegExp && flags === undefined && pattern.constructor === SafeRegExp) {
			return pattern;
		}
		let P, F;
		if (h.isRegExpObject(pattern)) {
			// A real RegExp keeps its checked source; flags do not change the engine (regexp.go).
			P = pattern;
			F = flags === undefined ? undefined : String(flags);
		} else if (patternIsRegExp) {
			P = String(pattern.source);
			F = flags === undefined ? String(pattern.flags) : String(flags);
			h.checkRegExp(P, F);
		} else {
			P = pattern === undefined ? '' : String(pattern);
			F = flags === undefined ? '' : String(flags);
			h.checkRegExp(P, F);
		}
		return construct(OrigRegExp, [P, F], new.target === undefined ? SafeRegExp : new.target);
	};
	for (const k of ownKeys(OrigRegExp)) {
		if (k === 'prototype' || k === 'name' || k === 'length') continue;
		defineProperty(SafeRegExp, k, getOwnPropertyDescriptor(OrigRegExp, k));
	}
	defineProperty(SafeRegExp, 'prototype', { value: RegExpPrototype, writable: false });
	defineProperty(RegExpPrototype, 'constructor', { value: SafeRegExp });
	delete RegExpPrototype.compile;
	defineProperty(G, 'RegExp', { value: SafeRegExp });

	// Symbol registry: per run.
	defineProperty(Symbol, 'for', { value: h.symbolFor });
	defineProperty(Symbol, 'keyFor', { value: h.symbolKeyFor });

	// Accessors instead of read-only inherited properties (the "override mistake").
	const tame = function (obj, name) {
		const d = getOwnPropertyDescriptor(obj, name);
		if (d === undefined || !('value' in d) || !d.configurable) return;
		const value = d.value;
		const get = function () { return value; };
		const set = function (v) {
			if (this === obj) throw new TypeError("Cannot assign to read only property '" + String(name) + "' of a built-in object");
			defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
		};
		defineProperty(get, 'name', { value: 'get ' + String(name) });
		defineProperty(set, 'name', { value: 'set ' + String(name) });
		defineProperty(obj, name, { get, set, enumerable: d.enumerable, configurable: false });
	};
	for (const k of ownKeys(Object.prototype)) tame(Object.prototype, k);
	tame(FunctionPrototype, 'toString');
	tame(FunctionPrototype, 'constructor');
	for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
		for (const k of ['name', 'message', 'constructor', 'toString']) tame(E.prototype, k);
	}

	// Freeze everything reachable.
	const roots = [G, OrigRegExp, ...hidden, ...h.roots];
	roots.push(getPrototypeOf([][Symbol.iterator]()));
	roots.push(getPrototypeOf(new Map()[Symbol.iterator]()));
	roots.push(getPrototypeOf(new Set()[Symbol.iterator]()));
	roots.push(getPrototypeOf(''[Symbol.iterator]()));
	roots.push(getPrototypeOf('a'.matchAll(/a/g)));
	roots.push(getPrototypeOf(getPrototypeOf((function* () {})())));
	const tte = getOwnPropertyDescriptor(FunctionPrototype, 'caller');
	if (tte !== undefined) roots.push(tte.get, tte.set);
	const callee = (function () { 'use strict'; return getOwnPropertyDescriptor(arguments, 'callee'); })();
	if (callee !== undefined) roots.push(callee.get, callee.set);
	// An index-based walk: for-of and push would go through the guarded iterator and push.
	const seen = new Set();
	const stack = roots;
	let top = stack.length;
	const visit = function (v) {
		if (v !== null && (typeof v === 'object' || typeof v === 'function') && !seen.has(v)) stack[top++] = v;
	};
	while (top > 0) {
		const o = stack[--top];
		if (seen.has(o)) continue;
		seen.add(o);
		visit(getPrototypeOf(o));
		const keys = ownKeys(o);
		for (let i = 0; i < keys.length; i++) {
			const d = getOwnPropertyDescriptor(o, keys[i]);
			if ('value' in d) {
				visit(d.value);
				continue;
			}
			visit(d.get);
			visit(d.set);
			if (d.configurable) {
				// goja creates some accessors (Map.prototype.size, Set.prototype.size) with an
				// internal writable flag, so that assigning to them stores a hidden value even
				// when frozen: a bit of state a run could leave for the next. Passing through a
				// data descriptor clears the flag, and keeps the property's place.
				defineProperty(o, keys[i], { value: undefined, writable: false });
				defineProperty(o, keys[i], { get: d.get, set: d.set });
			}
		}
		freeze(o);
	}
})`
