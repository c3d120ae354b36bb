package jsrt

// Guarded built-ins.
//
// goja has no memory limit and built-ins are native Go code that rt.Interrupt does not stop.
// Measured before these guards: `'x'.repeat(2**40)` and `new Array(1e9).fill(0)` take the
// process down; `a[2**32-2] = 1; a.indexOf(5)` runs 6½ minutes in native code; JSON.parse of
// a million nested brackets runs 1.4 s in native code.
//
// Every built-in a script can reach that loops over a caller-chosen length or produces a
// caller-chosen amount of data is replaced here, once per runtime, by a Go function that checks
// its inputs before calling the original (or reimplements it where the output size is only known
// while producing it: join, toLocaleString, flat, flatMap, String.raw, replace):
//
//   - Arrays and array-likes a built-in will iterate must have length ≤ MaxArrayLength: every
//     Array.prototype method (including the iterators behind for-of, spread, Array.from, Set,
//     Map and Promise.all), Array.from, Function.prototype.apply, Reflect.apply/construct,
//     Object.keys/values/entries on strings and arrays. The length is read once; an array-like
//     whose length is an accessor or an object is refused, so it cannot answer differently to
//     the check and to the built-in.
//   - Strings produced by repeat, padStart, padEnd, concat, join, toLocaleString, replace,
//     replaceAll, String.raw and JSON.stringify must stay within MaxStringLength; split and match
//     results within MaxArrayLength.
//   - Recursive built-ins (join/toString on nested arrays, flat, JSON.stringify, JSON.parse,
//     bound-function chains) are bounded by MaxDepth, so no native recursion can exhaust the Go
//     stack.
//   - Arguments are converted to primitives once, here, and the primitives are passed on, so a
//     valueOf/toString that answers differently on its second call cannot slip past a check.
//   - Every guard, and the `next` of the built-in iterators, checks whether the run has been
//     stopped, which turns native loops that pass through them into interruptible ones.
//
// What no guard can see (the `+` operator doubling a string, a loop allocating objects) is
// bounded by the deadline and, as an emergency brake, by the heap watchdog (watchdog.go).

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
)

type nativeFn = func(goja.FunctionCall) goja.Value

func originalOf(v goja.Value) nativeFn {
	if v == nil {
		return nil
	}
	f, _ := v.Export().(func(goja.FunctionCall) goja.Value)
	return f
}

// replaceMethod swaps o[name] for fn(call, orig), keeping the built-in's name and length.
func (s *slot) replaceMethod(o *goja.Object, name string, wrap func(orig nativeFn) nativeFn) error {
	v := o.Get(name)
	orig := originalOf(v)
	if orig == nil {
		return fmt.Errorf("jsrt: %s is not a native function", name)
	}
	length := int(v.ToObject(s.rt).Get("length").ToInteger())
	f := s.newFunc(name, length, wrap(orig))
	return o.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func (s *slot) replaceSymbolMethod(o *goja.Object, sym *goja.Symbol, name string, wrap func(orig nativeFn) nativeFn) error {
	v := o.GetSymbol(sym)
	orig := originalOf(v)
	if orig == nil {
		return fmt.Errorf("jsrt: %s is not a native function", name)
	}
	length := int(v.ToObject(s.rt).Get("length").ToInteger())
	f := s.newFunc(name, length, wrap(orig))
	return o.DefineDataPropertySymbol(sym, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func (s *slot) object(name string) *goja.Object {
	return s.global.Get(name).ToObject(s.rt)
}

func (s *slot) proto(name string) *goja.Object {
	return s.object(name).Get("prototype").ToObject(s.rt)
}

func isArray(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && o.ClassName() == "Array"
}

func isNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}

// toStr is ECMAScript ToString. goja's Value.ToString only converts objects (to a primitive that
// may still be a number); numbers, booleans, null and undefined are converted here.
func toStr(v goja.Value) goja.String {
	if str, ok := v.(goja.String); ok {
		return str
	}
	p := v.ToString()
	if str, ok := p.(goja.String); ok {
		return str
	}
	return goString(p.String())
}

func goString(str string) goja.String {
	return goja.StringFromUTF16(utf16.Encode([]rune(str)))
}

func toLength(f float64) int64 {
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0
	case f >= 1<<53-1:
		return 1<<53 - 1
	}
	return int64(f)
}

// lengthOf returns the length a built-in will read from v, refusing array-likes that could
// report one length to this check and another to the built-in.
func (s *slot) lengthOf(v goja.Value) int64 {
	if isNullish(v) {
		return 0
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if str, ok := v.(goja.String); ok {
			return int64(str.Length())
		}
		return 0
	}
	switch o.ClassName() {
	case "Array", "String":
		return toLength(o.Get("length").ToFloat())
	}
	for p := o; p != nil; p = p.Prototype() {
		d, err := s.gopd(goja.Undefined(), p, s.rt.ToValue("length"))
		if err != nil {
			panic(err)
		}
		if goja.IsUndefined(d) {
			continue
		}
		do := d.ToObject(s.rt)
		if get := do.Get("get"); get != nil && !goja.IsUndefined(get) {
			s.throwType("array-like objects with a length getter are not supported in the sandbox")
		}
		if set := do.Get("set"); set != nil && !goja.IsUndefined(set) {
			s.throwType("array-like objects with a length setter are not supported in the sandbox")
		}
		val := do.Get("value")
		if _, isObj := val.(*goja.Object); isObj {
			s.throwType("array-like objects whose length is an object are not supported in the sandbox")
		}
		return toLength(val.ToFloat())
	}
	return 0
}

func (s *slot) checkLength(n int64, what string) {
	if n > int64(s.cfg.MaxArrayLength) {
		s.limit("%s: %d elements is more than the sandbox allows (%d)", what, n, s.cfg.MaxArrayLength)
	}
}

func (s *slot) checkStringLength(n int64, what string) {
	if n > int64(s.cfg.MaxStringLength) {
		s.limit("%s: a string of %d characters is more than the sandbox allows (%d)", what, n, s.cfg.MaxStringLength)
	}
}

func (s *slot) enterNative(what string) {
	s.nativeDepth++
	if s.nativeDepth > s.cfg.MaxDepth {
		s.limit("%s: nesting deeper than %d levels", what, s.cfg.MaxDepth)
	}
}

func (s *slot) thisString(this goja.Value, method string) goja.String {
	if isNullish(this) {
		s.throwType("String.prototype.%s called on null or undefined", method)
	}
	return toStr(this)
}

func (s *slot) call(fn goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := fn(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// defaultCompareFn is SortCompare for a missing comparator (undefined values never reach it):
// strings compared by UTF-16 code units.
func (s *slot) defaultCompareFn(call goja.FunctionCall) goja.Value {
	s.cmpCount++
	if s.cmpCount&1023 == 0 {
		s.checkStop()
	}
	return s.rt.ToValue(toStr(call.Argument(0)).CompareTo(toStr(call.Argument(1))))
}

func (s *slot) installGuards() error {
	s.defaultCompare = s.newFunc("compare", 2, s.defaultCompareFn)
	errs := []error{}
	try := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	rt := s.rt

	// Array.prototype: every method is checked on its receiver's length.
	ap := s.proto("Array")
	for _, name := range ap.GetOwnPropertyNames() {
		if name == "constructor" || name == "length" || name == "toString" {
			continue
		}
		if originalOf(ap.Get(name)) == nil {
			continue
		}
		what := "Array.prototype." + name
		switch name {
		case "join":
			try(s.replaceMethod(ap, name, func(nativeFn) nativeFn { return s.arrayJoin(false) }))
		case "toLocaleString":
			try(s.replaceMethod(ap, name, func(nativeFn) nativeFn { return s.arrayJoin(true) }))
		case "flat":
			try(s.replaceMethod(ap, name, func(nativeFn) nativeFn { return s.arrayFlat }))
		case "flatMap":
			try(s.replaceMethod(ap, name, func(nativeFn) nativeFn { return s.arrayFlatMap }))
		case "concat":
			try(s.replaceMethod(ap, name, func(nativeFn) nativeFn { return s.arrayConcat }))
		case "sort", "toSorted":
			// Without a comparator goja sorts natively: a million numbers take 5 s that no
			// interrupt reaches. The default order, done by a native comparator that checks
			// the deadline, keeps the semantics and makes the sort interruptible.
			try(s.replaceMethod(ap, name, func(orig nativeFn) nativeFn {
				return func(call goja.FunctionCall) goja.Value {
					s.checkStop()
					s.checkLength(s.lengthOf(call.This), what)
					if cmp := call.Argument(0); goja.IsUndefined(cmp) {
						call = goja.FunctionCall{This: call.This, Arguments: []goja.Value{s.defaultCompare}}
					}
					return orig(call)
				}
			}))
		case "push", "unshift", "splice", "toSpliced":
			try(s.replaceMethod(ap, name, func(orig nativeFn) nativeFn {
				return func(call goja.FunctionCall) goja.Value {
					s.checkStop()
					s.checkLength(s.lengthOf(call.This)+int64(len(call.Arguments)), what)
					return orig(call)
				}
			}))
		default:
			try(s.replaceMethod(ap, name, func(orig nativeFn) nativeFn {
				return func(call goja.FunctionCall) goja.Value {
					s.checkStop()
					s.checkLength(s.lengthOf(call.This), what)
					return orig(call)
				}
			}))
		}
	}
	// Array.prototype[Symbol.iterator] is Array.prototype.values.
	try(ap.DefineDataPropertySymbol(goja.SymIterator, ap.Get("values"), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE))

	arrayCtor := s.object("Array")
	try(s.replaceMethod(arrayCtor, "from", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			if items, ok := call.Argument(0).(*goja.Object); ok && !isArray(items) {
				s.checkLength(s.lengthOf(items), "Array.from")
			}
			return orig(call)
		}
	}))

	// Calls with an argument list taken from an array-like.
	try(s.replaceMethod(s.proto("Function"), "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			s.checkLength(s.lengthOf(call.Argument(1)), "Function.prototype.apply")
			return orig(call)
		}
	}))
	try(s.replaceMethod(s.proto("Function"), "bind", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			target, _ := call.This.(*goja.Object)
			depth := s.boundDepth[target] + 1
			if depth > s.cfg.MaxDepth {
				s.limit("Function.prototype.bind: more than %d nested bound functions", s.cfg.MaxDepth)
			}
			res := orig(call)
			if o, ok := res.(*goja.Object); ok && s.boundDepth != nil {
				s.boundDepth[o] = depth
			}
			return res
		}
	}))
	reflectObj := s.object("Reflect")
	try(s.replaceMethod(reflectObj, "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			s.checkLength(s.lengthOf(call.Argument(2)), "Reflect.apply")
			return orig(call)
		}
	}))
	try(s.replaceMethod(reflectObj, "construct", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			s.checkLength(s.lengthOf(call.Argument(1)), "Reflect.construct")
			return orig(call)
		}
	}))

	// Object.keys and friends materialise one entry per index of a string or array.
	objectCtor := s.object("Object")
	for _, name := range []string{"keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors", "assign"} {
		what := "Object." + name
		try(s.replaceMethod(objectCtor, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s.checkStop()
				for _, a := range call.Arguments {
					if str, ok := a.(goja.String); ok {
						s.checkLength(int64(str.Length()), what)
					} else if o, ok := a.(*goja.Object); ok && (o.ClassName() == "Array" || o.ClassName() == "String") {
						s.checkLength(s.lengthOf(o), what)
					}
				}
				return orig(call)
			}
		}))
	}

	// Strings.
	sp := s.proto("String")
	try(s.replaceMethod(sp, "repeat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			str := s.thisString(call.This, "repeat")
			count := call.Argument(0).ToNumber()
			if f := count.ToFloat(); f >= 1 && str.Length() > 0 {
				if total := float64(str.Length()) * math.Floor(f); total > float64(s.cfg.MaxStringLength) {
					s.limit("String.prototype.repeat: a string of %.0f characters is more than the sandbox allows (%d)", total, s.cfg.MaxStringLength)
				}
			}
			return orig(goja.FunctionCall{This: str, Arguments: []goja.Value{count}})
		}
	}))
	for _, name := range []string{"padStart", "padEnd"} {
		what := "String.prototype." + name
		try(s.replaceMethod(sp, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s.checkStop()
				str := s.thisString(call.This, name)
				maxLen := call.Argument(0).ToNumber()
				s.checkStringLength(toLength(maxLen.ToFloat()), what)
				fill := call.Argument(1)
				if !goja.IsUndefined(fill) {
					fill = toStr(fill)
				}
				return orig(goja.FunctionCall{This: str, Arguments: []goja.Value{maxLen, fill}})
			}
		}))
	}
	try(s.replaceMethod(sp, "concat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			str := s.thisString(call.This, "concat")
			total := int64(str.Length())
			args := make([]goja.Value, len(call.Arguments))
			for i, a := range call.Arguments {
				as := toStr(a)
				total += int64(as.Length())
				args[i] = as
			}
			s.checkStringLength(total, "String.prototype.concat")
			return orig(goja.FunctionCall{This: str, Arguments: args})
		}
	}))
	try(s.replaceMethod(sp, "replace", func(orig nativeFn) nativeFn { return s.stringReplace(orig, false) }))
	try(s.replaceMethod(sp, "replaceAll", func(orig nativeFn) nativeFn { return s.stringReplace(orig, true) }))
	try(s.replaceMethod(sp, "split", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			if isNullish(call.This) {
				s.throwType("String.prototype.split called on null or undefined")
			}
			sep, limit := call.Argument(0), call.Argument(1)
			if so, ok := sep.(*goja.Object); ok {
				if m, ok := goja.AssertFunction(so.GetSymbol(goja.SymSplit)); ok {
					return s.call(m, so, call.This, limit)
				}
			}
			str := toStr(call.This)
			if !goja.IsUndefined(sep) {
				sep = toStr(sep)
			}
			res := orig(goja.FunctionCall{This: str, Arguments: []goja.Value{sep, s.cappedLimit(limit)}})
			s.checkLength(s.lengthOf(res), "String.prototype.split")
			return res
		}
	}))
	for _, m := range []struct {
		name string
		sym  *goja.Symbol
		all  bool
	}{{"match", goja.SymMatch, false}, {"matchAll", goja.SymMatchAll, true}, {"search", goja.SymSearch, false}} {
		try(s.replaceMethod(sp, m.name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s.checkStop()
				if isNullish(call.This) {
					s.throwType("String.prototype.%s called on null or undefined", m.name)
				}
				re := call.Argument(0)
				if ro, ok := re.(*goja.Object); ok {
					if m.all && s.isRegExp(ro) && !strings.Contains(ro.Get("flags").String(), "g") {
						s.throwType("String.prototype.matchAll called with a non-global RegExp argument")
					}
					if fn, ok := goja.AssertFunction(ro.GetSymbol(m.sym)); ok {
						return s.call(fn, ro, call.This)
					}
				}
				str := toStr(call.This)
				pattern := goja.Value(s.rt.ToValue(""))
				if !goja.IsUndefined(re) {
					pattern = toStr(re)
				}
				flags := ""
				if m.all {
					flags = "g"
				}
				s.checkRegexpValue(pattern, s.rt.ToValue(flags))
				return orig(goja.FunctionCall{This: str, Arguments: []goja.Value{pattern}})
			}
		}))
	}
	stringCtor := s.object("String")
	try(s.replaceMethod(stringCtor, "raw", func(nativeFn) nativeFn { return s.stringRaw }))

	// RegExp.prototype: replacements are budgeted and interruptible, results are bounded.
	rp := s.proto("RegExp")
	try(s.replaceSymbolMethod(rp, goja.SymReplace, "[Symbol.replace]", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			str := toStr(call.Argument(0))
			budget := int64(str.Length())
			repl := s.replacer(str, call.Argument(1), &budget)
			return orig(goja.FunctionCall{This: call.This, Arguments: []goja.Value{str, repl}})
		}
	}))
	try(s.replaceSymbolMethod(rp, goja.SymSplit, "[Symbol.split]", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			str := toStr(call.Argument(0))
			res := orig(goja.FunctionCall{This: call.This, Arguments: []goja.Value{str, s.cappedLimit(call.Argument(1))}})
			s.checkLength(s.lengthOf(res), "RegExp.prototype[Symbol.split]")
			return res
		}
	}))
	try(s.replaceSymbolMethod(rp, goja.SymMatch, "[Symbol.match]", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			res := orig(call)
			s.checkLength(s.lengthOf(res), "RegExp.prototype[Symbol.match]")
			return res
		}
	}))
	for _, name := range []string{"exec", "test"} {
		try(s.replaceMethod(rp, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value { s.checkStop(); return orig(call) }
		}))
	}
	for _, sym := range []struct {
		s    *goja.Symbol
		name string
	}{{goja.SymMatchAll, "[Symbol.matchAll]"}, {goja.SymSearch, "[Symbol.search]"}} {
		try(s.replaceSymbolMethod(rp, sym.s, sym.name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value { s.checkStop(); return orig(call) }
		}))
	}

	// JSON.
	jsonObj := s.object("JSON")
	try(s.replaceMethod(jsonObj, "stringify", func(orig nativeFn) nativeFn { return s.jsonStringify(orig) }))
	try(s.replaceMethod(jsonObj, "parse", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			text := toStr(call.Argument(0))
			if d := jsonDepth(text.String()); d > s.cfg.MaxDepth {
				s.limit("JSON.parse: nesting deeper than %d levels", s.cfg.MaxDepth)
			}
			return orig(goja.FunctionCall{This: call.This, Arguments: []goja.Value{text, call.Argument(1)}})
		}
	}))

	// The built-in iterators' next: the loops of Array.from, spread, Set, Map, Promise.all… run
	// natively and call it for every element.
	iterProtos, err := rt.RunString(`[
		Object.getPrototypeOf([][Symbol.iterator]()),
		Object.getPrototypeOf(new Map()[Symbol.iterator]()),
		Object.getPrototypeOf(new Set()[Symbol.iterator]()),
		Object.getPrototypeOf(''[Symbol.iterator]()),
		Object.getPrototypeOf('a'.matchAll(/a/g)),
	]`)
	if err != nil {
		return err
	}
	arr := iterProtos.ToObject(rt)
	for i := 0; i < 5; i++ {
		p := arr.Get(strconv.Itoa(i)).ToObject(rt)
		try(s.replaceMethod(p, "next", func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value { s.checkStop(); return orig(call) }
		}))
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (s *slot) isRegExp(o *goja.Object) bool {
	if m := o.GetSymbol(goja.SymMatch); m != nil && !goja.IsUndefined(m) {
		return m.ToBoolean()
	}
	return o.ClassName() == "RegExp"
}

// cappedLimit turns split's limit into one that stops just past MaxArrayLength.
func (s *slot) cappedLimit(limit goja.Value) goja.Value {
	capped := uint32(s.cfg.MaxArrayLength + 1)
	if !goja.IsUndefined(limit) {
		f := limit.ToNumber().ToFloat()
		var l uint32
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			l = uint32(int64(math.Trunc(f)))
		}
		if l < capped {
			capped = l
		}
	}
	return s.rt.ToValue(capped)
}

// arrayJoin reimplements Array.prototype.join (and toLocaleString) with an output budget, a
// nesting bound and goja's behaviour for cycles (a cyclic element joins as "").
func (s *slot) arrayJoin(locale bool) nativeFn {
	what := "Array.prototype.join"
	if locale {
		what = "Array.prototype.toLocaleString"
	}
	return func(call goja.FunctionCall) goja.Value {
		s.checkStop()
		o := call.This.ToObject(s.rt)
		n := s.lengthOf(o)
		s.checkLength(n, what)
		sep := goja.String(goja.StringFromUTF16([]uint16{','}))
		if !locale && !goja.IsUndefined(call.Argument(0)) {
			sep = toStr(call.Argument(0))
		}
		for _, p := range s.joinStack {
			if p == o {
				return s.rt.ToValue("")
			}
		}
		s.enterNative(what)
		s.joinStack = append(s.joinStack, o)
		defer func() {
			s.joinStack = s.joinStack[:len(s.joinStack)-1]
			s.nativeDepth--
		}()
		var b goja.StringBuilder
		total := int64(0)
		for i := int64(0); i < n; i++ {
			if i > 0 {
				total += int64(sep.Length())
				s.checkStringLength(total, what)
				b.WriteString(sep)
			}
			if i&1023 == 1023 {
				s.checkStop()
			}
			el := o.Get(strconv.FormatInt(i, 10))
			if isNullish(el) {
				continue
			}
			var str goja.String
			if locale {
				eo := el.ToObject(s.rt)
				fn, ok := goja.AssertFunction(eo.Get("toLocaleString"))
				if !ok {
					s.throwType("toLocaleString is not a function")
				}
				str = toStr(s.call(fn, el))
			} else {
				str = toStr(el)
			}
			total += int64(str.Length())
			s.checkStringLength(total, what)
			b.WriteString(str)
		}
		return b.String()
	}
}

// arrayFlat reimplements Array.prototype.flat with bounded depth and output length. The result
// is a plain array (no Symbol.species).
func (s *slot) arrayFlat(call goja.FunctionCall) goja.Value {
	s.checkStop()
	o := call.This.ToObject(s.rt)
	n := s.lengthOf(o)
	s.checkLength(n, "Array.prototype.flat")
	depth := 1.0
	if d := call.Argument(0); !goja.IsUndefined(d) {
		depth = d.ToNumber().ToFloat()
		if math.IsNaN(depth) || depth < 0 {
			depth = 0
		}
	}
	var out []goja.Value
	s.flattenInto(&out, o, n, depth, 0)
	return s.rt.NewArray(valuesToAny(out)...)
}

func (s *slot) flattenInto(out *[]goja.Value, src *goja.Object, n int64, depth float64, level int) {
	if level > s.cfg.MaxDepth {
		s.limit("Array.prototype.flat: nesting deeper than %d levels", s.cfg.MaxDepth)
	}
	for i := int64(0); i < n; i++ {
		if i&1023 == 1023 {
			s.checkStop()
		}
		el := src.Get(strconv.FormatInt(i, 10))
		if el == nil {
			continue // hole
		}
		if depth >= 1 && isArray(el) {
			eo := el.(*goja.Object)
			en := s.lengthOf(eo)
			s.checkLength(int64(len(*out))+en, "Array.prototype.flat")
			s.flattenInto(out, eo, en, depth-1, level+1)
			continue
		}
		*out = append(*out, el)
		s.checkLength(int64(len(*out)), "Array.prototype.flat")
	}
}

func (s *slot) arrayFlatMap(call goja.FunctionCall) goja.Value {
	s.checkStop()
	o := call.This.ToObject(s.rt)
	n := s.lengthOf(o)
	s.checkLength(n, "Array.prototype.flatMap")
	fn, ok := goja.AssertFunction(call.Argument(0))
	if !ok {
		s.throwType("flatMap mapper function is not callable")
	}
	thisArg := call.Argument(1)
	var out []goja.Value
	for i := int64(0); i < n; i++ {
		el := o.Get(strconv.FormatInt(i, 10))
		if el == nil {
			continue
		}
		mapped := s.call(fn, thisArg, el, s.rt.ToValue(i), o)
		if isArray(mapped) {
			mo := mapped.(*goja.Object)
			mn := s.lengthOf(mo)
			s.checkLength(int64(len(out))+mn, "Array.prototype.flatMap")
			s.flattenInto(&out, mo, mn, 0, 1)
			continue
		}
		out = append(out, mapped)
		s.checkLength(int64(len(out)), "Array.prototype.flatMap")
	}
	return s.rt.NewArray(valuesToAny(out)...)
}

// arrayConcat reimplements Array.prototype.concat: the original reads each argument's length only
// when it reaches it, so a getter in an earlier argument could lengthen a later one past any
// check made beforehand. Here every length is checked as it is read.
func (s *slot) arrayConcat(call goja.FunctionCall) goja.Value {
	s.checkStop()
	o := call.This.ToObject(s.rt)
	result := s.arraySpeciesCreate(o)
	n := int64(0)
	items := append([]goja.Value{o}, call.Arguments...)
	for _, item := range items {
		e, isObj := item.(*goja.Object)
		spreadable := false
		if isObj {
			if sp := e.GetSymbol(goja.SymIsConcatSpreadable); sp != nil && !goja.IsUndefined(sp) {
				spreadable = sp.ToBoolean()
			} else {
				spreadable = isArray(e)
			}
		}
		if !spreadable {
			s.checkLength(n+1, "Array.prototype.concat")
			_ = result.DefineDataProperty(strconv.FormatInt(n, 10), item, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			n++
			continue
		}
		l := s.lengthOf(e)
		s.checkLength(n+l, "Array.prototype.concat")
		for k := int64(0); k < l; k++ {
			if k&1023 == 1023 {
				s.checkStop()
			}
			if v := e.Get(strconv.FormatInt(k, 10)); v != nil {
				_ = result.DefineDataProperty(strconv.FormatInt(n, 10), v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			}
			n++
		}
	}
	if err := result.Set("length", n); err != nil {
		panic(err)
	}
	return result
}

// arraySpeciesCreate(o, 0) as the specification defines it.
func (s *slot) arraySpeciesCreate(o *goja.Object) *goja.Object {
	if !isArray(o) {
		return s.rt.NewArray()
	}
	c := o.Get("constructor")
	if co, ok := c.(*goja.Object); ok {
		c = co.GetSymbol(goja.SymSpecies)
		if c != nil && goja.IsNull(c) {
			c = nil
		}
	}
	if c == nil || goja.IsUndefined(c) || c.SameAs(s.global.Get("Array")) {
		return s.rt.NewArray()
	}
	co, ok := c.(*goja.Object)
	if !ok {
		s.throwType("object.constructor[Symbol.species] is not a constructor")
	}
	res, err := s.rt.New(co, s.rt.ToValue(0))
	if err != nil {
		panic(err)
	}
	return res
}

func valuesToAny(vs []goja.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// stringReplace guards String.prototype.replace/replaceAll: a search value with a
// Symbol.replace method (a RegExp) is dispatched here, once, so that the method read is the one
// called; otherwise the replacement goes through a budgeted replacer.
func (s *slot) stringReplace(orig nativeFn, all bool) nativeFn {
	name := "replace"
	if all {
		name = "replaceAll"
	}
	return func(call goja.FunctionCall) goja.Value {
		s.checkStop()
		if isNullish(call.This) {
			s.throwType("String.prototype.%s called on null or undefined", name)
		}
		search, replacement := call.Argument(0), call.Argument(1)
		if so, ok := search.(*goja.Object); ok {
			if all && s.isRegExp(so) && !strings.Contains(so.Get("flags").String(), "g") {
				s.throwType("replaceAll must be called with a global RegExp")
			}
			if fn, ok := goja.AssertFunction(so.GetSymbol(goja.SymReplace)); ok {
				return s.call(fn, so, call.This, replacement)
			}
		}
		str := toStr(call.This)
		search = toStr(search)
		budget := int64(str.Length())
		repl := s.replacer(str, replacement, &budget)
		return orig(goja.FunctionCall{This: str, Arguments: []goja.Value{search, repl}})
	}
}

// replacer returns a native replacement function that produces what replacement (a function or
// a string with $-patterns) would, adding each piece to *budget and stopping at MaxStringLength.
func (s *slot) replacer(str goja.String, replacement goja.Value, budget *int64) goja.Value {
	add := func(piece goja.String) goja.Value {
		*budget += int64(piece.Length())
		s.checkStringLength(*budget, "replace")
		return piece
	}
	if fn, ok := goja.AssertFunction(replacement); ok {
		return s.newFunc("replacer", 0, func(call goja.FunctionCall) goja.Value {
			s.checkStop()
			return add(toStr(s.call(fn, goja.Undefined(), call.Arguments...)))
		})
	}
	template := toStr(replacement)
	plain := !strings.Contains(template.String(), "$")
	return s.newFunc("replacer", 0, func(call goja.FunctionCall) goja.Value {
		s.checkStop()
		if plain {
			return add(template)
		}
		return add(s.substitute(template, str, call.Arguments))
	})
}

// substitute implements GetSubstitution for a replacer's arguments
// (matched, p1…pm, position, string[, groups]).
func (s *slot) substitute(template, str goja.String, args []goja.Value) goja.String {
	m := len(args) - 3
	var groups *goja.Object
	if m >= 1 {
		if g, ok := args[len(args)-1].(*goja.Object); ok {
			groups = g
			m--
		}
	}
	if m < 0 {
		return template
	}
	matched := toStr(args[0])
	pos := int(args[m+1].ToInteger())
	capture := func(i int) goja.String {
		v := args[i]
		if goja.IsUndefined(v) {
			return goja.StringFromUTF16(nil)
		}
		return toStr(v)
	}
	var b goja.StringBuilder
	n := template.Length()
	lit := 0
	flush := func(end int) {
		if end > lit {
			b.WriteSubstring(template, lit, end)
		}
	}
	for i := 0; i < n; i++ {
		if template.CharAt(i) != '$' || i+1 >= n {
			continue
		}
		c := template.CharAt(i + 1)
		switch {
		case c == '$':
			flush(i + 1)
			i++
			lit = i + 1
		case c == '&':
			flush(i)
			b.WriteString(matched)
			i++
			lit = i + 1
		case c == '`':
			flush(i)
			b.WriteSubstring(str, 0, min(max(pos, 0), str.Length()))
			i++
			lit = i + 1
		case c == '\'':
			flush(i)
			tail := min(max(pos, 0)+matched.Length(), str.Length())
			b.WriteSubstring(str, tail, str.Length())
			i++
			lit = i + 1
		case c >= '0' && c <= '9':
			d := int(c - '0')
			if i+2 < n {
				if c2 := template.CharAt(i + 2); c2 >= '0' && c2 <= '9' {
					if dd := d*10 + int(c2-'0'); dd >= 1 && dd <= m {
						flush(i)
						b.WriteString(capture(dd))
						i += 2
						lit = i + 1
						continue
					}
				}
			}
			if d >= 1 && d <= m {
				flush(i)
				b.WriteString(capture(d))
				i++
				lit = i + 1
			}
		case c == '<' && groups != nil:
			end := -1
			for j := i + 2; j < n; j++ {
				if template.CharAt(j) == '>' {
					end = j
					break
				}
			}
			if end < 0 {
				continue
			}
			flush(i)
			if v := groups.Get(template.Substring(i+2, end).String()); v != nil && !goja.IsUndefined(v) {
				b.WriteString(toStr(v))
			}
			i = end
			lit = i + 1
		}
	}
	flush(n)
	return b.String()
}

func (s *slot) stringRaw(call goja.FunctionCall) goja.Value {
	s.checkStop()
	cooked := call.Argument(0).ToObject(s.rt)
	raw := cooked.Get("raw")
	if isNullish(raw) {
		s.throwType("Cannot convert undefined or null to object")
	}
	ro := raw.ToObject(s.rt)
	n := s.lengthOf(ro)
	s.checkLength(n, "String.raw")
	subs := call.Arguments
	if len(subs) > 0 {
		subs = subs[1:]
	}
	var b goja.StringBuilder
	total := int64(0)
	for i := int64(0); i < n; i++ {
		seg := toStr(nilToUndefined(ro.Get(strconv.FormatInt(i, 10))))
		total += int64(seg.Length())
		s.checkStringLength(total, "String.raw")
		b.WriteString(seg)
		if i+1 == n {
			break
		}
		if int(i) < len(subs) {
			sub := toStr(subs[i])
			total += int64(sub.Length())
			s.checkStringLength(total, "String.raw")
			b.WriteString(sub)
		}
	}
	return b.String()
}

func nilToUndefined(v goja.Value) goja.Value {
	if v == nil {
		return goja.Undefined()
	}
	return v
}

// jsonStringify calls the original with a native replacer that applies the script's replacer
// (a function, or a property list emulated by copying objects in list order), and accounts the
// output size and nesting as the serialisation proceeds.
func (s *slot) jsonStringify(orig nativeFn) nativeFn {
	return func(call goja.FunctionCall) goja.Value {
		s.checkStop()
		value, userReplacer, space := call.Argument(0), call.Argument(1), call.Argument(2)
		userFn, isFn := goja.AssertFunction(userReplacer)
		var propList []string
		if !isFn && isArray(userReplacer) {
			lo := userReplacer.(*goja.Object)
			n := s.lengthOf(lo)
			s.checkLength(n, "JSON.stringify")
			seen := map[string]bool{}
			for i := int64(0); i < n; i++ {
				v := lo.Get(strconv.FormatInt(i, 10))
				var key string
				switch vv := v.(type) {
				case goja.String:
					key = vv.String()
				case *goja.Object:
					if c := vv.ClassName(); c == "String" || c == "Number" {
						key = vv.String()
					} else {
						continue
					}
				default:
					if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
						continue
					}
					if _, ok := v.Export().(bool); ok {
						continue
					}
					key = v.String()
				}
				if !seen[key] {
					seen[key] = true
					propList = append(propList, key)
				}
			}
		}
		// gap width, as JSON.stringify computes it
		gap := int64(0)
		if so, ok := space.(*goja.Object); ok {
			switch so.ClassName() {
			case "Number":
				space = so.ToNumber()
			case "String":
				space = toStr(so)
			}
		}
		if str, ok := space.(goja.String); ok {
			gap = int64(min(10, str.Length()))
		} else if !isNullish(space) {
			if f := space.ToFloat(); !math.IsNaN(f) {
				gap = int64(math.Max(0, math.Min(10, math.Trunc(f))))
			}
		}
		depths := map[*goja.Object]int{}
		budget := int64(0)
		replacer := s.newFunc("", 2, func(rc goja.FunctionCall) goja.Value {
			s.checkStop()
			key := toStr(rc.Argument(0))
			v := rc.Argument(1)
			holder, _ := rc.This.(*goja.Object)
			if isFn {
				v = s.call(userFn, rc.This, key, v)
			}
			depth := depths[holder]
			budget += int64(key.Length()) + 4 + gap*int64(depth+1)
			switch vv := v.(type) {
			case *goja.Object:
				if _, callable := goja.AssertFunction(vv); callable {
					break
				}
				if depth+1 > s.cfg.MaxDepth {
					s.limit("JSON.stringify: nesting deeper than %d levels", s.cfg.MaxDepth)
				}
				if propList != nil && !isArray(vv) {
					if c := vv.ClassName(); c != "String" && c != "Number" && c != "Boolean" {
						cp := s.rt.NewObject()
						for _, k := range propList {
							if pv := vv.Get(k); pv != nil {
								_ = cp.DefineDataProperty(k, pv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
							}
						}
						vv = cp
						v = cp
					}
				}
				depths[vv] = depth + 1
				budget += 2
				if c := vv.ClassName(); c == "String" {
					budget += int64(toStr(vv).Length())
				}
			case goja.String:
				budget += int64(vv.Length()) + 2
			default:
				budget += 24
			}
			s.checkStringLength(budget, "JSON.stringify")
			return v
		})
		return orig(goja.FunctionCall{This: call.This, Arguments: []goja.Value{value, replacer, space}})
	}
}

// jsonDepth returns the maximum nesting of arrays and objects in JSON text (outside strings).
func jsonDepth(text string) int {
	depth, maxDepth := 0, 0
	inStr := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
			maxDepth = max(maxDepth, depth)
		case ']', '}':
			depth--
		}
	}
	return maxDepth
}
