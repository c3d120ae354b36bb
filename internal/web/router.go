package web

import (
	"net/http"
	"strings"
)

// Route is one registered method+path pattern; Method is "" when the
// route accepts any method.
type Route struct {
	Method, Path string
	API          bool
}

// Router is a net/http ServeMux that remembers what was registered (the
// OpenAPI coverage test walks it) and tags each request with its pattern
// for logs and metrics.
type Router struct {
	mux         *http.ServeMux
	routes      []Route
	requireUser Middleware
	fail        func(http.ResponseWriter, *http.Request, error)
}

// NewRouter returns an empty router; requireUser guards routes that need a
// signed-in user.
func NewRouter(requireUser Middleware) *Router {
	return &Router{mux: http.NewServeMux(), requireUser: requireUser, fail: func(w http.ResponseWriter, r *http.Request, _ error) {
		http.NotFound(w, r)
	}}
}

// Public registers a route anyone may call, e.g. "POST /login".
func (rt *Router) Public(pattern string, h http.Handler) {
	rt.handle(pattern, h)
}

// Private registers a route for signed-in users only.
func (rt *Router) Private(pattern string, h http.Handler) {
	rt.handle(pattern, rt.requireUser(h))
}

// Both mounts one handler twice: as a page route and as its /api twin
// (one handler per action, see handlers/doc.go). Either pattern may be
// empty.
func (rt *Router) Both(page, api string, h http.HandlerFunc, private bool) {
	reg := rt.Public
	if private {
		reg = rt.Private
	}
	if page != "" {
		reg(page, h)
	}
	if api != "" {
		reg(api, h)
	}
}

func (rt *Router) handle(pattern string, h http.Handler) {
	method, path, hasMethod := strings.Cut(pattern, " ")
	if !hasMethod {
		method, path = "", pattern // any method
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: path, API: path == "/api" || strings.HasPrefix(path, "/api/")})
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).Pattern = pattern
		h.ServeHTTP(w, r)
	}))
}

// Routes lists every registered route.
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// ServeHTTP dispatches to the registered handlers. Unmatched paths and
// wrong methods reach the catch-all pattern SetFallback registers, and are
// answered in the request's format (JSON on /api), not with ServeMux's
// plain-text defaults. The request is routed once.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// SetFallback sets how unmatched requests are answered and registers the
// catch-all pattern that receives them.
func (rt *Router) SetFallback(fail func(http.ResponseWriter, *http.Request, error)) {
	rt.fail = fail
	rt.mux.Handle("/", http.HandlerFunc(rt.unmatched))
}

// probeMethods are tried to tell "wrong method" (405) from "no such path".
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (rt *Router) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := rt.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		rt.fail(w, r, ErrMethodNotAllowed)
		return
	}
	rt.fail(w, r, ErrRouteNotFound)
}
