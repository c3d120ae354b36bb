package jsrt

import (
	"context"
	"time"

	"github.com/dop251/goja"
	"reflect"
	"testing"
)

func TestDeclaredParams(t *testing.T) {
	for src, want := range map[string]int{
		"async (query) => ({ pong: query.n })": 1,
		"async (query) => ({ pong: query.n }":  1, // as goja gives it: see declaredParams
		"q => q":                               1,
		"() => 1":                              0,
		"async function (query, body, db) { return 1 }":       3,
		"function named({ a }, [b]) { return a + b }":         2,
		"(q, b, d, r, p, extra) => 1":                         5,
		"(q, ...rest) => rest":                                httpArgs, // a rest parameter sees the rest
		"(q, b = 1) => b":                                     httpArgs, // length stops before a default
		"function (q) { return arguments.length }":            httpArgs,
		"(q) => eval('1')":                                    httpArgs,
		"ping(q) { return q }":                                httpArgs, // a method shorthand does not parse alone
		"function () { [native code] }":                       httpArgs,
		"async (q) => { // a comment at the end\n return q }": 1,
		"async (q) => q // a trailing comment":                1,
		"class A { constructor(q) {} }":                       httpArgs,
	} {
		if got := declaredParams(src); got != want {
			t.Errorf("declaredParams(%q) = %d, want %d", src, got, want)
		}
	}
}

// A handler sees the same arguments whether or not it declares them all: the ones it can reach
// are built, the response it never took keeps its defaults.
func TestHandlersGetTheArgumentsTheyCanReach(t *testing.T) {
	e := New(Config{})
	inv := Invocation{Method: "POST", Query: map[string]string{"n": "1"}, Body: map[string]any{"k": "v"},
		Params: Params{BotID: "42", CustomPath: "h"}}
	for _, c := range []struct {
		src  string
		want any
	}{
		{`logic.h = async (query) => ({ pong: query.n });`, map[string]any{"pong": "1"}},
		{`logic.h = async () => 'none';`, "none"},
		{`logic.h = function (q) { return arguments.length; };`, 5.0},
		{`logic.h = function (q) { const all = arguments; return all[4].botId; };`, "42"},
		{`logic.h = (q, ...rest) => [rest.length, rest[3].method];`, []any{4.0, "POST"}},
		{`logic.h = (q, body = {}) => body.k;`, "v"},
		{`logic.h = ((q, b, d, r, p) => p.customPath).bind(null);`, "h"},
		{`const o = { h(q, b) { return b.k; } }; logic.h = o.h;`, "v"},
	} {
		res := okT(t, e, c.src, "h", inv)
		if !reflect.DeepEqual(res.Data, c.want) || res.Status != 200 || res.Headers != nil || res.Message != nil {
			t.Errorf("%s: data %#v status %d headers %v message %v, want %#v", c.src, res.Data, res.Status, res.Headers, res.Message, c.want)
		}
	}
	res := okT(t, e, `logic.h = async (q, b, db, response) => { response.statusCode = 201; response.headers['X-A'] = 'b'; return 1; };`, "h", inv)
	if res.Status != 201 || res.Headers["X-A"] != "b" {
		t.Fatalf("a handler taking the response sets it: %+v", res)
	}
}

// The handlers of the benchmark (scripts/bench/custom.sh) are called with what they declare.
func TestDeclaredArgsOfRealHandlers(t *testing.T) {
	e := New(Config{})
	p := compileT(t, e, `logic["ping"] = async (query) => ({ pong: query.n });
logic["item"] = async (query, body, db) => db.operation.findOne("items", { _id: query.id });
logic["all"] = function (query, body, db, response, params) { return params.botId; };`)
	s, err := e.pool.get(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.pool.put(s)
	in, err := s.instanceFor(p, "b1")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"ping": 1, "item": 3, "all": 5} {
		if got := s.declaredArgs(in, in.logic.Get(name).(*goja.Object)); got != want {
			t.Errorf("%s: %d arguments, want %d", name, got, want)
		}
	}
}
