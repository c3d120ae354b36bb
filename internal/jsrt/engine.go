package jsrt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// Engine runs bots' handlers on a bounded pool of sandboxed goja runtimes. It is safe for
// concurrent use; one Engine serves every bot.
type Engine struct {
	cfg   Config
	pool  *pool
	watch *watchdog
}

// New returns an Engine with cfg's limits (zero fields take the defaults, see Config).
func New(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg}
	e.pool = newPool(&e.cfg)
	e.watch = newWatchdog(cfg.MaxHeapBytes)
	return e
}

// Config returns the effective configuration.
func (e *Engine) Config() Config { return e.cfg }

// Params are the handler's fifth argument, `params`.
type Params struct {
	BotID      string
	CustomPath string
}

// Invocation is one request to a bot's handler.
type Invocation struct {
	Path   string            // the handler name: logic['<Path>']
	Method string            // HTTP method, also given to the handler as params.method
	Query  map[string]string // `query`
	Body   any               // `body`: decoded JSON (map[string]any, []any, …); nil means {}
	Params Params

	// The bot's bindings. Either may be nil: calls then reject with "… is not available here".
	DB       DocStore
	Telegram Telegram

	// Env is what the script reads as env.NAME (the bot's settings); nil means none.
	Env map[string]string

	// Deadline, when set, bounds the wait for a runtime and the run like a deadline on ctx,
	// without the cost of a context with a timer on every request (the webhook's hot path).
	Deadline time.Time

	// For RunUpdate: the update (decoded JSON), the sender's record (nil: none yet) and the bot's
	// username, which a "/command@username" must name.
	Update      map[string]any
	User        *UpdateUser
	BotUsername string
}

// Result is what the handler produced. The HTTP layer answers with status Status, headers
// Headers and the body {"ok": Status < 400, "message"?: *Message, "data"?: Data}, including
// "data" only when HasData().
type Result struct {
	Status  int
	Headers map[string]string
	Message *string // nil when response.message was not set
	// Data is response.data when the handler set it (DataSet), otherwise the handler's
	// return value when it returned one (Returned). JSON-ready: map[string]any, []any, string,
	// float64, bool or nil.
	Data        any
	DataSet     bool
	Returned    bool
	Logs        []LogLine
	LogsDropped int // console lines beyond MaxLogLines
	Duration    time.Duration

	// RunUpdate: the handler that took the update, and its ctx.user changes in call order.
	Route   *UpdateRoute
	Actions []UserAction
}

// HasData reports whether the response body carries "data".
func (r *Result) HasData() bool { return r.DataSet || r.Returned }

// ErrInternal wraps a failure of the sandbox itself (a bug, not the bot's code).
var ErrInternal = errors.New("jsrt: internal error")

// Run executes prog's handler for inv.Path. It waits for a free runtime until ctx ends
// (returning ctx.Err()), then runs within min(ctx's deadline, Timeout).
//
// Errors: ErrNoHandler; *HandlerError for exceptions (including rejected promises), timeouts
// (including a promise that can never settle) and limit violations; the context's error when ctx
// is canceled; ErrInternal. With a *HandlerError the Result is returned too, carrying the logs
// and duration.
func (e *Engine) Run(ctx context.Context, prog *Program, inv Invocation) (*Result, error) {
	if prog == nil {
		return nil, errors.New("jsrt: nil program")
	}
	if !prog.hasHandler(inv.Path) {
		return nil, ErrNoHandler
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := e.pool.get(ctx, inv.Deadline)
	if err != nil {
		return nil, err
	}
	defer e.pool.put(s)
	return e.execute(ctx, s, prog, &inv, func(in *instance, _ *Result) (goja.Value, error) {
		return s.callHTTP(in, &inv)
	})
}

// The wrappers turn a bot's script into a function of `logic` and `bot` (see compile.go and
// instance.go). The nested form is used when the script declares its own `logic` or `bot` with
// let, const or class.
const (
	wrapperPrefix       = "(function (logic, bot) {"
	wrapperSuffix       = "\n;return logic;})"
	nestedWrapperPrefix = "(function (logic, bot) { return (function () {"
	nestedWrapperSuffix = "\n;return logic;}).call(this); })"
	sourceName          = "bot.js"
)

// execute runs one call on s: it evaluates the bot's instance when needed, calls the handler with
// call, settles its promise and, for HTTP requests, reads the response.
func (e *Engine) execute(ctx context.Context, s *slot, prog *Program, inv *Invocation, call func(*instance, *Result) (goja.Value, error)) (res *Result, err error) {
	start := time.Now()
	rs := &runState{start: start, parent: ctx, deadline: start.Add(e.cfg.Timeout), inv: inv}
	if d, ok := ctx.Deadline(); ok && d.Before(rs.deadline) {
		rs.deadline = d
	}
	if d := inv.Deadline; !d.IsZero() && d.Before(rs.deadline) {
		rs.deadline = d
	}
	id := s.begin(rs, prog)
	e.watch.add(s, id, ctx)
	stop := e.arm(ctx, s, id, rs.deadline.Sub(start), "the handler did not finish within %v")
	res = &Result{Status: 200}
	defer func() {
		stop()
		if p := recover(); p != nil {
			s.broken = true
			err = fmt.Errorf("%w: %v", ErrInternal, p)
		}
		e.watch.remove(s)
		if s.stop.Load() != nil {
			// A stopped run (deadline, cancel, limit, heap watchdog) may have
			// allocated a lot, and goja keeps stale values above its stack
			// pointer: reused, the runtime would keep all of it reachable,
			// and a heap kept over the watchdog's limit stops the next,
			// innocent runs. Drop the runtime and collect instead; stops are
			// rare and a new runtime costs a few milliseconds.
			s.broken, s.collect = true, true
		}
		s.end()
		if err != nil && !isHandlerError(err) {
			res = nil
		}
		if res != nil {
			res.Logs, res.LogsDropped = rs.logs, rs.dropped
			res.Actions = rs.actions
			res.Duration = time.Since(start)
		}
	}()

	in, err := s.instanceFor(prog, inv.Params.BotID)
	if err != nil {
		return res, s.runError(err)
	}
	ret, err := call(in, res)
	if errors.Is(err, ErrNoHandler) {
		return nil, ErrNoHandler
	}
	if err != nil {
		return res, s.runError(err)
	}
	// The call above returned to Go, so goja has run every queued promise job: the handler's
	// promise is settled now or never (no timers or I/O exist outside the synchronous bindings).
	value, err := s.settle(ret)
	if err != nil {
		return res, err
	}
	if inv.Update != nil {
		return res, nil
	}
	err = s.inVM(func() { s.readResponse(res, value) })
	if err != nil {
		return res, s.runError(err)
	}
	return res, nil
}

// callHTTP calls logic[inv.Path](query, body, db, response, params).
func (s *slot) callHTTP(in *instance, inv *Invocation) (goja.Value, error) {
	var ret goja.Value
	found := true
	err := s.inVM(func() {
		if in.logic == nil {
			found = false
			return
		}
		hv := in.logic.Get(inv.Path)
		h, ok := goja.AssertFunction(hv)
		if !ok {
			found = false
			return
		}
		// Only the arguments h can see are built (arity.go).
		var args [httpArgs]goja.Value
		n := s.declaredArgs(in, hv.(*goja.Object))
		rt := s.rt
		if n > 0 {
			query := rt.NewObject()
			args[0] = query
			if len(inv.Query) == 1 { // no order to establish: spare the sorted key slice
				for k, v := range inv.Query {
					_ = query.DefineDataProperty(k, rt.ToValue(v), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
				}
			} else {
				for _, k := range sortedStringKeys(inv.Query) {
					_ = query.DefineDataProperty(k, rt.ToValue(inv.Query[k]), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
				}
			}
		}
		if n > 1 {
			if inv.Body == nil {
				args[1] = rt.NewObject()
			} else {
				args[1] = s.toJS(inv.Body, 0)
			}
		}
		if n > 2 {
			args[2] = s.dbObject
		}
		s.response = nil
		if n > 3 {
			s.response = rt.NewObject()
			_ = s.response.Set("statusCode", 200)
			_ = s.response.Set("headers", rt.NewObject())
			args[3] = s.response
		}
		if n > 4 {
			params := rt.NewObject()
			_ = params.Set("botId", inv.Params.BotID)
			_ = params.Set("customPath", inv.Params.CustomPath)
			_ = params.Set("method", inv.Method)
			args[4] = params
		}
		ret = s.call(h, goja.Undefined(), args[:n]...)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoHandler
	}
	return ret, nil
}

// arm schedules the interrupt of run id after d, and when ctx is canceled: by the heap
// watchdog, which checks the contexts of the runs it was given (watchdog.add) every 5 ms, or,
// without a watchdog, at once. The returned function disarms them.
func (e *Engine) arm(ctx context.Context, s *slot, id uint64, d time.Duration, format string) func() {
	s.armTimer(id, d, format)
	if ctx.Done() == nil || e.watch.watchesCancel() {
		return s.disarm
	}
	stopCtx := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			s.abort(id, &stopReason{kind: KindTimeout, msg: "the request was canceled", canceled: true})
			return
		}
		s.abort(id, &stopReason{kind: KindTimeout, msg: fmt.Sprintf(format, d.Round(time.Millisecond))})
	})
	return func() {
		s.disarm()
		stopCtx()
	}
}

func isHandlerError(err error) bool {
	var he *HandlerError
	return errors.As(err, &he)
}

func sortedStringKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// begin makes rs the slot's current run.
func (s *slot) begin(rs *runState, prog *Program) uint64 {
	s.prefix = prog.prefix
	s.mu.Lock()
	s.runID++
	id := s.runID
	s.run = rs
	s.mu.Unlock()
	s.stop.Store(nil)
	s.nativeDepth = 0
	s.joinStack = s.joinStack[:0]
	if s.boundDepth == nil {
		s.boundDepth = make(map[*goja.Object]int)
		s.instances = make(map[string]*instance)
	}
	if s.symbols == nil {
		s.symbols = make(map[string]*goja.Symbol)
	}
	return id
}

// end detaches the run: later timer or watchdog callbacks for it are ignored.
func (s *slot) end() {
	s.mu.Lock()
	s.runID++
	rs := s.run
	s.run = nil
	s.mu.Unlock()
	if rs != nil && rs.cancel != nil {
		rs.cancel()
	}
	// A run that ended on its own (returned, threw, hit a guard) leaves nothing behind: goja
	// unwinds the stack and drops its job queue, and the realm is frozen, so the runtime is
	// reused (isolation_test.go). A stopped run's runtime is dropped (execute), as is one whose
	// sandbox failed (ErrInternal).
	s.rt.ClearInterrupt()
	s.stop.Store(nil)
	s.runs++
	clear(s.boundDepth)
	clear(s.symbols)
	s.response = nil
}

// inVM runs f inside the VM, so that JavaScript it triggers (getters, toString, toJSON) throws
// into f's caller as an error instead of a Go panic, and interrupts reach it.
func (s *slot) inVM(f func()) error {
	s.vmFn = f
	defer func() { s.vmFn = nil }()
	_, err := s.vmCall(goja.Undefined())
	return err
}

func (s *slot) installEngineHelpers() {
	fn := s.newFunc("", 0, func(goja.FunctionCall) goja.Value {
		if s.vmFn != nil {
			s.vmFn()
		}
		return goja.Undefined()
	})
	s.vmCall, _ = goja.AssertFunction(fn)
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// promiseOf returns the promise ret is or resolves to: a thenable is resolved by
// Promise.resolve; anything else is the value itself (p nil). Only a Promise object is
// exported to find its state (ExportType tells it apart): Export of a plain object builds a Go
// copy of all of it.
func (s *slot) promiseOf(ret goja.Value) (p *goja.Promise, value goja.Value, err error) {
	o, ok := ret.(*goja.Object)
	if !ok {
		return nil, ret, nil
	}
	if o.ExportType() != promiseType {
		var thenable bool
		err := s.inVM(func() {
			_, thenable = goja.AssertFunction(o.Get("then"))
			if thenable {
				ret = s.call(s.promiseResolve, goja.Undefined(), o)
			}
		})
		if err != nil {
			return nil, nil, s.runError(err)
		}
		if o, ok = ret.(*goja.Object); !ok || !thenable || o.ExportType() != promiseType {
			return nil, ret, nil
		}
	}
	p, ok = o.Export().(*goja.Promise)
	if !ok {
		return nil, ret, nil
	}
	return p, nil, nil
}

// settle unwraps the handler's return value.
func (s *slot) settle(ret goja.Value) (goja.Value, error) {
	if r := s.stop.Load(); r != nil {
		// Stopped inside an async function: the guard's throw became a rejection before any
		// instruction could notice the interrupt. Its stack still says where.
		// Reading a goja Error's stack formats it, which runs JavaScript (the name getter), so the
		// pending interrupt is cleared first: the run is over either way.
		err := s.stopError(r, nil)
		if he, ok := err.(*HandlerError); ok {
			if o, ok := ret.(*goja.Object); ok {
				if p, ok := o.Export().(*goja.Promise); ok && p.State() == goja.PromiseStateRejected {
					if eo, ok := p.Result().(*goja.Object); ok && eo.ClassName() == "Error" {
						s.rt.ClearInterrupt()
						_ = s.inVM(func() {
							if st, ok := eo.Get("stack").(goja.String); ok {
								he.Stack = cleanStack(st.String(), s.prefix)
								he.Line, he.Column = firstPosition(he.Stack)
							}
						})
					}
				}
			}
		}
		return nil, err
	}
	p, value, err := s.promiseOf(ret)
	if err != nil || p == nil {
		return value, err
	}
	switch p.State() {
	case goja.PromiseStateFulfilled:
		return p.Result(), nil
	case goja.PromiseStateRejected:
		return nil, s.exceptionError(p.Result(), nil)
	}
	if r := s.stop.Load(); r != nil {
		return nil, s.stopError(r, nil)
	}
	return nil, &HandlerError{Kind: KindTimeout, Message: "the handler's promise never settles: it awaits something that cannot complete (only db and bot.telegram calls complete, and they do so at once)"}
}

const maxHeaders = 50

// readResponse copies response.* and the handler's value into res. Runs inside the VM.
func (s *slot) readResponse(res *Result, value goja.Value) {
	if s.response != nil { // nil when the handler did not take it (arity.go)
		s.readResponseFields(res, s.response)
	}
	if !res.DataSet && value != nil && !goja.IsUndefined(value) {
		res.Data, res.Returned = s.newExporter("the handler's return value").export(value, "", 0)
	}
}

// readResponseFields copies response.statusCode, headers, message and data into res.
func (s *slot) readResponseFields(res *Result, resp *goja.Object) {
	// statusCode
	if sc := resp.Get("statusCode"); !isNullish(sc) {
		f := sc.ToFloat()
		if math.IsNaN(f) || f != math.Trunc(f) || f < 200 || f > 599 {
			s.throwType("response.statusCode must be an integer between 200 and 599, not %s", truncate(sc.String(), 40))
		}
		res.Status = int(f)
	}
	// headers
	if hv := resp.Get("headers"); !isNullish(hv) {
		ho, ok := hv.(*goja.Object)
		if !ok {
			s.throwType("response.headers must be an object")
		}
		keys := ho.Keys()
		if len(keys) > maxHeaders {
			s.throwType("response.headers: at most %d headers", maxHeaders)
		}
		for _, k := range keys {
			v := ho.Get(k)
			if isNullish(v) {
				continue
			}
			if _, isObj := v.(*goja.Object); isObj {
				s.throwType("response.headers[%q] must be a string", truncate(k, 60))
			}
			if !headerToken.MatchString(k) {
				s.throwType("response.headers: invalid header name %q", truncate(k, 60))
			}
			name := canonicalHeader(k)
			val := v.String()
			if len(val) > 8<<10 || strings.ContainsAny(val, "\r\n\x00") {
				s.throwType("response.headers[%q]: invalid value (too long, or contains a line break)", name)
			}
			if why := checkHeader(name, val, res.Status); why != "" {
				s.throwType("response.headers: %s", why)
			}
			if res.Headers == nil {
				res.Headers = make(map[string]string, len(keys))
			}
			res.Headers[name] = val
		}
	}
	// message
	if mv := resp.Get("message"); !isNullish(mv) {
		msg := toStr(mv).String()
		if len(msg) > s.cfg.MaxValueBytes {
			s.limit("response.message is larger than the sandbox allows (%d bytes)", s.cfg.MaxValueBytes)
		}
		res.Message = &msg
	}
	// data (over the returned value)
	if dv := resp.Get("data"); dv != nil && !goja.IsUndefined(dv) {
		res.Data, res.DataSet = s.newExporter("response.data").export(dv, "data", 0)
	}
}

// runError converts an error from goja into a *HandlerError (or the context's error).
func (s *slot) runError(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		r, _ := ie.Value().(*stopReason)
		if r == nil {
			r = s.stop.Load()
		}
		if r == nil {
			r = &stopReason{kind: KindTimeout, msg: "the run was interrupted"}
		}
		return s.stopError(r, ie.Stack())
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		he := &HandlerError{Kind: KindLimit, Message: fmt.Sprintf("RangeError: Maximum call stack size exceeded (%d frames)", s.cfg.MaxCallStackSize)}
		he.Stack, he.Line, he.Column = formatFrames(so.Stack(), s.prefix)
		return he
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if r := s.stop.Load(); r != nil {
			return s.stopError(r, ex.Stack())
		}
		return s.exceptionError(ex.Value(), ex.Stack())
	}
	var ce *CompileError
	if errors.As(err, &ce) || errors.Is(err, ErrInternal) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrInternal, err)
}

func (s *slot) stopError(r *stopReason, frames []goja.StackFrame) error {
	if r.canceled {
		return context.Canceled
	}
	msg := r.msg
	if r.kind == KindLimit && !strings.HasPrefix(msg, "RangeError") {
		msg = "RangeError: " + msg
	}
	he := &HandlerError{Kind: r.kind, Message: msg}
	he.Stack, he.Line, he.Column = formatFrames(frames, s.prefix)
	return he
}

// exceptionError describes a thrown value (or a rejection reason).
func (s *slot) exceptionError(v goja.Value, frames []goja.StackFrame) error {
	he := &HandlerError{Kind: KindException}
	var stackProp string
	err := s.inVM(func() {
		if o, ok := v.(*goja.Object); ok && o.ClassName() == "Error" {
			he.Message = toStr(o).String()
			if st, ok := o.Get("stack").(goja.String); ok {
				stackProp = st.String()
			}
			return
		}
		var b strings.Builder
		s.inspect(&b, v, 0, nil, 1024)
		he.Message = "Uncaught " + b.String()
	})
	if err != nil && he.Message == "" {
		he.Message = "Uncaught exception (describing it failed)"
	}
	if len(frames) > 0 {
		he.Stack, he.Line, he.Column = formatFrames(frames, s.prefix)
	}
	if he.Line == 0 && stackProp != "" {
		he.Stack = cleanStack(stackProp, s.prefix)
		he.Line, he.Column = firstPosition(he.Stack)
	}
	return he
}

// formatFrames renders the bot's frames ("at name (bot.js:3:9)") and returns the innermost
// position. Frames of sandbox.js and native functions without a name are left out.
func formatFrames(frames []goja.StackFrame, prefix int) (stack string, line, col int) {
	var b strings.Builder
	for i := range frames {
		f := &frames[i]
		if f.SrcName() != sourceName {
			if f.SrcName() == "<native>" && f.FuncName() != "<native>" && b.Len() > 0 {
				fmt.Fprintf(&b, "    at %s (native)\n", f.FuncName())
			}
			continue
		}
		p := f.Position()
		l, c := mapPosition(p.Line, p.Column, prefix)
		if line == 0 {
			line, col = l, c
		}
		name := f.FuncName()
		if name == "<anonymous>" || name == "" {
			fmt.Fprintf(&b, "    at %s:%d:%d\n", sourceName, l, c)
		} else {
			fmt.Fprintf(&b, "    at %s (%s:%d:%d)\n", name, sourceName, l, c)
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), line, col
}

// mapPosition converts a position in the wrapped source to the bot's source, given the length of
// the wrapper's prefix (all on line 1).
func mapPosition(line, col, prefix int) (int, int) {
	if line == 1 {
		col -= prefix
		if col < 1 {
			col = 1
		}
	}
	return line, col
}

var stackPos = regexp.MustCompile(`([A-Za-z0-9_.<>-]+\.js):(\d+):(\d+)(\(\d+\))?`)

// cleanStack keeps the frames of an Error's stack property: positions are mapped to the bot's
// source, goja's program counters and the sandbox's own frames are removed.
func cleanStack(stack string, prefix int) string {
	lines := strings.Split(stack, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "at ") || strings.Contains(l, "sandbox.js:") {
			continue
		}
		l = stackPos.ReplaceAllStringFunc(l, func(m string) string {
			sm := stackPos.FindStringSubmatch(m)
			if sm[1] != sourceName {
				return sm[1] + ":" + sm[2] + ":" + sm[3]
			}
			line, _ := strconv.Atoi(sm[2])
			col, _ := strconv.Atoi(sm[3])
			line, col = mapPosition(line, col, prefix)
			return fmt.Sprintf("%s:%d:%d", sourceName, line, col)
		})
		out = append(out, strings.Replace(l, "\tat ", "    at ", 1))
	}
	return strings.Join(out, "\n")
}

func firstPosition(stack string) (int, int) {
	for _, m := range stackPos.FindAllStringSubmatch(stack, -1) {
		if m[1] == sourceName {
			l, _ := strconv.Atoi(m[2])
			c, _ := strconv.Atoi(m[3])
			return l, c
		}
	}
	return 0, 0
}
