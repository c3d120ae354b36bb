package jsrt

// Bindings: db, bot.telegram and console.
//
// They are installed once per runtime as frozen objects whose native functions act on the run
// in progress (slot.run): the runtime never stores anything about a bot. Every call is checked
// against the run's deadline and MaxBindingCalls, receives the run's context (so the deadline
// reaches the database and Telegram), copies its arguments out of JavaScript (convert.go) and
// its result back into fresh JavaScript values.
//
// db and Telegram calls return promises (resolved or rejected before the call returns: the Go
// call itself is synchronous, a run is single-threaded), so both `await db.…` and `.then()`
// work. Failures reject with an Error whose message is safe to show: PublicError messages pass
// through; any other Go error becomes "<call> failed", so no SQL, Go type or token can leak.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Doc is a document: JSON-compatible values (map[string]any, []any, string, float64, bool, nil).
// Its "_id" is a string.
type Doc = map[string]any

// Filter selects documents by equality on top-level fields: every key must be present in the
// document with a JSON-equal value (numbers compare as float64, objects and arrays deeply);
// a null value also matches a missing field. "_id" filters by id. An empty filter matches every
// document. Keys never start with "$" and contain no "." (jsrt refuses them before calling).
type Filter = map[string]any

// SortField orders find results by a top-level field.
type SortField struct {
	Field string
	Desc  bool
}

// FindOptions are find's options. Limit is always set (1…MaxFindLimit); Skip ≥ 0.
type FindOptions struct {
	Limit int
	Skip  int
	Sort  []SortField
}

// Update is updateOne's change: either Replace (the whole document but its _id), or Set
// (top-level fields to assign) and/or Inc (top-level numeric fields to increment; a missing field
// counts as 0). Upsert inserts filter's equality fields plus the update when nothing matches.
type Update struct {
	Set     map[string]any
	Inc     map[string]float64
	Replace Doc
	Upsert  bool
}

// UpdateResult is updateOne's outcome. UpsertedID is set when an upsert inserted a document.
type UpdateResult struct {
	Matched    int64
	Modified   int64
	UpsertedID string
}

// DocStore is a bot's document store, already bound to that bot. Collections are created on first
// write. jsrt validates collection names ([A-Za-z0-9_-]{1,64}), refuses writes to UsersCollection,
// validates filters, updates and options as documented on their types, and caps value sizes;
// implementations apply the semantics and their own quotas.
type DocStore interface {
	// FindOne returns the first matching document, or nil when there is none.
	FindOne(ctx context.Context, collection string, filter Filter) (Doc, error)
	Find(ctx context.Context, collection string, filter Filter, opts FindOptions) ([]Doc, error)
	// InsertOne stores doc, generating an "_id" when doc has none, and returns the id.
	InsertOne(ctx context.Context, collection string, doc Doc) (string, error)
	UpdateOne(ctx context.Context, collection string, filter Filter, update Update) (UpdateResult, error)
	// DeleteOne deletes the first matching document and returns how many were deleted (0 or 1).
	DeleteOne(ctx context.Context, collection string, filter Filter) (int64, error)
	Count(ctx context.Context, collection string, filter Filter) (int64, error)
}

// UsersCollection is the bot's audience, maintained by Botdeck: readable, never writable from
// bot code.
const UsersCollection = "users"

// Telegram calls the Bot API as one bot; the implementation holds the token, which never enters
// JavaScript. params and the result are JSON-compatible values.
type Telegram interface {
	Call(ctx context.Context, method string, params map[string]any) (any, error)
}

// Methods bot code may not call: they would take the bot away from Botdeck.
var deniedTelegramMethods = map[string]bool{
	"setwebhook": true, "deletewebhook": true, "getupdates": true, "logout": true, "close": true,
}

var (
	collectionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	methodName     = regexp.MustCompile(`^[A-Za-z]{1,64}$`)
)

// runState is what a runtime knows about the run in progress.
type runState struct {
	start    time.Time
	parent   context.Context
	deadline time.Time
	ctx      context.Context // parent bounded by deadline, made on first use by a binding
	cancel   context.CancelFunc
	inv      *Invocation // nil while Compile discovers the handlers
	calls    int
	logs     []LogLine
	dropped  int
	actions  []UserAction // ctx.user changes (updates.go)
	env      goja.Value   // env, made on first read
}

// argError is a bad argument to a binding: it rejects the call's promise with a TypeError.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }

func argErr(format string, args ...any) error { return &argError{msg: fmt.Sprintf(format, args...)} }

func (s *slot) installBindings() error {
	rt := s.rt
	op := rt.NewObject()
	for _, b := range []struct {
		name   string
		length int
		fn     func(rs *runState, store DocStore, args []goja.Value) (goja.Value, error)
	}{
		{"findOne", 2, s.dbFindOne},
		{"find", 3, s.dbFind},
		{"insertOne", 2, s.dbInsertOne},
		{"updateOne", 4, s.dbUpdateOne},
		{"deleteOne", 2, s.dbDeleteOne},
		{"count", 2, s.dbCount},
	} {
		call := "db.operation." + b.name
		fn := b.fn
		f := s.newFunc(b.name, b.length, func(c goja.FunctionCall) goja.Value {
			return s.binding(call, func(rs *runState) (goja.Value, error) {
				if rs.inv == nil || rs.inv.DB == nil {
					return nil, &PublicError{Message: "db is not available here"}
				}
				return fn(rs, rs.inv.DB, c.Arguments)
			})
		})
		if err := op.Set(b.name, f); err != nil {
			return err
		}
	}
	db := rt.NewObject()
	if err := db.Set("operation", op); err != nil {
		return err
	}
	s.dbObject = db

	tg := rt.NewObject()
	if err := tg.Set("sendMessage", s.newFunc("sendMessage", 3, func(c goja.FunctionCall) goja.Value {
		return s.binding("bot.telegram.sendMessage", func(rs *runState) (goja.Value, error) {
			return s.tgSendMessage(rs, c.Arguments)
		})
	})); err != nil {
		return err
	}
	if err := tg.Set("call", s.newFunc("call", 2, func(c goja.FunctionCall) goja.Value {
		return s.binding("bot.telegram.call", func(rs *runState) (goja.Value, error) {
			return s.tgCall(rs, c.Arguments)
		})
	})); err != nil {
		return err
	}
	s.tgObject = tg
	bot := rt.NewObject()
	if err := bot.Set("telegram", tg); err != nil {
		return err
	}
	if err := s.global.Set("bot", bot); err != nil {
		return err
	}

	envGetter := s.newFunc("get env", 0, func(goja.FunctionCall) goja.Value { return s.envValue() })
	if err := s.global.DefineAccessorProperty("env", envGetter, nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		return err
	}

	console := rt.NewObject()
	for _, level := range []string{"log", "info", "warn", "error", "debug"} {
		level := level
		if err := console.Set(level, s.newFunc(level, 0, func(c goja.FunctionCall) goja.Value {
			s.consoleLog(level, c.Arguments)
			return goja.Undefined()
		})); err != nil {
			return err
		}
	}
	return s.global.Set("console", console)
}

// binding runs one db or Telegram call and returns a settled promise.
func (s *slot) binding(name string, do func(rs *runState) (goja.Value, error)) goja.Value {
	s.checkStop()
	rs := s.run
	promise, resolve, reject := s.rt.NewPromise()
	if rs == nil {
		_ = reject(s.newError(s.errorCtor, name+" is not available here"))
		return s.rt.ToValue(promise)
	}
	rs.calls++
	if rs.calls > s.cfg.MaxBindingCalls {
		s.limit("more than %d db and Telegram calls in one run", s.cfg.MaxBindingCalls)
	}
	if rs.ctx == nil {
		rs.ctx, rs.cancel = context.WithDeadline(rs.parent, rs.deadline)
	}
	v, err := do(rs)
	if err != nil && rs.ctx.Err() != nil {
		// The run's own deadline (or the caller's cancellation) ended the call: that ends the run.
		if errors.Is(rs.parent.Err(), context.Canceled) {
			s.stopRun(&stopReason{kind: KindTimeout, msg: "the request was canceled", canceled: true})
		} else {
			s.stopRun(&stopReason{kind: KindTimeout, msg: fmt.Sprintf("the handler did not finish within %v (it was waiting for %s)", rs.deadline.Sub(rs.start).Round(time.Millisecond), name)})
		}
		s.checkStop()
	}
	if err != nil {
		var ae *argError
		if errors.As(err, &ae) {
			_ = reject(s.newError(s.typeErrorCtor, name+": "+ae.msg))
		} else {
			_ = reject(s.newError(s.errorCtor, publicMessage(name, rs.ctx, err)))
		}
	} else {
		_ = resolve(v)
	}
	return s.rt.ToValue(promise)
}

func (s *slot) newError(ctor *goja.Object, msg string) goja.Value {
	obj, err := s.rt.New(ctor, s.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return obj
}

func publicMessage(name string, ctx context.Context, err error) string {
	var pe *PublicError
	switch {
	case errors.As(err, &pe):
		return name + ": " + pe.Message
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return name + ": the run's time is up"
	}
	return name + " failed"
}

// --- db ---

func (s *slot) collectionArg(args []goja.Value, write bool) (string, error) {
	if len(args) == 0 {
		return "", argErr("a collection name is required")
	}
	str, ok := args[0].(goja.String)
	if !ok {
		return "", argErr("the collection name must be a string")
	}
	name := str.String()
	if !collectionName.MatchString(name) {
		return "", argErr("invalid collection name %q: use 1 to 64 letters, digits, '_' or '-'", truncate(name, 70))
	}
	if write && name == UsersCollection {
		return "", argErr("the %q collection is read-only: it is the bot's audience, maintained by Botdeck", UsersCollection)
	}
	return name, nil
}

func arg(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

// objectArg exports an optional plain-object argument.
func (s *slot) objectArg(v goja.Value, what string) (map[string]any, error) {
	if isNullish(v) {
		return map[string]any{}, nil
	}
	o, ok := v.(*goja.Object)
	if !ok || isArray(o) {
		return nil, argErr("%s must be an object", what)
	}
	if _, callable := goja.AssertFunction(o); callable {
		return nil, argErr("%s must be an object", what)
	}
	val, _ := s.newExporter(what).export(o, "", 0)
	m, ok := val.(map[string]any)
	if !ok {
		return nil, argErr("%s must be an object", what)
	}
	return m, nil
}

func checkField(name, what string) error {
	switch {
	case name == "":
		return argErr("%s: empty field name", what)
	case strings.HasPrefix(name, "$"):
		return argErr("%s: operator %q is not supported (filters match top-level fields by equality)", what, truncate(name, 40))
	case strings.Contains(name, "."):
		return argErr("%s: nested field paths such as %q are not supported", what, truncate(name, 40))
	case len(name) > 256 || strings.ContainsRune(name, 0) || !utf8.ValidString(name):
		return argErr("%s: invalid field name", what)
	}
	return nil
}

// noOperators refuses "$"-keys inside filter values: {votes: {$gt: 1}} would otherwise be an
// equality test on an object, silently matching nothing.
func noOperators(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if strings.HasPrefix(k, "$") {
				return argErr("filter: operator %q is not supported (filters match top-level fields by equality)", truncate(k, 40))
			}
			if err := noOperators(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := noOperators(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *slot) filterArg(v goja.Value) (Filter, error) {
	f, err := s.objectArg(v, "filter")
	if err != nil {
		return nil, err
	}
	for k, val := range f {
		if err := checkField(k, "filter"); err != nil {
			return nil, err
		}
		if err := noOperators(val); err != nil {
			return nil, err
		}
		if k == "_id" {
			if _, ok := val.(string); !ok {
				return nil, argErr("filter: _id must be a string")
			}
		}
	}
	return f, nil
}

func (s *slot) dbFindOne(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, false)
	if err != nil {
		return nil, err
	}
	filter, err := s.filterArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	doc, err := store.FindOne(rs.ctx, coll, filter)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return goja.Null(), nil
	}
	return s.toJS(doc, 0), nil
}

func (s *slot) dbFind(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, false)
	if err != nil {
		return nil, err
	}
	filter, err := s.filterArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	opts, err := s.findOptions(arg(args, 2))
	if err != nil {
		return nil, err
	}
	docs, err := store.Find(rs.ctx, coll, filter, opts)
	if err != nil {
		return nil, err
	}
	if len(docs) > opts.Limit {
		docs = docs[:opts.Limit]
	}
	items := make([]any, len(docs))
	for i, d := range docs {
		items[i] = s.toJS(d, 1)
	}
	return s.rt.NewArray(items...), nil
}

func (s *slot) findOptions(v goja.Value) (FindOptions, error) {
	opts := FindOptions{Limit: s.cfg.DefaultFindLimit}
	if isNullish(v) {
		return opts, nil
	}
	o, ok := v.(*goja.Object)
	if !ok || isArray(o) {
		return opts, argErr("options must be an object like {limit, skip, sort}")
	}
	for _, k := range o.Keys() {
		switch k {
		case "limit", "skip":
			f := o.Get(k).ToFloat()
			if math.IsNaN(f) || f < 0 || f != math.Trunc(f) {
				return opts, argErr("options.%s must be a non-negative integer", k)
			}
			if k == "limit" {
				if f < 1 || f > float64(s.cfg.MaxFindLimit) {
					return opts, argErr("options.limit must be between 1 and %d", s.cfg.MaxFindLimit)
				}
				opts.Limit = int(f)
			} else {
				opts.Skip = int(math.Min(f, 1<<30))
			}
		case "sort":
			so, ok := o.Get(k).(*goja.Object)
			if !ok || isArray(so) {
				return opts, argErr("options.sort must be an object like {createdAt: -1}")
			}
			keys := so.Keys()
			if len(keys) > 8 {
				return opts, argErr("options.sort: at most 8 fields")
			}
			for _, field := range keys {
				if err := checkField(field, "options.sort"); err != nil {
					return opts, err
				}
				dir := so.Get(field)
				var desc bool
				switch d := dir.Export().(type) {
				case int64:
					desc = d < 0
				case float64:
					desc = d < 0
				case string:
					switch strings.ToLower(d) {
					case "asc", "ascending":
					case "desc", "descending":
						desc = true
					default:
						return opts, argErr("options.sort.%s must be 1, -1, 'asc' or 'desc'", field)
					}
				default:
					return opts, argErr("options.sort.%s must be 1, -1, 'asc' or 'desc'", field)
				}
				opts.Sort = append(opts.Sort, SortField{Field: field, Desc: desc})
			}
		default:
			return opts, argErr("unknown option %q (use limit, skip, sort)", truncate(k, 40))
		}
	}
	return opts, nil
}

func (s *slot) docArg(v goja.Value, what string) (Doc, error) {
	if isNullish(v) {
		return nil, argErr("%s is required", what)
	}
	doc, err := s.objectArg(v, what)
	if err != nil {
		return nil, err
	}
	for k, val := range doc {
		if k == "_id" {
			id, ok := val.(string)
			if !ok || id == "" || len(id) > 128 {
				return nil, argErr("%s: _id must be a non-empty string of at most 128 bytes", what)
			}
			continue
		}
		if err := checkField(k, what); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func (s *slot) dbInsertOne(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, true)
	if err != nil {
		return nil, err
	}
	doc, err := s.docArg(arg(args, 1), "document")
	if err != nil {
		return nil, err
	}
	id, err := store.InsertOne(rs.ctx, coll, doc)
	if err != nil {
		return nil, err
	}
	return s.toJS(map[string]any{"insertedId": id}, 0), nil
}

func (s *slot) updateArg(v goja.Value) (Update, error) {
	var u Update
	m, err := s.objectArg(v, "update")
	if err != nil {
		return u, err
	}
	if len(m) == 0 {
		return u, argErr("update is empty")
	}
	operators := 0
	for k := range m {
		if strings.HasPrefix(k, "$") {
			operators++
		}
	}
	if operators == 0 {
		if _, ok := m["_id"]; ok {
			return u, argErr("a replacement document cannot set _id")
		}
		for k := range m {
			if err := checkField(k, "update"); err != nil {
				return u, err
			}
		}
		u.Replace = m
		return u, nil
	}
	if operators != len(m) {
		return u, argErr("update mixes operators ($set, $inc) with plain fields; use {$set: {…}} or a whole replacement document")
	}
	for k, val := range m {
		fields, ok := val.(map[string]any)
		if !ok {
			return u, argErr("%s must be an object", k)
		}
		for f := range fields {
			if err := checkField(f, k); err != nil {
				return u, err
			}
			if f == "_id" {
				return u, argErr("%s cannot change _id", k)
			}
		}
		switch k {
		case "$set":
			u.Set = fields
		case "$inc":
			u.Inc = make(map[string]float64, len(fields))
			for f, n := range fields {
				num, ok := n.(float64)
				if !ok {
					return u, argErr("$inc.%s must be a number", f)
				}
				u.Inc[f] = num
			}
		default:
			return u, argErr("update operator %q is not supported (use $set or $inc)", truncate(k, 40))
		}
	}
	return u, nil
}

func (s *slot) dbUpdateOne(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, true)
	if err != nil {
		return nil, err
	}
	filter, err := s.filterArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	u, err := s.updateArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	if o := arg(args, 3); !isNullish(o) {
		oo, ok := o.(*goja.Object)
		if !ok {
			return nil, argErr("options must be an object like {upsert: true}")
		}
		for _, k := range oo.Keys() {
			if k != "upsert" {
				return nil, argErr("unknown option %q (use upsert)", truncate(k, 40))
			}
			u.Upsert = oo.Get(k).ToBoolean()
		}
	}
	res, err := store.UpdateOne(rs.ctx, coll, filter, u)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"matchedCount": float64(res.Matched), "modifiedCount": float64(res.Modified)}
	if res.UpsertedID != "" {
		out["upsertedId"] = res.UpsertedID
	}
	return s.toJS(out, 0), nil
}

func (s *slot) dbDeleteOne(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, true)
	if err != nil {
		return nil, err
	}
	filter, err := s.filterArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	n, err := store.DeleteOne(rs.ctx, coll, filter)
	if err != nil {
		return nil, err
	}
	return s.toJS(map[string]any{"deletedCount": float64(n)}, 0), nil
}

func (s *slot) dbCount(rs *runState, store DocStore, args []goja.Value) (goja.Value, error) {
	coll, err := s.collectionArg(args, false)
	if err != nil {
		return nil, err
	}
	filter, err := s.filterArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	n, err := store.Count(rs.ctx, coll, filter)
	if err != nil {
		return nil, err
	}
	return s.rt.ToValue(float64(n)), nil
}

// --- Telegram ---

func (s *slot) tgSendMessage(rs *runState, args []goja.Value) (goja.Value, error) {
	if rs.inv == nil || rs.inv.Telegram == nil {
		return nil, &PublicError{Message: "Telegram is not available here"}
	}
	var chatID any
	switch c := arg(args, 0).Export().(type) {
	case int64:
		chatID = float64(c)
	case float64:
		if c != math.Trunc(c) || math.IsInf(c, 0) {
			return nil, argErr("chatId must be an integer or a string")
		}
		chatID = c
	case string:
		if c == "" || len(c) > 128 {
			return nil, argErr("chatId must be an integer or a non-empty string")
		}
		chatID = c
	default:
		return nil, argErr("chatId must be an integer or a string")
	}
	textV := arg(args, 1)
	if isNullish(textV) {
		return nil, argErr("text is required")
	}
	text := textV.String()
	extra, err := s.objectArg(arg(args, 2), "extra")
	if err != nil {
		return nil, err
	}
	params := make(map[string]any, len(extra)+2)
	for k, v := range extra {
		params[k] = v
	}
	params["chat_id"] = chatID
	params["text"] = text
	res, err := rs.inv.Telegram.Call(rs.ctx, "sendMessage", params)
	if err != nil {
		return nil, err
	}
	return s.toJS(res, 0), nil
}

func (s *slot) tgCall(rs *runState, args []goja.Value) (goja.Value, error) {
	if rs.inv == nil || rs.inv.Telegram == nil {
		return nil, &PublicError{Message: "Telegram is not available here"}
	}
	m, ok := arg(args, 0).(goja.String)
	if !ok || !methodName.MatchString(m.String()) {
		return nil, argErr("method must be a Bot API method name such as 'sendPhoto'")
	}
	method := m.String()
	if deniedTelegramMethods[strings.ToLower(method)] {
		return nil, argErr("%s is reserved for Botdeck and cannot be called from bot code", method)
	}
	params, err := s.objectArg(arg(args, 1), "params")
	if err != nil {
		return nil, err
	}
	res, err := rs.inv.Telegram.Call(rs.ctx, method, params)
	if err != nil {
		return nil, err
	}
	return s.toJS(res, 0), nil
}

// --- console ---

// LogLine is one console.* call. Level is log, info, warn, error or debug.
type LogLine struct {
	Level   string    `json:"level"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
}

func (s *slot) consoleLog(level string, args []goja.Value) {
	s.checkStop()
	rs := s.run
	if rs == nil {
		return
	}
	if len(rs.logs) >= s.cfg.MaxLogLines {
		rs.dropped++
		return
	}
	limit := s.cfg.MaxLogLineBytes
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if str, ok := a.(goja.String); ok {
			b.WriteString(str.String())
		} else {
			s.inspect(&b, a, 0, nil, limit)
		}
		if b.Len() > limit {
			break
		}
	}
	msg := b.String()
	if len(msg) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	rs.logs = append(rs.logs, LogLine{Level: level, Message: msg, Time: time.Now()})
}

// inspect writes a readable, JSON-like rendering of v, stopping once b holds more than limit bytes.
func (s *slot) inspect(b *strings.Builder, v goja.Value, depth int, stack []*goja.Object, limit int) {
	if b.Len() > limit {
		return
	}
	switch {
	case v == nil || goja.IsUndefined(v):
		b.WriteString("undefined")
		return
	case goja.IsNull(v):
		b.WriteString("null")
		return
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if str, ok := v.(goja.String); ok && depth > 0 {
			b.WriteString(strconv.Quote(str.String()))
			return
		}
		b.WriteString(v.String())
		return
	}
	if _, callable := goja.AssertFunction(o); callable {
		name := o.Get("name")
		if isNullish(name) || name.String() == "" {
			b.WriteString("[Function (anonymous)]")
		} else {
			b.WriteString("[Function: " + name.String() + "]")
		}
		return
	}
	switch o.ClassName() {
	case "Error":
		b.WriteString(toStr(o).String())
		if st, ok := o.Get("stack").(goja.String); ok {
			if frames := cleanStack(st.String(), s.prefix); frames != "" {
				b.WriteString("\n" + frames)
			}
		}
		return
	case "Date", "RegExp", "Number", "String", "Boolean", "Symbol":
		b.WriteString(toStr(o).String())
		return
	case "Map", "Set", "WeakMap", "WeakSet", "Promise":
		b.WriteString("[object " + o.ClassName() + "]")
		return
	}
	for _, p := range stack {
		if p == o {
			b.WriteString("[Circular]")
			return
		}
	}
	if depth >= 6 {
		if isArray(o) {
			b.WriteString("[Array]")
		} else {
			b.WriteString("[Object]")
		}
		return
	}
	s.checkStop()
	stack = append(stack, o)
	if isArray(o) {
		n := s.lengthOf(o)
		b.WriteByte('[')
		for i := int64(0); i < n && b.Len() <= limit; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if i >= 100 {
				fmt.Fprintf(b, "… %d more", n-i)
				break
			}
			el := o.Get(strconv.FormatInt(i, 10))
			s.inspect(b, el, depth+1, stack, limit)
		}
		b.WriteByte(']')
		return
	}
	keys := o.Keys()
	b.WriteByte('{')
	for i, k := range keys {
		if b.Len() > limit {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if i >= 100 {
			fmt.Fprintf(b, "… %d more", len(keys)-i)
			break
		}
		b.WriteString(k)
		b.WriteString(": ")
		s.inspect(b, o.Get(k), depth+1, stack, limit)
	}
	b.WriteByte('}')
}
