package apptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/botdeck/botdeck/handlers/openapi"
)

// specChecker validates /api responses against the served OpenAPI document.
type specChecker struct {
	router routers.Router
}

var loadSpec = sync.OnceValues(openapi.Load)

func newSpecChecker(t testing.TB, serverURL string) *specChecker {
	doc, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	router, err := gorillamux.NewRouter(doc.Spec)
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	return &specChecker{router: router}
}

// checkStream checks a streamed /api response's status and headers (its
// body never ends, so it is not read here).
func (s *specChecker) checkStream(t testing.TB, req *http.Request, resp *http.Response) {
	t.Helper()
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		t.Errorf("OpenAPI: %s %s is not described: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(nil)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			ExcludeResponseBody:   true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("OpenAPI: %s %s → %d does not match the document:\n%v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
}

// check fails the test when an /api response is not described by the
// document or does not match its schema.
func (s *specChecker) check(t testing.TB, req *http.Request, resp *Response) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/") || resp.StatusCode == http.StatusMethodNotAllowed {
		return
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound {
			return // an address that does not exist; the 404 itself is tested elsewhere
		}
		t.Errorf("OpenAPI: %s %s is not described (status %d): %v", req.Method, req.URL.Path, resp.StatusCode, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("OpenAPI: %s %s → %d does not match the document:\n%v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, truncate(resp.Body, 1500))
	}
}
