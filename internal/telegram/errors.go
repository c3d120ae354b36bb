package telegram

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	ta "github.com/mymmrac/telego/telegoapi"
)

// Classes of failure, for errors.Is. Every error a Client method returns is a
// *Error that matches exactly one of them (a 4xx code without a sentinel of
// its own, such as 413, matches none and is still an *Error).
var (
	// ErrBadRequest is a 400 answer: the request was wrong (chat not found,
	// can't parse entities, …). Retrying the same request will not help.
	ErrBadRequest = errors.New("telegram: bad request")
	// ErrUnauthorized is a 401 answer: the token is invalid or was revoked.
	// Also returned, without a network call, for a malformed token.
	ErrUnauthorized = errors.New("telegram: unauthorized")
	// ErrForbidden is a 403 answer: the user blocked the bot or was deleted,
	// or the bot lacks the rights in a chat. Mark and skip, do not retry.
	ErrForbidden = errors.New("telegram: forbidden")
	// ErrNotFound is a 404 answer: unknown method or file.
	ErrNotFound = errors.New("telegram: not found")
	// ErrConflict is a 409 answer: getUpdates while a webhook is set, or a
	// second concurrent getUpdates for the same bot.
	ErrConflict = errors.New("telegram: conflict")
	// ErrTooManyRequests is a 429 answer; Error.RetryAfter says how long to wait.
	ErrTooManyRequests = errors.New("telegram: too many requests")
	// ErrServer is a 5xx answer in the Bot API's JSON shape: Telegram itself
	// failed. Worth retrying later.
	ErrServer = errors.New("telegram: server error")
	// ErrNetwork is anything that is not a Bot API answer: connection refused,
	// DNS failure, timeout, cancelled context, a proxy's HTML error page.
	ErrNetwork = errors.New("telegram: network error")
	// ErrFileTooLarge is returned by DownloadFile when the file exceeds maxBytes.
	ErrFileTooLarge = errors.New("telegram: file too large")
)

// Error is the one error type Client methods return.
//
// Code is the Bot API error_code, or 0 when no Bot API answer was received
// (then the error matches ErrNetwork and Unwrap returns the transport cause,
// e.g. context.DeadlineExceeded). Description never contains a bot token.
type Error struct {
	Method      string
	Code        int
	Description string
	// RetryAfter is parameters.retry_after of a 429 answer.
	RetryAfter time.Duration
	// MigrateToChatID is parameters.migrate_to_chat_id: the group became a
	// supergroup with this id.
	MigrateToChatID int64

	cause error
}

func (e *Error) Error() string {
	if e.Code == 0 {
		return "telegram: " + e.Method + ": network error: " + e.Description
	}
	return "telegram: " + e.Method + ": " + strconv.Itoa(e.Code) + " " + e.Description
}

// Unwrap exposes the transport cause of a network error (already stripped of
// anything that carries the request URL).
func (e *Error) Unwrap() error { return e.cause }

// Is matches the class sentinels above by status code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNetwork:
		return e.Code == 0 && !errors.Is(e.cause, ErrFileTooLarge)
	case ErrBadRequest:
		return e.Code == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Code == http.StatusUnauthorized
	case ErrForbidden:
		return e.Code == http.StatusForbidden
	case ErrNotFound:
		return e.Code == http.StatusNotFound
	case ErrConflict:
		return e.Code == http.StatusConflict
	case ErrTooManyRequests:
		return e.Code == http.StatusTooManyRequests
	case ErrServer:
		return e.Code >= 500
	case ErrFileTooLarge:
		return errors.Is(e.cause, ErrFileTooLarge)
	}
	return false
}

// RetryAfter returns how long Telegram asked to wait before repeating the
// request, when err is a 429 answer.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.Code == http.StatusTooManyRequests {
		return e.RetryAfter, true
	}
	return 0, false
}

// IsTemporary reports whether repeating the same request later may succeed:
// network failures, flood control and Telegram's own 5xx answers.
func IsTemporary(err error) bool {
	return errors.Is(err, ErrNetwork) || errors.Is(err, ErrTooManyRequests) || errors.Is(err, ErrServer)
}

// fromAPIError converts telego's decoded error answer.
func fromAPIError(method, token string, apiErr *ta.Error) *Error {
	e := &Error{
		Method:      method,
		Code:        apiErr.ErrorCode,
		Description: redact(apiErr.Description, token),
	}
	if p := apiErr.Parameters; p != nil {
		e.RetryAfter = time.Duration(p.RetryAfter) * time.Second
		e.MigrateToChatID = p.MigrateToChatID
	}
	return e
}

// networkError builds the error for a request that got no Bot API answer.
func networkError(method, token string, cause error) *Error {
	return &Error{Method: method, Description: redact(cause.Error(), token), cause: cause}
}

// mapError turns whatever telego or the transport returned into an *Error
// tagged with method, with the token scrubbed from every string.
func mapError(method, token string, err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		cp := *own
		cp.Method = method
		cp.Description = redact(cp.Description, token)
		return &cp
	}
	var apiErr *ta.Error
	if errors.As(err, &apiErr) {
		return fromAPIError(method, token, apiErr)
	}
	// telego's own failures: a result it could not decode, a request it could
	// not encode. Neither is an answer we can classify, so it counts as network.
	return &Error{Method: method, Description: redact(err.Error(), token), cause: errors.New(redact(err.Error(), token))}
}

// errBadTokenFormat answers a malformed token without a network call: Telegram
// would refuse it anyway, and keeping it off the wire keeps it out of proxies' logs.
func errBadTokenFormat(method string) error {
	return &Error{Method: method, Code: http.StatusUnauthorized, Description: "Unauthorized: malformed bot token"}
}

// errInvalidArgument rejects a call before it reaches Telegram.
func errInvalidArgument(method, format string, args ...any) error {
	return &Error{Method: method, Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}
