package app

import (
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/internal/web"
)

// customChain sends bots' public webhooks (/custom/…) to their own lean
// chain, which runs only what they need: a request id, the access log and
// metrics, panic recovery, the security headers every response carries,
// the 1 MiB body cap and the readiness gate. The rest of the dashboard's
// chain does nothing for them and costs a measurable share of a trivial
// handler (docs/BENCHMARKS.md, issue 13): compression (never applied to
// /custom/), cross-origin protection (they are exempt: they read no
// cookie), the session and API-key lookup (they read neither) and the /api
// rate limit (not /api). The webhook writes its own stricter CSP and
// Cross-Origin-Resource-Policy over the shared headers (core.WebhookResponse).
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
