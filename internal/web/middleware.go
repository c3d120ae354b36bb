package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/urlsafe"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middleware so that the first listed is the outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// RequestInfo gives every request an id (honouring a sane incoming
// X-Request-Id), its client IP (see Proxies.ClientIP) and start time, and
// echoes the id back.
func RequestInfo(proxies Proxies) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-Id", id)
			next.ServeHTTP(w, withInfo(r, &requestInfo{ID: id, ClientIP: proxies.ClientIP(r), Start: time.Now()}))
		})
	}
}

func validRequestID(id string) bool { return urlsafe.Name(id) }

// statusRecorder remembers the status and size written.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Flush lets streamed responses (CSV export) reach the client as they go.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// AccessLog writes one log line per request and records metrics. The route
// label is the matched pattern, never the raw path, so ids in URLs do not
// explode metric cardinality or put secrets in logs.
func AccessLog(log *slog.Logger, m *Metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			info := infoFrom(r.Context())
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			elapsed := time.Since(info.Start)
			route := info.Pattern
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.observe(route, r.Method, rec.status, elapsed)
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			if !log.Enabled(r.Context(), level) {
				return // spare building the line's attributes (they escape to the heap)
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("id", info.ID), slog.String("method", r.Method), slog.String("route", route),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Duration("duration", elapsed), slog.String("ip", info.ClientIP), slog.String("user", info.UserID))
		})
	}
}

// Recover turns a panic into a logged 500 so one bad request never takes
// the process down.
func Recover(log *slog.Logger, x *Responder) Middleware {
	return RecoverWith(log, func(w http.ResponseWriter, r *http.Request, err error) { x.Fail(w, r, err) })
}

// RecoverWith is Recover answering with fail, for routes whose errors
// have a format of their own (bots' webhooks).
func RecoverWith(log *slog.Logger, fail func(http.ResponseWriter, *http.Request, error)) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", RequestID(r.Context()))
					fail(w, r, fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// SecurityHeaders sets the headers every dashboard response carries. The
// CSP allows no inline script and no eval; styles come only from our own
// files.
func SecurityHeaders(https bool) Middleware {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	headers := http.Header{}
	headers.Set("Content-Security-Policy", csp)
	headers.Set("X-Content-Type-Options", "nosniff")
	headers.Set("X-Frame-Options", "DENY")
	headers.Set("Referrer-Policy", "same-origin")
	headers.Set("Cross-Origin-Opener-Policy", "same-origin")
	headers.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	return setHeaders(headers, https)
}

// PublicJSONHeaders sets the headers of a public endpoint that answers
// JSON only and reads no cookie (bots' webhooks, /custom/…), with its own
// csp and corp (Cross-Origin-Resource-Policy). Its answers are never a
// document, so the dashboard's headers that guard a page (X-Frame-Options,
// which the CSP's frame-ancestors replaces; Cross-Origin-Opener-Policy;
// Permissions-Policy) would do nothing; the referrer is not sent at all,
// since webhook addresses may carry a caller's secret. Fewer headers is a
// measurable share of a trivial handler's CPU: up to eight fit net/http's
// header map without growing it (docs/BENCHMARKS.md, issue 13).
func PublicJSONHeaders(https bool, csp, corp string) Middleware {
	headers := http.Header{}
	headers.Set("Content-Security-Policy", csp)
	headers.Set("Cross-Origin-Resource-Policy", corp)
	headers.Set("X-Content-Type-Options", "nosniff")
	headers.Set("Referrer-Policy", "no-referrer")
	return setHeaders(headers, https)
}

// setHeaders sets headers, plus HSTS over HTTPS, on every response. The
// values are built once and shared by every response (nothing mutates a
// header's value slice), so setting them allocates nothing.
func setHeaders(headers http.Header, https bool) Middleware {
	if https {
		headers.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for k, v := range headers {
				h[k] = v
			}
			next.ServeHTTP(w, r)
		})
	}
}

// BodyLimit is a larger body cap for the requests Match selects (uploads).
type BodyLimit struct {
	Max   int64
	Match func(*http.Request) bool
}

// LimitBody caps request bodies; a larger body fails with 413 when read.
// The first of larger that matches a request sets its cap instead.
func LimitBody(max int64, larger ...BodyLimit) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			max := max
			for _, l := range larger {
				if l.Match(r) {
					max = l.Max
					break
				}
			}
			if r.ContentLength > max {
				// Refuse before reading anything.
				r.Body = http.MaxBytesReader(w, r.Body, 0)
			} else if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CrossOrigin rejects cross-site state-changing browser requests (net/http's
// CrossOriginProtection, based on Sec-Fetch-Site and Origin) with a 403 in
// the request's format. Requests without those headers (curl, integrators)
// pass; they cannot carry a victim's cookies anyway. Bot owners' custom
// webhooks (/custom/) are public endpoints that read no cookie or session,
// meant to be called from other sites' pages: CSRF has nothing to protect
// there, so they are exempt.
func CrossOrigin(x *Responder) Middleware {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("/custom/")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.Fail(w, r, &apperr.Error{Kind: apperr.KindForbidden, Code: "cross_origin_request",
			Message: "This request came from another site and was refused. Reload the page and try again."})
	}))
	return cop.Handler
}
