package jsrt

// The arguments an HTTP handler can see.
//
// logic[path] is called with five arguments: query, body, db, response and params. Most
// handlers declare fewer — `async (query) => ({ pong: query.n })` — and building the objects
// they cannot see (the body, the response with its headers, the params) and reading the
// response back afterwards was about a tenth of a trivial handler's CPU. So a handler whose
// source declares n plain parameters, and cannot reach the others, is called with n: the
// response it never saw keeps its defaults (status 200, no headers, no message).
//
// A function can reach arguments it does not declare through `arguments` (its own, or for an
// arrow function its enclosing function's), through a direct `eval` (which could name
// `arguments`), or through a rest or defaulted parameter (which `length` does not count).
// Neither `f.arguments` nor `f.caller` exists in goja. So when the source contains the words
// `arguments` or `eval`, when a parameter has a rest or a default, when the source cannot be
// parsed on its own (a method shorthand `ping(q) { … }`, a class method) or is not source at
// all (a bound or native function), the handler gets all five.

import (
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// httpArgs is the number of arguments an HTTP handler may take.
const httpArgs = 5

// declaredArgs returns how many of the HTTP arguments handler h can see, remembered by in for
// each function object (a script's handlers are the same objects from call to call).
func (s *slot) declaredArgs(in *instance, h *goja.Object) int {
	if n, ok := in.declared[h]; ok {
		return n
	}
	n := httpArgs
	if src, ok := s.functionSource(h); ok {
		n = declaredParams(src)
	}
	if in.declared == nil {
		in.declared = make(map[*goja.Object]int)
	}
	if len(in.declared) >= maxDeclared {
		clear(in.declared) // a script assigning new functions to logic on every call
	}
	in.declared[h] = n
	return n
}

// maxDeclared bounds the functions an instance remembers.
const maxDeclared = 256

// functionSource returns h's source text through the realm's own Function.prototype.toString,
// captured before any bot's code ran (a script cannot change what it returns, and no bot's code
// runs here).
func (s *slot) functionSource(h *goja.Object) (string, bool) {
	v, err := s.fnToString(h)
	if err != nil {
		return "", false
	}
	src := v.String()
	if strings.Contains(src, "[native code]") {
		return "", false
	}
	return src, true
}

// declaredParams returns how many plain parameters the function source src declares, capped at
// httpArgs, or httpArgs when the function could see more than it declares (see above).
func declaredParams(src string) int {
	if strings.Contains(src, "arguments") || strings.Contains(src, "eval") {
		return httpArgs
	}
	file, err := parser.ParseFile(nil, "", "("+src+"\n)", 0)
	if err != nil {
		// goja's source of an arrow function whose body is in parentheses,
		// `(q) => ({ pong: q.n })`, stops before the closing parenthesis.
		file, err = parser.ParseFile(nil, "", "("+src+")\n)", 0)
	}
	if err != nil || len(file.Body) != 1 {
		return httpArgs
	}
	stmt, ok := file.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return httpArgs
	}
	var params *ast.ParameterList
	switch f := stmt.Expression.(type) {
	case *ast.ArrowFunctionLiteral:
		params = f.ParameterList
	case *ast.FunctionLiteral:
		params = f.ParameterList
	default:
		return httpArgs
	}
	if params == nil || params.Rest != nil {
		return httpArgs
	}
	for _, p := range params.List {
		if p.Initializer != nil {
			return httpArgs
		}
	}
	return min(len(params.List), httpArgs)
}
