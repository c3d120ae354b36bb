package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// The control API lets a test runner that is not Go (Playwright) set the
// fake up and inspect it over HTTP. Routes and bodies are documented in
// doc.go.
const controlPrefix = "/_fake/"

// controlError carries the HTTP status of a failed control call.
type controlError struct {
	status int
	msg    string
}

func (e *controlError) Error() string { return e.msg }

func badControl(format string, args ...any) error {
	return &controlError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &controlError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

type controlHandler func(s *Server, r *http.Request) (any, error)

var controlRoutes = map[string]controlHandler{
	"GET /_fake/health":            func(*Server, *http.Request) (any, error) { return true, nil },
	"POST /_fake/reset":            (*Server).ctlReset,
	"POST /_fake/bots":             (*Server).ctlAddBot,
	"POST /_fake/bots/revoke":      (*Server).ctlRevoke,
	"POST /_fake/bots/rotate":      (*Server).ctlRotate,
	"GET /_fake/bots/state":        (*Server).ctlBotState,
	"GET /_fake/bots/commands":     (*Server).ctlCommands,
	"POST /_fake/users":            (*Server).ctlAddUser,
	"POST /_fake/users/deactivate": (*Server).ctlDeactivate,
	"POST /_fake/chats":            (*Server).ctlAddChat,
	"POST /_fake/chats/members":    (*Server).ctlSetMember,
	"GET /_fake/chats/members":     (*Server).ctlGetMember,
	"POST /_fake/updates":          (*Server).ctlPush,
	"POST /_fake/redeliver":        (*Server).ctlRedeliver,
	"GET /_fake/messages":          (*Server).ctlMessages,
	"GET /_fake/invite-links":      (*Server).ctlInviteLinks,
	"GET /_fake/join-requests":     (*Server).ctlJoinRequests,
	"POST /_fake/failures":         (*Server).ctlFail,
	"POST /_fake/failures/clear":   (*Server).ctlClearFailures,
	"POST /_fake/send-rate":        (*Server).ctlSendRate,
}

// newControlMux binds the control routes to s.
func newControlMux(s *Server) *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, h := range controlRoutes {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			result, err := h(s, r)
			if err != nil {
				writeJSON(w, controlStatus(err), map[string]any{"ok": false, "error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
		})
	}
	mux.HandleFunc("/_fake/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "no such control route: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

func controlStatus(err error) int {
	var ce *controlError
	switch {
	case errors.As(err, &ce):
		return ce.status
	case errors.Is(err, ErrUnknownBot):
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// decode reads a JSON body strictly: a misspelt field in a test is an error,
// not a silently ignored default.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // an empty body means all defaults
		return badControl("invalid JSON body: %v", err)
	}
	return nil
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badControl("%s must be an integer", name)
	}
	return n, nil
}

type tokenBody struct {
	BotToken string `json:"botToken"`
}

func (s *Server) ctlReset(*http.Request) (any, error) {
	s.Reset()
	return true, nil
}
