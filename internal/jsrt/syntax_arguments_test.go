package jsrt

import "testing"

// goja gets an arrow function's `arguments` wrong (undefined, or a panic
// inside goja): such code is refused when saved, with the way out; every
// other use of the word compiles.
func TestArgumentsInsideArrowFunctionsIsRefused(t *testing.T) {
	e := New(Config{})
	for _, src := range []string{
		`logic.h = function (q) { return (() => arguments.length)(); };`,
		`logic.h = async (q) => arguments[0];`,
		`function f() { return [1].map(() => arguments[0]); } logic.h = () => f(1);`,
		`logic.h = () => { const g = () => { return typeof arguments; }; return g(); };`,
	} {
		_, err := e.Compile(src)
		ce := compileErrT(t, err)
		contains(t, ce.Message, "rest parameter")
		if ce.Line != 1 || ce.Column == 0 {
			t.Errorf("%s: position %d:%d", src, ce.Line, ce.Column)
		}
	}
	for src, want := range map[string]any{
		`logic.h = function (q) { return arguments.length; };`:                                   5.0,
		`logic.h = () => { function inner() { return arguments.length; } return inner(1, 2); };`: 2.0,
		`logic.h = (...args) => args.length;`:                                                    5.0,
		`logic.h = () => { const o = { arguments: 1 }; return o.arguments; };`:                   1.0,
		`logic.h = () => ({ m() { return arguments.length; } }).m(1);`:                           1.0,
	} {
		res := okT(t, e, src, "h", Invocation{})
		if res.Data != want {
			t.Errorf("%s: %#v, want %#v", src, res.Data, want)
		}
	}
}
