package jsrt

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/botdeck/botdeck/internal/urlsafe"
)

// Program is a compiled bot script: immutable, safe to share between goroutines and runs.
type Program struct {
	prog     *goja.Program // the wrapped script (see wrapperPrefix)
	prefix   int           // length of the wrapper's prefix, to map positions back
	handlers []string
	routes   []UpdateRoute // update handlers, in registration order (updates.go)
	// goRegexps[i] is routes[i]'s RegExp in Go's syntax, for WantsUpdate; nil when the route has
	// none or it cannot be expressed.
	goRegexps []*regexp.Regexp
}

// Handlers returns the registered handler names, sorted.
func (p *Program) Handlers() []string { return slices.Clone(p.handlers) }

func (p *Program) hasHandler(name string) bool {
	i := sort.SearchStrings(p.handlers, name)
	return i < len(p.handlers) && p.handlers[i] == name
}

// ValidHandlerName reports whether name has the shape of a handler name, the {path} of
// /custom/{botId}/{path}: [A-Za-z0-9_-]{1,64}.
func ValidHandlerName(name string) bool { return urlsafe.Name(name) }

// Compile compiles a bot's source with the default limits, in a sandbox built for the occasion
// (about 5 ms). Engine.Compile reuses the engine's sandboxes and limits.
func Compile(source string) (*Program, error) {
	return New(Config{MaxConcurrent: 1, MaxHeapBytes: -1}).Compile(source)
}

// Compile checks and compiles a bot's source, then runs its top level once in a sandbox (within
// Timeout) to discover the handlers it assigns to `logic`. Every refusal is a *CompileError:
// source too large, nesting too deep, a syntax error, a BigInt literal, a regular expression that
// needs backtracking, an exception or timeout in the top-level code, no handler registered, or a
// handler name outside [A-Za-z0-9_-]{1,64}.
//
// Discovery evaluates the script on its own: the runs that follow evaluate it again, once per
// runtime (instance.go). Handlers should be registered unconditionally: the routes listed by
// UpdateRoutes, which WantsUpdate consults, are those of this evaluation.
func (e *Engine) Compile(source string) (*Program, error) {
	if len(source) > e.cfg.MaxSourceBytes {
		return nil, &CompileError{Message: fmt.Sprintf("the source is %d bytes; the limit is %d", len(source), e.cfg.MaxSourceBytes)}
	}
	if strings.HasPrefix(source, "#!") { // a hashbang is only valid at the very start
		source = "//" + source[2:]
	}
	if err := scanNesting(source, e.cfg.MaxSyntaxDepth); err != nil {
		var deep *errTooDeep
		if errors.As(err, &deep) {
			line, col := offsetPosition(source, deep.offset)
			return nil, &CompileError{Message: fmt.Sprintf("code nests too deeply (more than %d levels of brackets and arrow functions); split it into smaller functions", e.cfg.MaxSyntaxDepth), Line: line, Column: col}
		}
		return nil, &CompileError{Message: "the source has too many places where '/' could be a division or a regular expression (after '}'); add semicolons or parentheses"}
	}
	parsed, err := parser.ParseFile(nil, sourceName, source, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, parseError(err, 0)
	}
	if ce := checkAST(parsed, 4*e.cfg.MaxSyntaxDepth); ce != nil {
		return nil, ce
	}
	// The plain wrapper fails only when the script declares `logic` itself (let, const, class):
	// the nested one lets that declaration shadow the parameter, as it would shadow a global.
	prog, prefix, cerr := compileWrapped(source, wrapperPrefix, wrapperSuffix)
	if cerr != nil {
		var nerr *CompileError
		prog, prefix, nerr = compileWrapped(source, nestedWrapperPrefix, nestedWrapperSuffix)
		if nerr != nil {
			return nil, cerr
		}
	}
	p := &Program{prog: prog, prefix: prefix}
	handlers, err := e.discover(p)
	if err != nil {
		return nil, err
	}
	p.handlers = handlers
	return p, nil
}

func compileWrapped(source, prefix, suffix string) (*goja.Program, int, *CompileError) {
	wrapped, err := parser.ParseFile(nil, sourceName, prefix+source+suffix, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, 0, parseError(err, len(prefix))
	}
	prog, err := goja.CompileAST(wrapped, false)
	if err != nil {
		return nil, 0, compilerError(err, len(prefix))
	}
	return prog, len(prefix), nil
}

func parseError(err error, prefix int) *CompileError {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		line, col := mapPosition(e.Position.Line, e.Position.Column, prefix)
		return &CompileError{Message: e.Message, Line: line, Column: col}
	}
	var pe *parser.Error
	if errors.As(err, &pe) {
		return &CompileError{Message: pe.Message, Line: pe.Position.Line, Column: pe.Position.Column}
	}
	return &CompileError{Message: err.Error()}
}

func compilerError(err error, prefix int) *CompileError {
	var se *goja.CompilerSyntaxError
	var re *goja.CompilerReferenceError
	var ce *goja.CompilerError
	switch {
	case errors.As(err, &se):
		ce = &se.CompilerError
	case errors.As(err, &re):
		ce = &re.CompilerError
	}
	if ce == nil || ce.File == nil {
		return &CompileError{Message: err.Error()}
	}
	p := ce.File.Position(ce.Offset)
	line, col := mapPosition(p.Line, p.Column, prefix)
	return &CompileError{Message: ce.Message, Line: line, Column: col}
}

// discover runs the script's top level once and lists the functions it assigned to `logic`.
func (e *Engine) discover(p *Program) (names []string, err error) {
	ctx := context.Background()
	s, err := e.pool.get(ctx, time.Time{})
	if err != nil {
		return nil, err
	}
	defer e.pool.put(s)

	now := time.Now()
	rs := &runState{start: now, parent: ctx, deadline: now.Add(e.cfg.Timeout)}
	id := s.begin(rs, p)
	e.watch.add(s, id, ctx)
	stop := e.arm(ctx, s, id, e.cfg.Timeout, "the top-level code did not finish within %v")
	defer func() {
		stop()
		if r := recover(); r != nil {
			s.broken = true
			err = fmt.Errorf("%w: %v", ErrInternal, r)
		}
		e.watch.remove(s)
		s.end()
	}()

	in, err := s.evaluate(p)
	if err != nil {
		return nil, topLevelError(s.runError(err))
	}
	p.routes = make([]UpdateRoute, len(in.routes))
	p.goRegexps = make([]*regexp.Regexp, len(in.routes))
	for i, r := range in.routes {
		p.routes[i] = r.UpdateRoute
		if r.Pattern {
			p.goRegexps[i] = goRegexp(r.Value, r.Flags)
		}
	}
	var invalid []string
	err = s.inVM(func() {
		lo := in.logic
		if lo == nil {
			return
		}
		for _, k := range lo.GetOwnPropertyNames() {
			if _, ok := goja.AssertFunction(lo.Get(k)); !ok {
				continue
			}
			if ValidHandlerName(k) {
				names = append(names, k)
			} else {
				invalid = append(invalid, k)
			}
		}
	})
	if err != nil {
		return nil, topLevelError(s.runError(err))
	}
	if len(invalid) > 0 {
		return nil, &CompileError{Message: fmt.Sprintf("invalid handler name %q: use 1 to 64 letters, digits, '_' or '-'", truncate(invalid[0], 70))}
	}
	if len(names) == 0 && len(p.routes) == 0 {
		return nil, &CompileError{Message: "the script registers no handler: assign a function to logic['<path>'], e.g. logic['hello'] = async (query, body, db, response, params) => { … }, or register an update handler, e.g. bot.command('start', async (ctx) => { … })"}
	}
	sort.Strings(names)
	return names, nil
}

func topLevelError(err error) error {
	var he *HandlerError
	if errors.As(err, &he) {
		msg := he.Message
		switch he.Kind {
		case KindException:
			msg = "the top-level code threw: " + msg
		case KindLimit:
			msg = "the top-level code hit a sandbox limit: " + msg
		}
		return &CompileError{Message: msg, Line: he.Line, Column: he.Column}
	}
	return err
}
