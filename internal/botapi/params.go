package botapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// params are a Bot API call's parameters, from the query string, a JSON,
// urlencoded or multipart body, as Telegram accepts them. Values from
// forms are kept as JSON strings.
type params map[string]json.RawMessage

// readParams reads the parameters of a method Botdeck answers itself (those
// take no files, so multipart parts are read into memory up to 1 MiB).
func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p.setString(k, vs[len(vs)-1])
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, errors.New("can't parse JSON object")
		}
		for k, v := range body {
			p[k] = v
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(1 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, errors.New("can't parse request body")
		}
		for k, vs := range r.PostForm {
			p.setString(k, vs[len(vs)-1])
		}
	}
	return p, nil
}

func (p params) setString(k, v string) {
	b, _ := json.Marshal(v)
	p[k] = b
}

// str is a string parameter ("" when absent); numbers are taken as written.
func (p params) str(name string) string {
	raw, ok := p[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// int is an integer parameter, given as a JSON number or a string.
func (p params) int(name string) (int64, bool, error) {
	s := p.str(name)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, errors.New("field \"" + name + "\" must be of type Integer")
	}
	return n, true, nil
}

// bool is a boolean parameter (true, "true" or "1").
func (p params) bool(name string) bool {
	switch strings.ToLower(p.str(name)) {
	case "true", "1":
		return true
	}
	return false
}

// list is a list of strings, given as a JSON array or a string holding one.
func (p params) list(name string) ([]string, bool, error) {
	raw, ok := p[name]
	if !ok {
		return nil, false, nil
	}
	var out []string
	if json.Unmarshal(raw, &out) == nil {
		return out, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && (s == "" || json.Unmarshal([]byte(s), &out) == nil) {
		return out, true, nil
	}
	return nil, true, errors.New("can't parse \"" + name + "\" JSON array")
}
