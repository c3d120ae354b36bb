package jsrt

// Instances: the runtime model.
//
// A bot's script runs its top level once per pooled runtime (the model of Cloudflare Workers and
// PocketBase), and every request or update then calls a handler the top level registered. The
// evaluated script — its `logic` object, the update routes it registered on `bot`, and the
// closures over its top-level variables — is an instance, kept by the runtime under the bot's
// id together with the Program it came from:
//
//   - Top-level state persists between calls of the same bot and code version on the same runtime
//     (a bot has up to MaxConcurrent runtimes, so it is a cache, never shared memory), and never
//     crosses bots: an instance is reachable only from the slot's map, the map is read with the
//     bot id of the run in progress, and the realm every bot shares is frozen, so no bot can leave
//     a reference to its own objects where another bot's code could find it.
//   - A save compiles a new Program: a run looks up its bot's instance and re-evaluates the top
//     level when the instance came from another Program. Runs in flight on the old Program keep
//     their runtime's old instance until they end; nothing is dropped under them.
//   - An instance is evaluated within the first run's deadline and bindings. A top level that
//     throws leaves no instance (the next run tries again). A run that is stopped (deadline,
//     limit, heap watchdog) drops its runtime and with it every instance the runtime held.
//   - Keys are bot ids (Params.BotID); the map holds at most maxInstances instances and is emptied
//     when full, so a runtime serving many bots re-evaluates scripts rather than keeping them all.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dop251/goja"
)

// maxInstances bounds the evaluated scripts one runtime keeps.
const maxInstances = 64

// maxRoutes bounds the update handlers one script may register.
const maxRoutes = 200

// instance is one bot's evaluated script on one runtime.
type instance struct {
	prog   *Program
	logic  *goja.Object // nil when the script left `logic` as something else
	routes []route
	open   bool // registration is allowed: the top level is running
	// declared is the number of HTTP arguments each handler called so far can see (arity.go).
	declared map[*goja.Object]int
}

// RouteKind is the kind of an update handler.
type RouteKind string

// The update handler kinds: bot.command, bot.hears, bot.callback and bot.on.
const (
	RouteCommand  RouteKind = "command"
	RouteHears    RouteKind = "hears"
	RouteCallback RouteKind = "callback"
	RouteOn       RouteKind = "on"
)

// UpdateKinds are the update kinds bot.on accepts.
var UpdateKinds = []string{"message", "edited_message", "callback_query", "chat_member", "my_chat_member", "channel_post", "chat_join_request"}

// UpdateRoute describes one registered update handler, as Program.UpdateRoutes lists them.
type UpdateRoute struct {
	Kind RouteKind `json:"kind"`
	// Value is the command (without '/'), the phrase, the callback data, the update kind, or the
	// source of a RegExp (Pattern true) with Flags.
	Value   string `json:"value"`
	Pattern bool   `json:"pattern"`
	Flags   string `json:"flags,omitempty"`
}

// String is the route as the editor lists it: "command /start", "hears /pr[iy]ce/i".
func (r UpdateRoute) String() string {
	switch {
	case r.Kind == RouteCommand:
		return "command /" + r.Value
	case r.Pattern:
		return string(r.Kind) + " /" + r.Value + "/" + r.Flags
	case r.Kind == RouteOn:
		return "on " + r.Value
	}
	return fmt.Sprintf("%s %q", r.Kind, r.Value)
}

// route is a registered update handler in an instance.
type route struct {
	UpdateRoute
	re *goja.Object // the RegExp, when Pattern
	fn goja.Callable
}

// instanceFor returns the bot's instance of prog on this runtime, evaluating the script when the
// runtime has none (or one of another Program). Runs inside the current run.
func (s *slot) instanceFor(prog *Program, key string) (*instance, error) {
	if in, ok := s.instances[key]; ok && in.prog == prog {
		return in, nil
	}
	delete(s.instances, key)
	in, err := s.evaluate(prog)
	if err != nil {
		return nil, err
	}
	if len(s.instances) >= maxInstances {
		clear(s.instances)
	}
	s.instances[key] = in
	return in, nil
}

// evaluate runs the wrapped script's top level with a fresh `logic` object and a fresh `bot`
// object (bot.telegram and the registration functions), in one call into the VM.
func (s *slot) evaluate(prog *Program) (*instance, error) {
	in := &instance{prog: prog, open: true}
	defer func() { in.open = false }()
	err := s.inVM(func() {
		fnv, err := s.rt.RunProgram(prog.prog)
		if err != nil {
			panic(err)
		}
		fo, isObj := fnv.(*goja.Object)
		if !isObj {
			panic(fmt.Errorf("%w: wrapped program is not a function", ErrInternal))
		}
		outer, _ := goja.AssertFunction(fo)
		logic := s.call(outer, s.global, s.rt.NewObject(), s.botObject(in))
		if lo, ok := logic.(*goja.Object); ok {
			in.logic = lo
		}
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

var commandName = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// botObject is the script's `bot`: bot.telegram (shared, frozen) and the registration functions
// of this instance, which work only while its top level runs.
func (s *slot) botObject(in *instance) *goja.Object {
	bot := s.rt.NewObject()
	_ = bot.Set("telegram", s.tgObject)
	register := func(kind RouteKind, length int, values func(goja.Value) []route) {
		_ = bot.Set(string(kind), s.newFunc(string(kind), length, func(c goja.FunctionCall) goja.Value {
			if !in.open {
				s.throwType("bot.%s: register update handlers at the top level of the script, not inside a handler", kind)
			}
			fn, ok := goja.AssertFunction(c.Argument(1))
			if !ok {
				s.throwType("bot.%s: the second argument must be a function (ctx) => { … }", kind)
			}
			rs := values(c.Argument(0))
			if len(in.routes)+len(rs) > maxRoutes {
				s.throwErr(s.rangeErrorCtor, "bot.%s: at most %d update handlers", kind, maxRoutes)
			}
			for i := range rs {
				rs[i].Kind, rs[i].fn = kind, fn
				in.routes = append(in.routes, rs[i])
			}
			return goja.Undefined()
		}))
	}
	// each accepts one value or an array of them.
	each := func(v goja.Value, one func(goja.Value) route) []route {
		if o, ok := v.(*goja.Object); ok && isArray(o) {
			n := int(o.Get("length").ToInteger())
			if n < 1 || n > maxRoutes {
				s.throwType("expected 1 to %d values", maxRoutes)
			}
			out := make([]route, 0, n)
			for i := 0; i < n; i++ {
				out = append(out, one(o.Get(fmt.Sprint(i))))
			}
			return out
		}
		return []route{one(v)}
	}
	textOrPattern := func(kind RouteKind) func(goja.Value) []route {
		return func(v goja.Value) []route {
			return each(v, func(v goja.Value) route {
				if o, ok := v.(*goja.Object); ok && o.ClassName() == "RegExp" {
					return route{UpdateRoute: UpdateRoute{Value: o.Get("source").String(), Pattern: true, Flags: o.Get("flags").String()}, re: o}
				}
				str, ok := v.(goja.String)
				if !ok || str.String() == "" || len(str.String()) > 256 {
					s.throwType("bot.%s: the first argument must be a non-empty string (up to 256 characters) or a RegExp", kind)
				}
				text := str.String()
				if kind == RouteHears {
					text = strings.ToLower(strings.TrimSpace(text))
				}
				return route{UpdateRoute: UpdateRoute{Value: text}}
			})
		}
	}
	register(RouteCommand, 2, func(v goja.Value) []route {
		return each(v, func(v goja.Value) route {
			name := strings.TrimPrefix(v.String(), "/")
			if _, ok := v.(goja.String); !ok || !commandName.MatchString(name) {
				s.throwType("bot.command: a command is 1 to 32 letters, digits or '_', such as 'start'")
			}
			return route{UpdateRoute: UpdateRoute{Value: strings.ToLower(name)}}
		})
	})
	register(RouteHears, 2, textOrPattern(RouteHears))
	register(RouteCallback, 2, textOrPattern(RouteCallback))
	register(RouteOn, 2, func(v goja.Value) []route {
		return each(v, func(v goja.Value) route {
			kind := v.String()
			if _, ok := v.(goja.String); !ok || !isUpdateKind(kind) {
				s.throwType("bot.on: the update kind must be one of %s", strings.Join(UpdateKinds, ", "))
			}
			return route{UpdateRoute: UpdateRoute{Value: kind}}
		})
	})
	return bot
}

func isUpdateKind(k string) bool {
	for _, u := range UpdateKinds {
		if u == k {
			return true
		}
	}
	return false
}
