package jsrt

// Values crossing the Go boundary are copied, never shared: goja's ToValue on a Go map, slice or
// struct returns a live wrapper that exposes every exported field and method through reflection.
// toJS builds plain JavaScript objects and arrays; export reads JavaScript values the way
// JSON.stringify does (toJSON, own enumerable keys, functions and undefined dropped, NaN and
// Infinity as null, cycles refused) into map[string]any, []any, string, float64, bool and nil.
// Both are bounded by MaxDepth, and export by MaxValueBytes and MaxArrayLength.

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// toJS copies a JSON-compatible Go value into new JavaScript values. Map keys are sorted so that
// property order is deterministic. Call it only from native code running inside the VM.
func (s *slot) toJS(v any, depth int) goja.Value {
	if depth > s.cfg.MaxDepth {
		s.limit("value nested deeper than %d levels", s.cfg.MaxDepth)
	}
	rt := s.rt
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case goja.Value:
		return x
	case string:
		return rt.ToValue(x)
	case bool:
		return rt.ToValue(x)
	case float64:
		return rt.ToValue(x)
	case float32:
		return rt.ToValue(float64(x))
	case int:
		return rt.ToValue(x)
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return rt.ToValue(reflect.ValueOf(x).Convert(reflect.TypeOf(float64(0))).Float())
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return rt.ToValue(x.String())
		}
		return rt.ToValue(f)
	case time.Time:
		return rt.ToValue(x.UTC().Format(time.RFC3339Nano))
	case map[string]any:
		return s.objectFrom(len(x), func(yield func(string, any)) {
			for _, k := range sortedKeys(x) {
				yield(k, x[k])
			}
		}, depth)
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return s.objectFrom(len(x), func(yield func(string, any)) {
			for _, k := range keys {
				yield(k, x[k])
			}
		}, depth)
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = s.toJS(e, depth+1)
		}
		return rt.NewArray(items...)
	case []string:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = rt.ToValue(e)
		}
		return rt.NewArray(items...)
	case []map[string]any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = s.toJS(e, depth+1)
		}
		return rt.NewArray(items...)
	}
	// Anything else (structs, typed maps and slices) goes through its JSON form.
	b, err := json.Marshal(v)
	if err != nil {
		s.throwType("value of type %T cannot be passed to JavaScript", v)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		s.throwType("value of type %T cannot be passed to JavaScript", v)
	}
	return s.toJS(generic, depth)
}

func (s *slot) objectFrom(n int, each func(yield func(string, any)), depth int) goja.Value {
	o := s.rt.NewObject()
	each(func(k string, v any) {
		// CreateDataProperty semantics: a "__proto__" key is an ordinary property.
		_ = o.DefineDataProperty(k, s.toJS(v, depth+1), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	})
	return o
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// exporter converts JavaScript values to Go with JSON.stringify semantics.
type exporter struct {
	s      *slot
	what   string // for error messages: "response.data", "db.operation.insertOne document"…
	budget int    // remaining bytes
	stack  []*goja.Object
	inline [4]*goja.Object // stack's first backing array: most values are shallow
}

func (s *slot) newExporter(what string) *exporter {
	e := &exporter{s: s, what: what, budget: s.cfg.MaxValueBytes}
	e.stack = e.inline[:0]
	return e
}

func (e *exporter) spend(n int) {
	e.budget -= n
	if e.budget < 0 {
		e.s.limit("%s is larger than the sandbox allows (%d bytes of JSON)", e.what, e.s.cfg.MaxValueBytes)
	}
}

// export returns the Go value and whether it is defined (JSON.stringify would emit it).
func (e *exporter) export(v goja.Value, key string, depth int) (any, bool) {
	if v == nil || goja.IsUndefined(v) {
		return nil, false
	}
	if goja.IsNull(v) {
		e.spend(4)
		return nil, true
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		return e.primitive(v)
	}
	if _, callable := goja.AssertFunction(o); callable {
		return nil, false
	}
	if tj, ok := goja.AssertFunction(o.Get("toJSON")); ok {
		r := e.s.call(tj, o, e.s.rt.ToValue(key))
		if ro, isObj := r.(*goja.Object); !isObj || ro != o {
			return e.exportNoToJSON(r, depth)
		}
	}
	return e.exportNoToJSON(o, depth)
}

func (e *exporter) exportNoToJSON(v goja.Value, depth int) (any, bool) {
	o, isObj := v.(*goja.Object)
	if !isObj {
		if v == nil || goja.IsUndefined(v) {
			return nil, false
		}
		if goja.IsNull(v) {
			e.spend(4)
			return nil, true
		}
		return e.primitive(v)
	}
	if _, callable := goja.AssertFunction(o); callable {
		return nil, false
	}
	switch o.ClassName() {
	case "Number":
		return e.primitive(o.ToNumber())
	case "String":
		return e.primitive(toStr(o))
	case "Boolean":
		e.spend(5)
		b, _ := o.Export().(bool)
		return b, true
	}
	if depth >= e.s.cfg.MaxDepth {
		e.s.limit("%s is nested deeper than %d levels", e.what, e.s.cfg.MaxDepth)
	}
	for _, p := range e.stack {
		if p == o {
			e.s.throwType("%s contains a circular reference", e.what)
		}
	}
	e.stack = append(e.stack, o)
	defer func() { e.stack = e.stack[:len(e.stack)-1] }()
	e.s.checkStop()

	if isArray(o) {
		n := e.s.lengthOf(o)
		e.s.checkLength(n, e.what)
		e.spend(2)
		out := make([]any, 0, min(n, 1024))
		for i := int64(0); i < n; i++ {
			el, ok := e.export(o.Get(strconv.FormatInt(i, 10)), strconv.FormatInt(i, 10), depth+1)
			if !ok {
				e.spend(4)
				el = nil
			}
			e.spend(1)
			out = append(out, el)
		}
		return out, true
	}
	e.spend(2)
	keys := o.Keys()
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		val, ok := e.export(o.Get(k), k, depth+1)
		if !ok {
			continue
		}
		e.spend(len(k) + 4)
		out[k] = val
	}
	return out, true
}

func (e *exporter) primitive(v goja.Value) (any, bool) {
	if _, isSym := v.(*goja.Symbol); isSym {
		return nil, false
	}
	switch x := v.Export().(type) {
	case string:
		e.spend(len(x) + 2)
		if !utf8.ValidString(x) {
			x = strings.ToValidUTF8(x, "\uFFFD")
		}
		return x, true
	case bool:
		e.spend(5)
		return x, true
	case int64:
		e.spend(8)
		return float64(x), true
	case float64:
		e.spend(8)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, true
		}
		return x, true
	case int:
		e.spend(8)
		return float64(x), true
	}
	// symbols and anything else JSON cannot express
	return nil, false
}
