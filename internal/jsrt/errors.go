package jsrt

import (
	"errors"
	"fmt"
)

// ErrNoHandler is returned by Run when the bot's code registers no handler for the path.
var ErrNoHandler = errors.New("jsrt: no handler for this path")

// CompileError reports why a bot's source was refused: a syntax error, a construct the sandbox
// does not allow, an exception or timeout in the top-level code, or no handler registered.
// Line and Column are 1-based and point into the bot's source; they are 0 when unknown.
type CompileError struct {
	Message string
	Line    int
	Column  int
}

func (e *CompileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("compile error at line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return "compile error: " + e.Message
}

// ErrorKind classifies a HandlerError.
type ErrorKind string

const (
	// KindException: the handler threw, or its promise was rejected.
	KindException ErrorKind = "exception"
	// KindTimeout: the run exceeded its deadline, or its promise can never settle.
	KindTimeout ErrorKind = "timeout"
	// KindLimit: the run hit a sandbox limit (call stack, string or array size, nesting, memory,
	// a forbidden feature such as a backtracking regular expression).
	KindLimit ErrorKind = "limit"
)

// HandlerError is a failed run. Message is what the bot's author should read ("TypeError: x is
// not a function"); Stack lists the JavaScript frames ("at notify (bot.js:3:9)"); Line and Column
// locate the innermost frame in the bot's source (0 when unknown).
type HandlerError struct {
	Kind    ErrorKind
	Message string
	Stack   string
	Line    int
	Column  int
}

func (e *HandlerError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("handler %s at line %d, column %d: %s", e.Kind, e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("handler %s: %s", e.Kind, e.Message)
}

// PublicError marks an error from a DocStore or Telegram implementation whose message may be
// shown to the bot's code (for example Telegram's "Bad Request: chat not found"). Any other error
// reaches JavaScript as a generic "<call> failed" so that no Go internals, SQL or tokens leak.
type PublicError struct {
	Message string
	Err     error
}

// Public wraps err with a message that bot code may see.
func Public(message string, err error) error { return &PublicError{Message: message, Err: err} }

func (e *PublicError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *PublicError) Unwrap() error { return e.Err }
