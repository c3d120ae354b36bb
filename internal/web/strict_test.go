package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apperr"
)

type strictButton struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
}

type strictInner struct {
	Kind string `json:"kind" form:"kind"`
}

type strictPage struct {
	Page *int `json:"page" form:"page"`
}

type strictReq struct {
	strictPage `form:",inline"`
	Name       string           `json:"name" form:"name"`
	Tags       []string         `json:"tags" form:"tags"`
	Trigger    *strictInner     `json:"trigger" form:"trigger"`
	Buttons    [][]strictButton `json:"buttons"`
	Update     json.RawMessage  `json:"update"`
	Extra      map[string]any   `json:"extra"`
	Secret     string           `json:"-" form:"secret"`
}

func bindErr(t *testing.T, r *http.Request) *apperr.Error {
	t.Helper()
	var dst strictReq
	err := NewBinder(NewValidator()).Bind(r, &dst)
	if err == nil {
		return nil
	}
	e, ok := apperr.AsError(err)
	if !ok {
		t.Fatalf("want an *apperr.Error, got %T %v", err, err)
	}
	return e
}

func jsonReq(path, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestJSONUnknownMembersAreRefusedWithTheirPath(t *testing.T) {
	for body, field := range map[string]string{
		`{"name":"a","scheduledAt":"2030-01-01"}`:                "scheduledAt",
		`{"trigger":{"kind":"x","when":1}}`:                      "trigger.when",
		`{"buttons":[[{"text":"a"},{"text":"b","colour":"r"}]]}`: "buttons[0][1].colour",
		`{"Name":"case differs"}`:                                "Name",
		`{"secret":"json:- is not a member"}`:                    "secret",
	} {
		e := bindErr(t, jsonReq("/api/x", body))
		if e == nil || e.Code != "unknown_field" || e.Fields[field] != msgUnknownField || len(e.Fields) != 1 {
			t.Errorf("%s: want unknown_field naming %s, got %+v", body, field, e)
		}
	}
	// Free-form members take anything; embedded structs promote theirs.
	for _, body := range []string{
		`{"update":{"message":{"anything":[1,{"deep":true}]}},"extra":{"k":{"z":1}},"page":2,"tags":["a"]}`,
		`{}`,
	} {
		if e := bindErr(t, jsonReq("/api/x", body)); e != nil {
			t.Errorf("%s: refused: %+v", body, e)
		}
	}
	// Pages' JSON bodies are strict too (a JSON body is written by a program).
	if e := bindErr(t, jsonReq("/bots", `{"zz":1}`)); e == nil || e.Code != "unknown_field" {
		t.Errorf("page JSON body: %+v", e)
	}
}

func TestNULAndInvalidUTF8AreRefusedNamingTheField(t *testing.T) {
	for body, field := range map[string]string{
		`{"name":"a\u0000b"}`:                   "name",
		`{"tags":["ok","x\u0000"]}`:             "tags[1]",
		`{"update":{"message":{"t":"\u0000"}}}`: "update.message.t",
		"{\"name\":\"caf\xff\"}":                "name",
		"{\"trigger\":{\"kind\":\"\xc3\"}}":     "trigger.kind",
	} {
		e := bindErr(t, jsonReq("/api/x", body))
		if e == nil || e.Code != "invalid_text" || e.Fields[field] == "" {
			t.Errorf("%q: want invalid_text naming %s, got %+v", body, field, e)
		}
	}
	// A NUL in a member name is named in quotes.
	e := bindErr(t, jsonReq("/api/x", `{"extra":{"a\u0000":1}}`))
	if e == nil || e.Code != "invalid_text" || e.Fields[`"extra.a\x00"`] != msgNUL {
		t.Errorf("NUL key: %+v", e)
	}
	for _, path := range []string{"/api/x?name=%00", "/bots?name=%FF", "/api/x?page=1&name=a%00"} {
		e := bindErr(t, httptest.NewRequest(http.MethodGet, path, nil))
		if e == nil || e.Code != "invalid_text" || e.Fields["name"] == "" {
			t.Errorf("%s: %+v", path, e)
		}
	}
	form := httptest.NewRequest(http.MethodPost, "/bots", strings.NewReader(url.Values{"name": {"a\x00"}}.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if e := bindErr(t, form); e == nil || e.Code != "invalid_text" || e.Fields["name"] != msgNUL {
		t.Errorf("form: %+v", e)
	}
}

func TestUnknownParametersAreRefusedOnTheAPIAndIgnoredOnPages(t *testing.T) {
	e := bindErr(t, httptest.NewRequest(http.MethodGet, "/api/x?page=1&sort=name&tags[0]=a&trigger.kind=b", nil))
	if e == nil || e.Code != "unknown_field" || e.Fields["sort"] != msgUnknownParam || len(e.Fields) != 1 {
		t.Errorf("API query: %+v", e)
	}
	if e := bindErr(t, httptest.NewRequest(http.MethodGet, "/bots?page=1&sort=name&secret=s", nil)); e != nil {
		t.Errorf("page query: %+v", e)
	}
	form := func(path string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("name=a&submit=Save"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	if e := bindErr(t, form("/api/x")); e == nil || e.Code != "unknown_field" || e.Fields["submit"] != msgUnknownField {
		t.Errorf("API form: %+v", e)
	}
	if e := bindErr(t, form("/bots")); e != nil {
		t.Errorf("page form: %+v", e)
	}
}
