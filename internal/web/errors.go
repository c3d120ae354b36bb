package web

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
)

// RequestError is an error about the HTTP request itself rather than what
// it asks for: a body that cannot be read (400), one too large (413), a
// content type the binder does not take (415), an address with nothing at
// it (404) or a method the address does not take (405). Only this package
// raises them; core's errors are *apperr.Error. Fail answers both.
type RequestError struct {
	Status  int    // the HTTP status
	Code    string // the stable snake_case code of the JSON contract
	Message string
	Fields  apperr.FieldErrors // request fields (JSON or form names) that could not be read
	Err     error              // the underlying cause, never shown to users
}

func (e *RequestError) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *RequestError) Unwrap() error { return e.Err }

// badRequest is a 400: the request could not be read.
func badRequest(code, message string) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Code: code, Message: message}
}

// Errors for requests no route matched.
var (
	ErrRouteNotFound    = &RequestError{Status: http.StatusNotFound, Code: "not_found", Message: "There is nothing at this address."}
	ErrMethodNotAllowed = &RequestError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "This address does not accept that method."}
)
