package app

import (
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/internal/web"
)

// customChain sends bots' public webhooks (/custom/…) to their own lean
// chain, which runs only what they need: a request id, the access log and
// metrics, panic recovery, the headers of a public JSON endpoint (its own
// strict CSP and Cross-Origin-Resource-Policy, nosniff, no referrer:
// web.PublicJSONHeaders), the 1 MiB body cap and the readiness gate. The rest of the dashboard's
// chain does nothing for them and costs a measurable share of a trivial
// handler (docs/BENCHMARKS.md, issue 13): compression (never applied to
// /custom/), cross-origin protection (they are exempt: they read no
// cookie), the session and API-key lookup (they read neither) and the /api
// rate limit (not /api), and the headers that guard a dashboard page.
func customChain(custom http.Handler) web.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/custom/") {
				custom.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// The webhook's two routes (handlers/routes_code.go).
const (
	customPathPattern = "/custom/{botId}/{path...}"
	customBotPattern  = "/custom/{botId}"
)

// customRoutes matches the webhook's routes itself when the path is plain,
// and leaves the rest to the router: the ServeMux's matching (its pattern
// tree walk and the slice of path values it allocates) was about 4 % of a
// trivial handler's CPU. A plain path is one the ServeMux would neither
// redirect (no empty, "." or ".." segment) nor unescape differently (no
// escaped slash: RawPath is empty), so both give the same handler and the
// same path values.
func customRoutes(rt *web.Router) http.Handler {
	withPath, botOnly := rt.Handler(customPathPattern), rt.Handler(customBotPattern)
	if withPath == nil || botOnly == nil {
		panic("app: the /custom routes are not registered")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/custom/")
		if !ok || r.URL.RawPath != "" || !plainPath(rest) {
			rt.ServeHTTP(w, r)
			return
		}
		botID, path, hasPath := strings.Cut(rest, "/")
		if botID == "" {
			rt.ServeHTTP(w, r)
			return
		}
		r.SetPathValue("botId", botID)
		if !hasPath {
			botOnly.ServeHTTP(w, r)
			return
		}
		r.SetPathValue("path", path)
		withPath.ServeHTTP(w, r)
	})
}

// plainPath reports whether p (a path after its first segment) has no
// empty, "." or ".." segment, except an empty last one (a trailing slash).
func plainPath(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(p, "//") && !strings.HasPrefix(p, "/")
}
