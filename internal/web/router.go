package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/models"
)

// Route is one registered method+path pattern; Method is "" when the
// route accepts any method. Private routes need a signed-in user and the
// permission the route table gives their pattern.
type Route struct {
	Method, Path string
	API          bool
	Private      bool
}

// Pattern is the route as registered, e.g. "DELETE /api/bots/{id}".
func (r Route) Pattern() string {
	if r.Method == "" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// Router is a net/http ServeMux that remembers what was registered (the
// OpenAPI coverage test walks it) and tags each request with its pattern
// for logs and metrics.
type Router struct {
	mux         *http.ServeMux
	routes      []Route
	handlers    map[string]http.Handler // by pattern, as the mux calls them
	requireUser Middleware
	perms       map[string]Perm
	audit       AuditRecorder
	fail        func(http.ResponseWriter, *http.Request, error)
}

// AuditRecorder stores one audit entry (models.InsertAudit over the
// database) and logs its own failure: the answer has gone already.
type AuditRecorder func(ctx context.Context, e *models.AuditEntry)

// NewRouter returns an empty router; requireUser guards routes that need a
// signed-in user, perms is the permission each private route pattern needs.
func NewRouter(requireUser Middleware, perms map[string]Perm) *Router {
	return &Router{mux: http.NewServeMux(), requireUser: requireUser, perms: perms, fail: func(w http.ResponseWriter, r *http.Request, _ error) {
		http.NotFound(w, r)
	}}
}

// SetAudit records every successful state-changing request of a private
// route in the workspace's audit log.
func (rt *Router) SetAudit(a AuditRecorder) { rt.audit = a }

// Public registers a route anyone may call, e.g. "POST /login".
func (rt *Router) Public(pattern string, h http.Handler) {
	rt.handle(pattern, h, false)
}

// Private registers a route for signed-in users only, with the role check
// of the route table and the audit log.
func (rt *Router) Private(pattern string, h http.Handler) {
	rt.handle(pattern, rt.requireUser(rt.guard(pattern, rt.audited(pattern, h))), true)
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

func (rt *Router) handle(pattern string, h http.Handler, private bool) {
	method, path, hasMethod := strings.Cut(pattern, " ")
	if !hasMethod {
		method, path = "", pattern // any method
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: path, API: path == "/api" || strings.HasPrefix(path, "/api/"), Private: private})
	tagged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).Pattern = pattern
		h.ServeHTTP(w, r)
	})
	if rt.handlers == nil {
		rt.handlers = map[string]http.Handler{}
	}
	rt.handlers[pattern] = tagged
	rt.mux.Handle(pattern, tagged)
}

// Handler is the handler registered for pattern, as the router calls it
// (tagging the request with the pattern), for a caller that matches some
// requests itself and sets their path values (SetPathValue); nil when
// nothing is registered for pattern.
func (rt *Router) Handler(pattern string) http.Handler { return rt.handlers[pattern] }

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
