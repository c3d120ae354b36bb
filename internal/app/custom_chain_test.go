package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botdeck/botdeck/internal/web"
)

// customRoutes must route every path as the router's ServeMux would: the
// same handler, the same path values, the same redirect or 404.
func TestCustomRoutesMatchTheRouter(t *testing.T) {
	rt := web.NewRouter(func(h http.Handler) http.Handler { return h }, nil)
	unrouted := 0 // requests customRoutes matched itself (the ServeMux sets Pattern)
	for _, pattern := range []string{customPathPattern, customBotPattern} {
		rt.Public(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Pattern == "" {
				unrouted++
			}
			fmt.Fprintf(w, "%s botId=%q path=%q", pattern, r.PathValue("botId"), r.PathValue("path"))
		}))
	}
	rt.SetFallback(func(w http.ResponseWriter, r *http.Request, err error) { http.Error(w, "fallback: "+err.Error(), 404) })
	direct := customRoutes(rt)
	answer := func(h http.Handler, target string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, nil))
		return fmt.Sprintf("%d %s %q", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	for _, target := range []string{
		"/custom/b1/echo", "/custom/b1", "/custom/b1/", "/custom/b1/a/b", "/custom/b1/echo?x=1",
		"/custom/b1/.x", "/custom/b1/x..", "/custom/b1/%20x", "/custom/b1/a%2Fb", "/custom/b1%2Fc/x",
		"/custom/b1/./x", "/custom/b1/../x", "/custom/b1/x/.", "/custom/b1/x/..", "/custom/b1/.", "/custom/b1/..",
		"/custom/b1//x", "/custom//x", "/custom/", "/custom/./b1/x", "/custom/b1/x//", "/custom/%62%31/echo",
	} {
		want, got := answer(rt, target), answer(direct, target)
		if got != want {
			t.Errorf("%s: customRoutes answered %s, the router %s", target, got, want)
		}
	}
	if unrouted < 8 {
		t.Fatalf("customRoutes matched %d plain paths itself, want at least 8", unrouted)
	}
}
