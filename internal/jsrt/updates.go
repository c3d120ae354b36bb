package jsrt

// Update handlers: bot.command, bot.hears, bot.callback and bot.on (registered in instance.go),
// and the ctx they receive.
//
// Matching, in registration order, first match wins:
//   - command: a message whose text starts with /name (also /name@username when the username is
//     this bot's, or unknown); ctx.args is the rest of the text, trimmed. Case-insensitive.
//   - hears: a message's text (or caption) containing the phrase as whole words, case-insensitive
//     ("price" matches "What's the PRICE?", not "priceless"); a RegExp is tested with exec and
//     ctx.match is its result.
//   - callback: a button press whose data equals the string, or matches the RegExp (ctx.match).
//   - on(kind): any update of that kind.
//
// ctx.reply, replyWithPhoto and answer call Invocation.Telegram (sendMessage, sendPhoto,
// answerCallbackQuery) with the update's chat or query filled in, like bot.telegram does; the
// caller decides what a call does (internal/core queues them for the bot's outbox).
// ctx.user.set/tag/untag record UserActions in the Result for the caller to apply.

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// UpdateUser is Botdeck's record of the update's sender, as ctx.user shows it.
type UpdateUser struct {
	ID    int64
	Props map[string]any // JSON-compatible values
	Tags  []string
}

// UserAction is a change to the sender's record that a handler asked for (ctx.user.set, tag,
// untag). Op is "set", "tag" or "untag"; Value is set's JSON-compatible value.
type UserAction struct {
	Op    string `json:"op"`
	Name  string `json:"name"`
	Value any    `json:"value,omitempty"`
}

// UpdateRoutes lists the update handlers the script registered, in registration order.
func (p *Program) UpdateRoutes() []UpdateRoute { return append([]UpdateRoute(nil), p.routes...) }

// WantsUpdate reports whether the script registered a handler that matches update (decoded JSON),
// without running any JavaScript. A RegExp that Go's regexp cannot express counts as matching
// every text (or every button press), so WantsUpdate may say true where RunUpdate then finds no
// handler (ErrNoHandler); it never says false where a handler would match.
func (p *Program) WantsUpdate(update map[string]any, username string) bool {
	if len(p.routes) == 0 {
		return false
	}
	v := viewUpdate(update)
	for i := range p.routes {
		r := &p.routes[i]
		if ok, _ := v.matches(r, username, func() bool {
			re := p.goRegexps[i]
			return re == nil || re.MatchString(v.text)
		}); ok {
			return true
		}
	}
	return false
}

// goRegexp converts a RegExp's source and flags to Go's syntax, or returns nil.
func goRegexp(source, flags string) *regexp.Regexp {
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i', 's', 'm':
			prefix += string(f)
		case 'g', 'u', 'd':
		default: // y (sticky) and anything new: not expressible
			return nil
		}
	}
	if prefix != "" {
		prefix = "(?" + prefix + ")"
	}
	re, err := regexp.Compile(prefix + source)
	if err != nil {
		return nil
	}
	return re
}

// updateView is what matching reads from an update.
type updateView struct {
	kind    string
	payload map[string]any
	text    string // message text or caption; callback data
	from    map[string]any
	chat    map[string]any
}

func viewUpdate(u map[string]any) updateView {
	var v updateView
	for _, k := range UpdateKinds {
		if p, ok := u[k].(map[string]any); ok {
			v.kind, v.payload = k, p
			break
		}
	}
	if v.payload == nil {
		for k, x := range u {
			if p, ok := x.(map[string]any); ok {
				v.kind, v.payload = k, p
				break
			}
		}
	}
	if v.payload == nil {
		return v
	}
	v.from, _ = v.payload["from"].(map[string]any)
	v.chat, _ = v.payload["chat"].(map[string]any)
	if v.kind == "callback_query" {
		v.text, _ = v.payload["data"].(string)
		if m, ok := v.payload["message"].(map[string]any); ok {
			v.chat, _ = m["chat"].(map[string]any)
		}
		return v
	}
	if t, ok := v.payload["text"].(string); ok {
		v.text = t
	} else if c, ok := v.payload["caption"].(string); ok {
		v.text = c
	}
	return v
}

// matches reports whether route r takes the update, and the command's arguments. test runs r's
// RegExp against v.text.
func (v *updateView) matches(r *UpdateRoute, username string, test func() bool) (bool, string) {
	switch r.Kind {
	case RouteCommand:
		if v.kind != "message" {
			return false, ""
		}
		name, at, args, ok := parseCommand(v.text)
		if !ok || !strings.EqualFold(name, r.Value) || (at != "" && username != "" && !strings.EqualFold(at, username)) {
			return false, ""
		}
		return true, args
	case RouteHears:
		if v.kind != "message" || v.text == "" {
			return false, ""
		}
		if r.Pattern {
			return test(), ""
		}
		return hasWords(v.text, r.Value), ""
	case RouteCallback:
		if v.kind != "callback_query" {
			return false, ""
		}
		if r.Pattern {
			return test(), ""
		}
		return v.text == r.Value, ""
	case RouteOn:
		return v.kind == r.Value, ""
	}
	return false, ""
}

// parseCommand splits "/name@user rest" into its parts.
func parseCommand(text string) (name, at, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	word, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(word, "\n\t"); i >= 0 {
		rest = word[i+1:] + " " + rest
		word = word[:i]
	}
	name, at, _ = strings.Cut(word, "@")
	if name == "" {
		return "", "", "", false
	}
	return name, at, strings.TrimSpace(rest), true
}

// hasWords reports whether phrase (lower case) occurs in text as whole words, ignoring case.
func hasWords(text, phrase string) bool {
	if phrase == "" {
		return false
	}
	lower := strings.ToLower(text)
	for from := 0; from <= len(lower); {
		i := strings.Index(lower[from:], phrase)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(phrase)
		before, _ := utf8.DecodeLastRuneInString(lower[:start])
		after, _ := utf8.DecodeRuneInString(lower[end:])
		if (start == 0 || !isWordRune(before)) && (end == len(lower) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(lower[start:])
		from = start + size
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// RunUpdate runs the first update handler of prog that matches inv.Update (decoded JSON) and
// returns what it did: Result.Route is the handler, Logs its console output, Actions its
// ctx.user changes; its sends went through inv.Telegram. Status, Headers and Data are unused.
//
// Errors are Run's; ErrNoHandler when no handler matches.
func (e *Engine) RunUpdate(ctx context.Context, prog *Program, inv Invocation) (*Result, error) {
	if prog == nil {
		return nil, errors.New("jsrt: nil program")
	}
	if inv.Update == nil || !prog.WantsUpdate(inv.Update, inv.BotUsername) {
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
	return e.execute(ctx, s, prog, &inv, func(in *instance, res *Result) (goja.Value, error) {
		return s.callUpdate(in, &inv, res)
	})
}

// callUpdate finds the handler and calls it with a new ctx.
func (s *slot) callUpdate(in *instance, inv *Invocation, res *Result) (goja.Value, error) {
	var ret goja.Value
	found := false
	err := s.inVM(func() {
		v := viewUpdate(inv.Update)
		for i := range in.routes {
			r := &in.routes[i]
			var match goja.Value = goja.Undefined()
			ok, args := v.matches(&r.UpdateRoute, inv.BotUsername, func() bool {
				_ = r.re.Set("lastIndex", 0)
				exec, isFn := goja.AssertFunction(r.re.Get("exec"))
				if !isFn {
					return false
				}
				m := s.call(exec, r.re, s.rt.ToValue(v.text))
				if isNullish(m) {
					return false
				}
				match = m
				return true
			})
			if !ok {
				continue
			}
			found = true
			route := r.UpdateRoute
			res.Route = &route
			ret = s.call(r.fn, goja.Undefined(), s.updateContext(inv, &v, args, match))
			return
		}
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoHandler
	}
	return ret, nil
}

var userName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// updateContext builds ctx for one handler call.
func (s *slot) updateContext(inv *Invocation, v *updateView, args string, match goja.Value) *goja.Object {
	rt := s.rt
	ctx := rt.NewObject()
	_ = ctx.Set("update", s.toJS(inv.Update, 0))
	optional := func(name string, m map[string]any) {
		if m == nil {
			_ = ctx.Set(name, goja.Undefined())
			return
		}
		_ = ctx.Set(name, s.toJS(m, 1))
	}
	optional("from", v.from)
	optional("chat", v.chat)
	if v.kind == "callback_query" {
		_ = ctx.Set("data", v.text)
		_ = ctx.Set("text", goja.Undefined())
	} else {
		_ = ctx.Set("text", v.text)
	}
	_ = ctx.Set("args", args)
	_ = ctx.Set("match", match)
	_ = ctx.Set("db", s.dbObject)
	_ = ctx.Set("telegram", s.tgObject)
	_ = ctx.Set("env", s.envValue())
	_ = ctx.Set("user", s.userObject(inv, v))

	chatID := func(what string) any {
		id, ok := v.chat["id"]
		if !ok {
			s.throwType("%s: this update has no chat to answer in", what)
		}
		return id
	}
	send := func(name, method string, build func(c goja.FunctionCall) (map[string]any, error)) {
		_ = ctx.Set(name, s.newFunc(name, 2, func(c goja.FunctionCall) goja.Value {
			return s.binding("ctx."+name, func(rs *runState) (goja.Value, error) {
				if rs.inv == nil || rs.inv.Telegram == nil {
					return nil, &PublicError{Message: "Telegram is not available here"}
				}
				params, err := build(c)
				if err != nil {
					return nil, err
				}
				out, err := rs.inv.Telegram.Call(rs.ctx, method, params)
				if err != nil {
					return nil, err
				}
				return s.toJS(out, 0), nil
			})
		}))
	}
	withExtra := func(c goja.FunctionCall, i int, base map[string]any) (map[string]any, error) {
		extra, err := s.objectArg(c.Argument(i), "extra")
		if err != nil {
			return nil, err
		}
		for k, x := range extra {
			if _, taken := base[k]; !taken {
				base[k] = x
			}
		}
		return base, nil
	}
	send("reply", "sendMessage", func(c goja.FunctionCall) (map[string]any, error) {
		if isNullish(c.Argument(0)) {
			return nil, argErr("text is required")
		}
		return withExtra(c, 1, map[string]any{"chat_id": chatID("ctx.reply"), "text": c.Argument(0).String()})
	})
	send("replyWithPhoto", "sendPhoto", func(c goja.FunctionCall) (map[string]any, error) {
		photo, ok := c.Argument(0).(goja.String)
		if !ok || photo.String() == "" || len(photo.String()) > 2048 {
			return nil, argErr("the photo must be an upload id or an https URL")
		}
		return withExtra(c, 1, map[string]any{"chat_id": chatID("ctx.replyWithPhoto"), "photo": photo.String()})
	})
	send("answer", "answerCallbackQuery", func(c goja.FunctionCall) (map[string]any, error) {
		id, ok := v.payload["id"].(string)
		if v.kind != "callback_query" || !ok {
			return nil, argErr("only a button press (callback_query) can be answered")
		}
		params := map[string]any{"callback_query_id": id}
		if t := c.Argument(0); !isNullish(t) {
			params["text"] = t.String()
		}
		return withExtra(c, 1, params)
	})
	return ctx
}

// userObject is ctx.user: the sender's record (id, props, tags) and the functions that change it.
func (s *slot) userObject(inv *Invocation, v *updateView) *goja.Object {
	rt := s.rt
	u := rt.NewObject()
	var props map[string]any
	var tags []string
	if inv.User != nil {
		_ = u.Set("id", float64(inv.User.ID))
		props, tags = inv.User.Props, inv.User.Tags
	} else if id, ok := v.from["id"]; ok {
		_ = u.Set("id", id)
	}
	if props == nil {
		props = map[string]any{}
	}
	if tags == nil {
		tags = []string{}
	}
	_ = u.Set("props", s.toJS(props, 1))
	_ = u.Set("tags", s.toJS(tags, 1))
	record := func(name string, length int, act func(c goja.FunctionCall) (UserAction, error)) {
		_ = u.Set(name, s.newFunc(name, length, func(c goja.FunctionCall) goja.Value {
			return s.binding("ctx.user."+name, func(rs *runState) (goja.Value, error) {
				a, err := act(c)
				if err != nil {
					return nil, err
				}
				rs.actions = append(rs.actions, a)
				return goja.Undefined(), nil
			})
		}))
	}
	nameArg := func(c goja.FunctionCall) (string, error) {
		n, ok := c.Argument(0).(goja.String)
		if !ok || !userName.MatchString(n.String()) {
			return "", argErr("the name must be 1 to 64 letters, digits or '_'")
		}
		return n.String(), nil
	}
	record("set", 2, func(c goja.FunctionCall) (UserAction, error) {
		name, err := nameArg(c)
		if err != nil {
			return UserAction{}, err
		}
		val := c.Argument(1)
		if _, isObj := val.(*goja.Object); isObj {
			return UserAction{}, argErr("a property's value is a string, a number, a boolean or null")
		}
		x, _ := s.newExporter("the property's value").export(val, "", 0)
		if str, ok := x.(string); ok && len(str) > 4096 {
			return UserAction{}, argErr("a property's value is at most 4096 bytes")
		}
		return UserAction{Op: "set", Name: name, Value: x}, nil
	})
	for _, op := range []string{"tag", "untag"} {
		record(op, 1, func(c goja.FunctionCall) (UserAction, error) {
			name, err := nameArg(c)
			return UserAction{Op: op, Name: name}, err
		})
	}
	return u
}

// envValue is the run's env: a frozen object of the bot's settings (empty when there are none,
// and while Compile discovers the handlers). The global `env` is an accessor that returns it
// (installed in bindings.go), so the frozen realm holds no settings, and a script that keeps a
// reference keeps only that run's copy.
func (s *slot) envValue() goja.Value {
	rs := s.run
	if rs == nil {
		return goja.Undefined()
	}
	if rs.env == nil {
		var m map[string]string
		if rs.inv != nil {
			m = rs.inv.Env
		}
		o := s.toJS(m, 0)
		if m == nil {
			o = s.rt.NewObject()
		}
		s.call(s.freeze, goja.Undefined(), o)
		rs.env = o
	}
	return rs.env
}
