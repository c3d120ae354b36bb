package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/static"
)

func testResponder(t *testing.T) *Responder {
	t.Helper()
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	return &Responder{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Assets: assets}
}

func TestRecoverTurnsPanicIntoA500InTheRequestFormat(t *testing.T) {
	x := testResponder(t)
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		RequestInfo(Proxies{}), Recover(x.Log, x))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/anything", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code":"internal_error"`) {
		t.Fatalf("API panic: %d %s", rec.Code, rec.Body)
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || !strings.Contains(rec.Body.String(), id) {
		t.Fatal("the error must quote the request id so a user can report it")
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bots", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "Something went wrong") {
		t.Fatalf("page panic: %d", rec.Code)
	}
}

func TestRequestIDIsKeptOnlyWhenSane(t *testing.T) {
	h := RequestInfo(Proxies{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for in, keep := range map[string]bool{"abc-123_X": true, "": false, "<script>": false, strings.Repeat("a", 65): false} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Request-Id", in)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("X-Request-Id"); (got == in) != keep || got == "" {
			t.Errorf("X-Request-Id %q → %q", in, got)
		}
	}
}

// A made-up id is 16 characters of [a-z2-7] and differs every time.
func TestRequestIDsAreFreshAndOfOneShape(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z2-7]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("request id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/bots?page=2": "/bots?page=2", "": "/", "//evil.example": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "javascript:alert(1)": "/", "bots": "/",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
