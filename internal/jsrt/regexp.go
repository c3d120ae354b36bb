package jsrt

// Regular expressions.
//
// goja compiles a pattern with Go's regexp package (RE2: linear time, no backtracking) when
// parser.TransformRegExp can translate it, and otherwise falls back to dlclark/regexp2, a
// backtracking engine that goja runs without a match timeout, in native code that rt.Interrupt
// does not reach: `/(a+)+\1$/.test('a'.repeat(40)+'b')` would spin for hours. The fallback is
// taken for lookahead, lookbehind and backreferences, and for repeat counts above 1000.
//
// The sandbox refuses every pattern that would take the fallback, on every path that creates a
// regular expression:
//   - literals, at compile time (checkAST), reported as a CompileError at the literal;
//   - RegExp(…) and new RegExp(…), through a replacement constructor (sandbox.go);
//   - String.prototype.match/matchAll/search with a string argument, which build a RegExp
//     internally (guards.go);
//   - RegExp.prototype.compile is removed.
//
// Species constructors (split, matchAll) rebuild a regular expression from an existing one's
// source with flags the script may choose, so a pattern is accepted only if it stays on RE2 under
// every combination of the flags that change the translation ('u' and 's').
// Patterns containing unpaired UTF-16 surrogates are refused so that the text checked here is
// exactly the text goja compiles. A regexp2 timeout (a process-wide setting in that library) is
// deliberately not used: it would bound one match attempt but not a global replace of many.
//
// RE2 itself is linear in the input, and inputs are bounded by MaxStringLength.

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

const regexpRefusal = "this regular expression needs a backtracking engine (lookahead, lookbehind, backreferences or a repeat count above 1000), which the sandbox does not allow"

// checkRegexp returns "" when every reading of the pattern compiles on RE2 (or is a syntax
// error goja will report itself), and a message otherwise.
func checkRegexp(pattern, flags string) string {
	ignoreCase := strings.Contains(flags, "i")
	multiline := strings.Contains(flags, "m")
	for _, unicode := range []bool{false, true} {
		for _, dotAll := range []bool{false, true} {
			if needsBacktracking(pattern, ignoreCase, multiline, dotAll, unicode) {
				return regexpRefusal
			}
		}
	}
	return ""
}

// needsBacktracking replays goja's compileRegexp (builtin_regexp.go) up to its choice of engine.
func needsBacktracking(pattern string, ignoreCase, multiline, dotAll, unicode bool) bool {
	if unicode {
		pattern = convertRegexpToUnicode(pattern)
	} else {
		pattern = convertRegexpToUtf16(pattern)
	}
	re2Str, err := parser.TransformRegExp(pattern, dotAll, unicode)
	if err != nil {
		var incompat parser.RegexpErrorIncompatible
		return errors.As(err, &incompat)
	}
	re2flags := ""
	if multiline {
		re2flags += "m"
	}
	if dotAll {
		re2flags += "s"
	}
	if ignoreCase {
		re2flags += "i"
	}
	if re2flags != "" {
		re2Str = "(?" + re2flags + ":" + re2Str + ")"
	}
	if _, err := regexp.Compile(re2Str); err != nil {
		var se *syntax.Error
		return errors.As(err, &se) && se.Code == syntax.ErrInvalidRepeatSize
	}
	return false
}

// patternText converts a pattern string to Go, refusing unpaired surrogates (see above).
func patternText(s goja.Value) (string, bool) {
	str, ok := s.(goja.String)
	if !ok {
		return s.String(), true
	}
	n := str.Length()
	for i := 0; i < n; i++ {
		c := str.CharAt(i)
		switch {
		case utf16.IsSurrogate(rune(c)) && c < 0xDC00:
			if i+1 < n {
				if d := str.CharAt(i + 1); d >= 0xDC00 && d <= 0xDFFF {
					i++
					continue
				}
			}
			return "", false
		case c >= 0xDC00 && c <= 0xDFFF:
			return "", false
		}
	}
	return str.String(), true
}

// The two conversions below are goja's (builtin_regexp.go, MIT licence), copied because they are
// unexported: the classification must see the same text goja compiles.

func convertRegexpToUnicode(patternStr string) string {
	var sb strings.Builder
	pos := 0
	for i := 0; i < len(patternStr)-11; {
		r, size := utf8.DecodeRuneInString(patternStr[i:])
		if r == '\\' {
			i++
			if patternStr[i] == 'u' && patternStr[i+5] == '\\' && patternStr[i+6] == 'u' {
				if first, ok := decodeHex4(patternStr[i+1 : i+5]); ok {
					if first >= 0xD800 && first <= 0xDBFF {
						if second, ok := decodeHex4(patternStr[i+7 : i+11]); ok {
							if second >= 0xDC00 && second <= 0xDFFF {
								r = utf16.DecodeRune(rune(first), rune(second))
								sb.WriteString(patternStr[pos : i-1])
								sb.WriteRune(r)
								i += 11
								pos = i
								continue
							}
						}
					}
				}
			}
			i++
		} else {
			i += size
		}
	}
	if pos > 0 {
		sb.WriteString(patternStr[pos:])
		return sb.String()
	}
	return patternStr
}

func convertRegexpToUtf16(patternStr string) string {
	var sb strings.Builder
	pos := 0
	var prevRune rune
	for i := 0; i < len(patternStr); {
		r, size := utf8.DecodeRuneInString(patternStr[i:])
		if r > 0xFFFF {
			sb.WriteString(patternStr[pos:i])
			if prevRune == '\\' {
				sb.WriteRune('\\')
			}
			first, second := utf16.EncodeRune(r)
			sb.WriteString(`\u`)
			writeHex4(&sb, int(first))
			sb.WriteString(`\u`)
			writeHex4(&sb, int(second))
			pos = i + size
		}
		i += size
		prevRune = r
	}
	if pos > 0 {
		sb.WriteString(patternStr[pos:])
		return sb.String()
	}
	return patternStr
}

func decodeHex4(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v*16 + int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v*16 + int(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v*16 + int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func writeHex4(b *strings.Builder, i int) {
	const hex = "0123456789abcdef"
	b.WriteByte(hex[i>>12])
	b.WriteByte(hex[(i>>8)&0xF])
	b.WriteByte(hex[(i>>4)&0xF])
	b.WriteByte(hex[i&0xF])
}
