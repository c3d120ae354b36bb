package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Client is a browser-like or integrator-like caller with its own cookies.
type Client struct {
	env     *Env
	http    *http.Client
	headers http.Header
}

// Client returns a new client with an empty cookie jar. It does not follow
// redirects, so tests can assert on them.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, headers: http.Header{}, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// WithHeader returns a copy of c that sends header on every request.
func (c *Client) WithHeader(name, value string) *Client {
	cp := *c
	cp.headers = c.headers.Clone()
	cp.headers.Set(name, value)
	return &cp
}

// WithAPIKey returns a copy of c authenticating with key (and no cookies).
func (c *Client) WithAPIKey(key string) *Client {
	cp := *c.env.Client()
	cp.headers = c.headers.Clone()
	cp.headers.Set("Authorization", "Bearer "+key)
	return &cp
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into a generic map.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", r.Request.Method, r.Request.URL.Path, err, r.Body)
	}
	return m
}

// Data returns the "data" member of a success envelope.
func (r *Response) Data(t testing.TB) map[string]any {
	t.Helper()
	d, ok := r.JSON(t)["data"].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: no data object in %s", r.Request.Method, r.Request.URL.Path, r.Body)
	}
	return d
}

// List returns the "data" member of a list envelope.
func (r *Response) List(t testing.TB) []any {
	t.Helper()
	d, ok := r.JSON(t)["data"].([]any)
	if !ok {
		t.Fatalf("%s %s: data is not a list in %s", r.Request.Method, r.Request.URL.Path, r.Body)
	}
	return d
}

// ErrorCode returns error.code of an error envelope.
func (r *Response) ErrorCode(t testing.TB) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Fields returns error.fields of an error envelope.
func (r *Response) Fields(t testing.TB) map[string]any {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Do sends a request. body may be nil, a url.Values (sent as a form), a
// string or []byte (sent as is, with the Content-Type header the caller
// sets), or anything else (sent as JSON).
func (c *Client) Do(t testing.TB, method, path string, body any, headers ...string) *Response {
	t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, contentType = bytes.NewReader(js), "application/json"
	}
	req, err := http.NewRequest(method, c.env.URL(path), rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.headers {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := &Response{Response: resp, Body: data}
	c.env.spec.check(t, req, r)
	return r
}

// Get, Post, Patch, Put and Delete are shorthands for Do.
func (c *Client) Get(t testing.TB, path string, headers ...string) *Response {
	t.Helper()
	return c.Do(t, http.MethodGet, path, nil, headers...)
}

func (c *Client) Post(t testing.TB, path string, body any, headers ...string) *Response {
	t.Helper()
	return c.Do(t, http.MethodPost, path, body, headers...)
}

func (c *Client) Patch(t testing.TB, path string, body any, headers ...string) *Response {
	t.Helper()
	return c.Do(t, http.MethodPatch, path, body, headers...)
}

func (c *Client) Put(t testing.TB, path string, body any, headers ...string) *Response {
	t.Helper()
	return c.Do(t, http.MethodPut, path, body, headers...)
}

func (c *Client) Delete(t testing.TB, path string, headers ...string) *Response {
	t.Helper()
	return c.Do(t, http.MethodDelete, path, nil, headers...)
}

// Expect fails the test unless the response has status want.
func (r *Response) Expect(t testing.TB, want int) *Response {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.RequestURI(), r.StatusCode, want, truncate(r.Body, 2000))
	}
	return r
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Cookies returns the client's cookies for this Botdeck (to replay a
// session in benchmarks that call the handler in-process).
func (c *Client) Cookies() []*http.Cookie {
	u, _ := url.Parse(c.env.Server.URL)
	return c.http.Jar.Cookies(u)
}
