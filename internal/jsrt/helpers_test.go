package jsrt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func compileT(t testing.TB, e *Engine, src string) *Program {
	t.Helper()
	p, err := e.Compile(src)
	if err != nil {
		t.Fatalf("compile: %v\nsource:\n%s", err, src)
	}
	return p
}

// runT compiles src and runs handler path with inv.
func runT(t testing.TB, e *Engine, src, path string, inv Invocation) (*Result, error) {
	t.Helper()
	p := compileT(t, e, src)
	inv.Path = path
	return e.Run(context.Background(), p, inv)
}

// okT runs and requires success.
func okT(t testing.TB, e *Engine, src, path string, inv Invocation) *Result {
	t.Helper()
	res, err := runT(t, e, src, path, inv)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// handlerErrT requires a *HandlerError of the given kind.
func handlerErrT(t testing.TB, err error, kind ErrorKind) *HandlerError {
	t.Helper()
	var he *HandlerError
	if !errors.As(err, &he) {
		t.Fatalf("want *HandlerError (%s), got %T: %v", kind, err, err)
	}
	if he.Kind != kind {
		t.Fatalf("want kind %s, got %s: %v", kind, he.Kind, he)
	}
	return he
}

func compileErrT(t testing.TB, err error) *CompileError {
	t.Helper()
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("want *CompileError, got %T: %v", err, err)
	}
	return ce
}

func contains(t testing.TB, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

// slow scales time bounds for the race detector, which slows goja down several times.
func slow(d time.Duration) time.Duration {
	if raceEnabled {
		return d * 8
	}
	// CI runs every package's tests at once on two cores: a bound that
	// says "ends near its deadline, not seconds later" must leave room
	// for a busy machine.
	return d * 3
}

// handler wraps a body into a one-handler script.
func handler(body string) string {
	return "logic['h'] = async (query, body, db, response, params) => {\n" + body + "\n};"
}
