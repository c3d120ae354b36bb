package jsrt

// Checks that run on a bot's source before goja's parser and compiler see it.
//
// goja's parser is recursive descent and its compiler recurses over the AST, both in native Go
// that no interrupt reaches. Measured on goja 2026-09 (2 cores):
//   - 260 000 nested `[` crash the process with "goroutine stack exceeds 1000000000-byte limit";
//     65 000 take 400 MB of stack.
//   - 30 000 nested arrow functions (`x=>x=>…`) take 4 s to parse and 3 s to compile (quadratic).
//   - `1+1+…+1` with 130 000 terms parses in milliseconds but takes 2 minutes to compile.
//
// So, in order: the source size is capped (MaxSourceBytes, the backstop), scanNesting bounds the
// nesting that drives the parser's recursion before parsing, and checkAST bounds the depth of the
// tree before compiling it (and refuses regular expressions that would need a backtracking
// engine, see regexp.go).
//
// scanNesting mirrors goja's lexer (strings, templates, comments, regular expressions). Whether a
// `/` starts a regular expression or is a division depends on the parser's context; where the
// previous token does not decide it (after `}`, and after `yield`, `await` or `of`), the scanner
// follows both readings and takes the deepest, so that an ambiguous slash cannot hide brackets.

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
)

type prevKind uint8

const (
	prevOperator  prevKind = iota // a regular expression may follow
	prevOperand                   // a division follows
	prevAmbiguous                 // either may follow: scan both
)

type nestFrame struct {
	kind    byte // '(' '[' '{' or '$' for a template substitution, 0 for the root
	control bool // '(' right after if/while/for/with: a regular expression may follow its ')'
	chain   int  // arrows and '?' in the current expression at this level
}

type nestScanner struct {
	src   string
	pos   int
	prev  prevKind
	stack []nestFrame
	total int // len(stack)-1 + sum of chains: the estimated parser depth
	// after ')' of a control statement or a keyword we remember the last identifier so that
	// `if (` can be recognised.
	lastIdent string
	dotBefore bool // the previous token was '.' or '?.' (next identifier is a property name)
	inTmpl    bool // scanning template characters
	// newline after an operand at statement level: if the next token is an identifier or a
	// literal, automatic semicolon insertion ends the statement there, and its chain with it.
	nl bool
}

func (s *nestScanner) clone() *nestScanner {
	c := *s
	c.stack = append([]nestFrame(nil), s.stack...)
	return &c
}

// errTooDeep carries the offset where the limit was passed.
type errTooDeep struct{ offset int }

func (errTooDeep) Error() string { return "too deep" }

var errTooAmbiguous = fmt.Errorf("too many ambiguous '/' tokens")

// scanNesting returns nil, *errTooDeep or errTooAmbiguous.
func scanNesting(src string, limit int) error {
	const maxBranches = 64
	work := []*nestScanner{{src: src, stack: []nestFrame{{}}}}
	branches := 1
	for len(work) > 0 {
		s := work[len(work)-1]
		work = work[:len(work)-1]
		fork, err := s.run(limit)
		if err != nil {
			return err
		}
		if fork != nil {
			branches++
			if branches > maxBranches {
				return errTooAmbiguous
			}
			work = append(work, s, fork)
		}
	}
	return nil
}

func (s *nestScanner) push(kind byte, control bool) {
	s.stack = append(s.stack, nestFrame{kind: kind, control: control})
	s.total++
}

func (s *nestScanner) pop() nestFrame {
	if len(s.stack) <= 1 { // unbalanced: the parser will report it
		f := s.stack[0]
		s.total -= f.chain
		s.stack[0].chain = 0
		return nestFrame{}
	}
	f := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.total -= 1 + f.chain
	return f
}

func (s *nestScanner) addChain() {
	s.stack[len(s.stack)-1].chain++
	s.total++
}

func (s *nestScanner) resetChain() {
	top := &s.stack[len(s.stack)-1]
	s.total -= top.chain
	top.chain = 0
}

var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "new": true, "delete": true,
	"void": true, "throw": true, "case": true, "do": true, "else": true, "extends": true,
}

var ambiguousKeywords = map[string]bool{"yield": true, "await": true, "of": true}

var controlKeywords = map[string]bool{"if": true, "while": true, "for": true, "with": true}

// run scans until the end of the source (returning nil, nil), until the limit is passed, or until
// an ambiguous '/', where it returns a copy of itself that took the other reading.
func (s *nestScanner) run(limit int) (*nestScanner, error) {
	src := s.src
	for s.pos < len(src) {
		if s.total > limit {
			return nil, &errTooDeep{offset: s.pos}
		}
		if s.inTmpl {
			s.scanTemplateChars()
			continue
		}
		c := src[s.pos]
		if c == '\n' || c == '\r' {
			s.newline()
			s.pos++
			continue
		}
		nl := s.nl
		if c != ' ' && c != '\t' && c != '\v' && c != '\f' && c < utf8.RuneSelf {
			s.nl = false
		}
		switch {
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			s.pos++
			continue
		case c == '#' && s.pos == 0 && strings.HasPrefix(src, "#!"):
			s.skipLine()
			continue
		case c == '/' && s.pos+1 < len(src) && src[s.pos+1] == '/':
			s.skipLine()
			continue
		case c == '/' && s.pos+1 < len(src) && src[s.pos+1] == '*':
			end := strings.Index(src[s.pos+2:], "*/")
			if end < 0 {
				s.pos = len(src)
			} else {
				s.pos += 2 + end + 2
			}
			continue
		case c == '/':
			switch s.prev {
			case prevOperator:
				s.scanRegexp()
			case prevOperand:
				s.pos++
				s.operator()
			case prevAmbiguous:
				other := s.clone()
				other.prev = prevOperand
				s.prev = prevOperator
				return other, nil
			}
			continue
		case c == '"' || c == '\'':
			if nl {
				s.resetChain()
			}
			s.scanString(c)
			s.operand()
			continue
		case c == '`':
			s.pos++
			s.inTmpl = true
			continue
		case c >= '0' && c <= '9' || c == '.' && s.pos+1 < len(src) && src[s.pos+1] >= '0' && src[s.pos+1] <= '9':
			if nl {
				s.resetChain()
			}
			s.scanNumber()
			s.operand()
			continue
		case c == '$' || c == '_' || c == '\\' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf:
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(src[s.pos:])
				if r == '\u2028' || r == '\u2029' {
					s.newline()
					s.pos += size
					continue
				}
				if isSpaceRune(r) {
					s.pos += size
					continue
				}
				s.nl = false
			}
			word := s.scanWord()
			if nl && word != "in" && word != "instanceof" && word != "of" {
				s.resetChain()
			}
			s.identifier(word)
			continue
		}
		// punctuators
		s.pos++
		switch c {
		case '(':
			control := !s.dotBefore && controlKeywords[s.lastIdent]
			s.push('(', control)
			s.operator()
		case '[':
			s.push('[', false)
			s.operator()
		case '{':
			s.push('{', false)
			s.operator()
		case ')':
			f := s.pop()
			if f.control {
				s.operator()
			} else {
				s.operand()
			}
		case ']':
			s.pop()
			s.operand()
		case '}':
			f := s.pop()
			if f.kind == '$' {
				s.inTmpl = true
				s.operand()
			} else {
				s.operand()
				s.prev = prevAmbiguous
			}
		case ',', ';':
			s.resetChain()
			s.operator()
		case '?':
			if s.pos < len(src) && src[s.pos] == '.' && !(s.pos+1 < len(src) && src[s.pos+1] >= '0' && src[s.pos+1] <= '9') {
				s.pos++
				s.operator()
				s.dotBefore = true
			} else if s.pos < len(src) && src[s.pos] == '?' {
				s.pos++
				s.operator()
			} else {
				s.addChain()
				s.operator()
			}
		case '=':
			if s.pos < len(src) && src[s.pos] == '>' {
				s.pos++
				s.addChain()
			} else {
				for s.pos < len(src) && src[s.pos] == '=' {
					s.pos++
				}
			}
			s.operator()
		case '.':
			if strings.HasPrefix(src[s.pos:], "..") {
				s.pos += 2
				s.operator()
			} else {
				s.operator()
				s.dotBefore = true
			}
		case '+', '-':
			if s.pos < len(src) && src[s.pos] == c { // ++ --: an operand may precede a division
				s.pos++
				s.operand()
			} else {
				s.operator()
			}
		default:
			s.operator()
		}
	}
	if s.total > limit {
		return nil, &errTooDeep{offset: len(src)}
	}
	return nil, nil
}

func (s *nestScanner) newline() {
	if k := s.stack[len(s.stack)-1].kind; s.prev == prevOperand && (k == 0 || k == '{') {
		s.nl = true
	}
}

func isSpaceRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsSpace(r) || r == '\ufeff'
}

func (s *nestScanner) operator() {
	s.prev = prevOperator
	s.lastIdent = ""
	s.dotBefore = false
}

func (s *nestScanner) operand() {
	s.prev = prevOperand
	s.lastIdent = ""
	s.dotBefore = false
}

func (s *nestScanner) identifier(word string) {
	prop := s.dotBefore
	before := s.lastIdent
	s.dotBefore = false
	s.lastIdent = word
	switch {
	case prop:
		s.prev = prevOperand
	case word == "await" && before == "for": // for await (…)
		s.prev = prevOperator
		s.lastIdent = "for"
		return
	case regexKeywords[word]:
		s.prev = prevOperator
	case ambiguousKeywords[word]:
		s.prev = prevAmbiguous
	case controlKeywords[word]:
		s.prev = prevOperator
	default:
		s.prev = prevOperand
	}
}

func (s *nestScanner) skipLine() {
	for s.pos < len(s.src) && s.src[s.pos] != '\n' && s.src[s.pos] != '\r' {
		if r, size := utf8.DecodeRuneInString(s.src[s.pos:]); r == '\u2028' || r == '\u2029' {
			return
		} else {
			s.pos += size
		}
	}
}

func (s *nestScanner) scanWord() string {
	start := s.pos
	if s.src[s.pos] == '#' {
		s.pos++
	}
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			s.pos++
			continue
		}
		if c == '\\' { // \uXXXX or \u{…} escape inside an identifier
			s.pos++
			if s.pos < len(s.src) && s.src[s.pos] == 'u' {
				s.pos++
				if s.pos < len(s.src) && s.src[s.pos] == '{' {
					for s.pos < len(s.src) && s.src[s.pos] != '}' && s.pos-start < 64 {
						s.pos++
					}
					if s.pos < len(s.src) && s.src[s.pos] == '}' {
						s.pos++
					}
				} else {
					s.pos += min(4, len(s.src)-s.pos)
				}
			}
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s.src[s.pos:])
			if r == '\u2028' || r == '\u2029' || isSpaceRune(r) {
				break
			}
			s.pos += size
			continue
		}
		break
	}
	if s.pos == start { // a lone character goja will reject
		s.pos++
	}
	return s.src[start:s.pos]
}

func (s *nestScanner) scanNumber() {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' {
			s.pos++
			continue
		}
		if (c == '+' || c == '-') && s.pos > 0 && (s.src[s.pos-1] == 'e' || s.src[s.pos-1] == 'E') {
			s.pos++
			continue
		}
		break
	}
}

// scanString mirrors goja's scanString for ' and " quotes: it ends at the quote or, as an error,
// at \n or \r; a backslash escapes the next character (a CRLF pair counts as one).
func (s *nestScanner) scanString(quote byte) {
	s.pos++
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch c {
		case quote:
			s.pos++
			return
		case '\n', '\r':
			return
		case '\\':
			s.pos++
			if s.pos < len(s.src) {
				if s.src[s.pos] == '\r' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n' {
					s.pos += 2
				} else {
					_, size := utf8.DecodeRuneInString(s.src[s.pos:])
					s.pos += size
				}
			}
		default:
			s.pos++
		}
	}
}

// scanRegexp mirrors goja's regular expression scan: '/' inside a [class] does not end it; it
// ends, as an error, at a line terminator (including U+2028/U+2029).
func (s *nestScanner) scanRegexp() {
	s.pos++
	inClass := false
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '\n' || c == '\r':
			s.operand()
			return
		case c == '\\':
			s.pos++
			if s.pos < len(s.src) {
				if s.src[s.pos] == '\n' || s.src[s.pos] == '\r' {
					s.operand()
					return
				}
				_, size := utf8.DecodeRuneInString(s.src[s.pos:])
				s.pos += size
			}
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			s.pos++
			s.operand()
			return
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s.src[s.pos:])
			if r == '\u2028' || r == '\u2029' {
				s.operand()
				return
			}
			s.pos += size
			continue
		}
		s.pos++
	}
	s.operand()
}

// scanTemplateChars scans template text up to the closing backtick or a `${`.
func (s *nestScanner) scanTemplateChars() {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '`':
			s.pos++
			s.inTmpl = false
			s.operand()
			return
		case c == '\\':
			s.pos += 2
			if s.pos <= len(s.src) && s.src[s.pos-1] == '\r' && s.pos < len(s.src) && s.src[s.pos] == '\n' {
				s.pos++
			}
			continue
		case c == '$' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '{':
			s.pos += 2
			s.inTmpl = false
			s.push('$', false)
			s.operator()
			return
		}
		s.pos++
	}
	s.pos = len(s.src)
}

// offsetPosition converts a byte offset of src into a 1-based line and column the way goja's
// file.File does (columns count bytes from the line start).
func offsetPosition(src string, offset int) (line, col int) {
	f := file.NewFile("", src, 0)
	p := f.Position(offset)
	return p.Line, p.Column
}

// checkAST walks the parsed program: its depth must stay within maxDepth (the compiler recurses
// over it), regular expression literals must run on Go's linear-time engine, and BigInt literals
// and private class members are refused.
func checkAST(prg *ast.Program, maxDepth int) *CompileError {
	w := astWalker{max: maxDepth, file: prg.File}
	for _, st := range prg.Body {
		w.walk(reflect.ValueOf(st), 1)
		if w.err != nil {
			return w.err
		}
	}
	return nil
}

type astWalker struct {
	max   int
	file  *file.File
	err   *CompileError
	arrow bool // inside an arrow function, not inside a nested ordinary function
}

var (
	astNodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()
	astPkgPath  = reflect.TypeOf(ast.Program{}).PkgPath()

	privateIdentifierType = reflect.TypeOf(ast.PrivateIdentifier{})
)

func (w *astWalker) position(idx file.Idx) (int, int) {
	if w.file == nil || idx <= 0 {
		return 0, 0
	}
	p := w.file.Position(int(idx) - w.file.Base())
	return p.Line, p.Column
}

func (w *astWalker) walk(v reflect.Value, depth int) {
	if w.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type().Implements(astNodeType) {
			n := v.Interface().(ast.Node)
			depth++
			if depth > w.max {
				// Idx0 recurses down the left spine: call it once, here, not on every node.
				line, col := w.position(n.Idx0())
				w.err = &CompileError{Message: fmt.Sprintf("code nests too deeply (more than %d levels of expressions); split it into smaller functions", w.max), Line: line, Column: col}
				return
			}
			if nl, ok := n.(*ast.NumberLiteral); ok {
				if _, isBig := nl.Value.(*big.Int); isBig {
					// 2n ** 10000000n would be one unbounded native computation.
					line, col := w.position(nl.Idx)
					w.err = &CompileError{Message: "BigInt is not available in bot code", Line: line, Column: col}
				}
				return
			}
			if re, ok := n.(*ast.RegExpLiteral); ok {
				if msg := checkRegexp(re.Pattern, re.Flags); msg != "" {
					line, col := w.position(re.Idx)
					w.err = &CompileError{Message: msg, Line: line, Column: col}
				}
				return
			}
			// goja gets an arrow function's `arguments` (its enclosing function's) wrong: the
			// value is undefined, or the run panics inside goja ("index out of range") and
			// fails with an internal error. Refuse it with a way out instead.
			if id, ok := n.(*ast.Identifier); ok && w.arrow && id.Name == "arguments" {
				line, col := w.position(id.Idx)
				w.err = &CompileError{Message: "`arguments` cannot be used inside an arrow function in bot code; take the arguments with a rest parameter instead: (...args) => …", Line: line, Column: col}
				return
			}
			switch n.(type) {
			case *ast.ArrowFunctionLiteral:
				saved := w.arrow
				w.arrow = true
				w.walk(v.Elem(), depth)
				w.arrow = saved
				return
			case *ast.FunctionLiteral:
				saved := w.arrow
				w.arrow = false // an ordinary function has its own arguments
				w.walk(v.Elem(), depth)
				w.arrow = saved
				return
			}
		}
		w.walk(v.Elem(), depth)
	case reflect.Struct:
		if v.Type().PkgPath() != astPkgPath {
			return
		}
		if v.Type() == privateIdentifierType {
			// A class's private fields can be added to any object, frozen ones included, through
			// a base constructor that returns that object ("return override"): a script could
			// hang memory on the shared, frozen built-ins, out of reach of every guard, for as
			// long as the runtime lives. Bot code has closures for privacy.
			id := v.Interface().(ast.PrivateIdentifier)
			line, col := w.position(id.Idx)
			w.err = &CompileError{Message: "private class members (#" + id.Name.String() + ") are not available in bot code; keep private state in a closure or a normal property", Line: line, Column: col}
			return
		}
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if t.Field(i).Name == "DeclarationList" || !t.Field(i).IsExported() {
				continue // DeclarationList repeats declarations found in the body
			}
			w.walk(v.Field(i), depth)
		}
	case reflect.Slice:
		et := v.Type().Elem()
		if et.Kind() != reflect.Interface && et.Kind() != reflect.Pointer && et.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < v.Len(); i++ {
			w.walk(v.Index(i), depth)
		}
	}
}
