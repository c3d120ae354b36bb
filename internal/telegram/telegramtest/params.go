package telegramtest

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

const maxRequestBody = 50 << 20

// params holds a request's parameters as JSON values, whichever way they
// came: a JSON body, a query string, a urlencoded or multipart form (as real
// Telegram accepts all of them). Form values become JSON strings, and the
// accessors convert, because Telegram accepts "42" for 42 and a JSON-encoded
// array in a form field.
type params map[string]json.RawMessage

func parseParams(r *http.Request) (params, *apiError) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p.setString(k, vs[len(vs)-1])
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return p, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxRequestBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var body map[string]json.RawMessage
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, badRequest("can't parse JSON object")
		}
		for k, v := range body {
			p[k] = v
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, badRequest("can't parse request body")
		}
		for k, vs := range r.PostForm {
			p.setString(k, vs[len(vs)-1])
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, badRequest("can't parse request body")
		}
		for k, vs := range r.MultipartForm.Value {
			p.setString(k, vs[len(vs)-1])
		}
		// An uploaded file is noted as "attach://<field>" with its name and
		// size beside it, so methods can tell bytes from a file_id.
		for k, fs := range r.MultipartForm.File {
			f := fs[len(fs)-1]
			p.setString(k, "attach://"+k)
			p.setString(k+"#name", f.Filename)
			p.setString(k+"#size", strconv.FormatInt(f.Size, 10))
		}
	}
	return p, nil
}

func (p params) setString(k, v string) {
	raw, _ := json.Marshal(v)
	p[k] = raw
}

func (p params) has(k string) bool {
	_, ok := p[k]
	return ok
}

// str returns a string parameter; numbers and booleans as their JSON text.
func (p params) str(k string) string {
	raw, ok := p[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// int returns an integer parameter given as a number or a numeric string.
func (p params) int(k string) (int64, bool) {
	if !p.has(k) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(p.str(k)), 10, 64)
	return n, err == nil
}

func (p params) bool(k string) bool {
	switch strings.ToLower(p.str(k)) {
	case "true", "1":
		return true
	}
	return false
}

// list returns a JSON array of strings, given directly or JSON-encoded in a
// string (how form-encoded clients send arrays).
func (p params) list(k string) ([]string, bool, *apiError) {
	raw, ok := p[k]
	if !ok {
		return nil, false, nil
	}
	var out []string
	if json.Unmarshal(raw, &out) == nil {
		return nonNil(out), true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &out) == nil {
		return nonNil(out), true, nil
	}
	return nil, true, badRequest("can't parse %s JSON array", k)
}

// object returns a JSON object parameter (reply_markup), given directly or
// JSON-encoded in a string.
func (p params) object(k string) json.RawMessage {
	raw, ok := p[k]
	if !ok {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return raw
}

// chatRef is a chat_id: a number, or "@username" of a public chat.
type chatRef struct {
	id       int64
	username string
}

func (p params) chat(k string) (chatRef, *apiError) {
	if !p.has(k) || p.str(k) == "" {
		return chatRef{}, badRequest("%s is empty", k)
	}
	if id, ok := p.int(k); ok {
		return chatRef{id: id}, nil
	}
	if s := p.str(k); strings.HasPrefix(s, "@") {
		return chatRef{username: strings.TrimPrefix(s, "@")}, nil
	}
	return chatRef{}, errChatNotFound
}

// userID reads a required user id parameter.
func (p params) userID(k string) (int64, *apiError) {
	id, ok := p.int(k)
	if !ok || id <= 0 {
		if !p.has(k) {
			return 0, badRequest("%s is empty", k)
		}
		return 0, badRequest("invalid %s specified", k)
	}
	return id, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
