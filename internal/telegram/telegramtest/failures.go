package telegramtest

import (
	"net/http"
	"strings"
	"time"
)

// FailSpec describes how calls should fail. See Server.Fail.
type FailSpec struct {
	// Code is the HTTP status and error_code: 400, 401, 403, 409, 429, 500, …
	Code int
	// Description defaults to Telegram's text for Code.
	Description string
	// RetryAfter (seconds) is sent as parameters.retry_after; a 429 without
	// it gets 1.
	RetryAfter int
	// Times is how many calls fail; 0 means until ClearFailures.
	Times int
	// Network closes the connection without any answer instead.
	Network bool
	// Delay waits before answering. Alone (no Code, no Network) it only slows
	// the call down, which is how client timeouts are tested.
	Delay time.Duration
	// RawBody, when set, is answered verbatim as text/html with status Code
	// (default 502): what a proxy in front of the Bot API produces.
	RawBody string
}

// DownloadMethod is the method name file downloads are counted and failed under.
const DownloadMethod = "downloadFile"

type failure struct {
	spec      FailSpec
	remaining int // 0: unlimited
}

// Fail makes calls of method (case-insensitive; "" or "*" for every method,
// DownloadMethod for file downloads) by the bot with token fail as spec says.
// Method-specific failures are used before "*" ones, oldest first.
func (s *Server) Fail(token, method string, spec FailSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.anyBotLocked(token)
	if b == nil {
		return ErrUnknownBot
	}
	key := strings.ToLower(method)
	if key == "" {
		key = "*"
	}
	b.failures[key] = append(b.failures[key], &failure{spec: spec, remaining: spec.Times})
	return nil
}

// ClearFailures removes the bot's injected failures; "" clears every bot's.
func (s *Server) ClearFailures(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, b := range s.w.botsByToken {
		if token == "" || token == t {
			b.failures = map[string][]*failure{}
		}
	}
	for t, b := range s.w.revoked {
		if token == "" || token == t {
			b.failures = map[string][]*failure{}
		}
	}
}

// takeFailureLocked consumes the failure that applies to this call, if any.
func (b *botState) takeFailureLocked(method string) *FailSpec {
	for _, key := range []string{strings.ToLower(method), "*"} {
		list := b.failures[key]
		if len(list) == 0 {
			continue
		}
		f := list[0]
		if f.remaining > 0 {
			f.remaining--
			if f.remaining == 0 {
				b.failures[key] = list[1:]
			}
		}
		spec := f.spec
		return &spec
	}
	return nil
}

// applyFailure acts out spec. It returns false when the call should go on
// normally (a pure delay).
func applyFailure(w http.ResponseWriter, r *http.Request, spec *FailSpec) bool {
	if spec.Delay > 0 {
		t := time.NewTimer(spec.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case spec.Network:
		closeConnection(w)
	case spec.RawBody != "":
		code := spec.Code
		if code == 0 {
			code = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(spec.RawBody))
	case spec.Code != 0:
		writeError(w, failureError(spec))
	default:
		return false
	}
	return true
}

func failureError(spec *FailSpec) *apiError {
	e := &apiError{Code: spec.Code, Description: spec.Description, RetryAfter: spec.RetryAfter}
	if e.Code == http.StatusTooManyRequests && e.RetryAfter <= 0 {
		e.RetryAfter = 1
	}
	if e.Description == "" {
		e.Description = defaultDescription(e.Code, e.RetryAfter)
	}
	return e
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusTooManyRequests:
		return tooManyRequests(retryAfter).Description
	case http.StatusInternalServerError:
		return "Internal Server Error"
	}
	return http.StatusText(code)
}

// closeConnection drops the TCP connection without answering, so the client
// sees EOF or a reset: a network failure, not an HTTP error.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	_ = conn.Close()
}
