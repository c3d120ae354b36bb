package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/handlers/openapi"
	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
)

func TestProbesAndMetrics(t *testing.T) {
	env := apptest.Start(t, "sqlite", apptest.Config(func(c *config.Config) { c.MetricsToken = "scrape-secret" }))
	c := env.Client()
	c.Get(t, "/healthz").Expect(t, http.StatusOK)
	c.Get(t, "/readyz").Expect(t, http.StatusOK)
	c.Get(t, "/signup").Expect(t, http.StatusOK)
	c.Get(t, "/metrics").Expect(t, http.StatusUnauthorized)
	c.Get(t, "/metrics", "Authorization", "Bearer wrong").Expect(t, http.StatusUnauthorized)
	m := c.Get(t, "/metrics", "Authorization", "Bearer scrape-secret").Expect(t, http.StatusOK).Text()
	if !strings.Contains(m, `botdeck_http_requests_total{method="GET",route="GET /signup",status="200"}`) {
		t.Fatalf("metrics lack the request counter by route:\n%s", m[:min(len(m), 500)])
	}
}

// Without a token /metrics is not on the public address; with
// BOTDECK_METRICS_ADDR it is served (open) on that address alone.
func TestMetricsAreNotPublicByDefault(t *testing.T) {
	env := apptest.Start(t, "sqlite")
	env.Client().Get(t, "/metrics").Expect(t, http.StatusNotFound)
	if env.App.MetricsServer() != nil {
		t.Fatal("no metrics server without an address")
	}

	env = apptest.Start(t, "sqlite", apptest.Config(func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0"; c.MetricsToken = "ignored" }))
	env.Client().Get(t, "/metrics", "Authorization", "Bearer ignored").Expect(t, http.StatusNotFound)
	srv := httptest.NewServer(env.App.MetricsServer().Handler)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics address: %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := apptest.Start(t, "sqlite")
	res := env.Client().Get(t, "/signup").Expect(t, http.StatusOK)
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Fatalf("CSP must allow only our own scripts: %q", csp)
	}
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
		if res.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if strings.Contains(res.Text(), "<script>") {
		t.Fatal("pages must not carry inline scripts")
	}
}

func TestStaticAssetsAreFingerprintedAndCached(t *testing.T) {
	env := apptest.Start(t, "sqlite")
	c := env.Client()
	page := c.Get(t, "/signup").Text()
	i := strings.Index(page, "/static/app.css?v=")
	if i < 0 {
		t.Fatal("no fingerprinted stylesheet link")
	}
	href := page[i : i+strings.IndexByte(page[i:], '"')]
	res := c.Get(t, href, "Accept-Encoding", "gzip").Expect(t, http.StatusOK)
	if !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("ETag") == "" {
		t.Fatalf("fingerprinted asset must be immutable with an ETag: %v", res.Header)
	}
	c.Get(t, href, "If-None-Match", res.Header.Get("ETag")).Expect(t, http.StatusNotModified)
	c.Get(t, "/static/nope.js").Expect(t, http.StatusNotFound)
}

func TestUnknownRoutesAnswerInTheirFormat(t *testing.T) {
	env := apptest.Start(t, "sqlite")
	c := env.Client()
	if code := c.Get(t, "/api/nope").Expect(t, http.StatusNotFound).ErrorCode(t); code != "not_found" {
		t.Fatalf("code = %s", code)
	}
	res := c.Put(t, "/api/me", nil).Expect(t, http.StatusMethodNotAllowed)
	if res.Header.Get("Allow") == "" || res.ErrorCode(t) != "method_not_allowed" {
		t.Fatalf("405 needs Allow and a JSON error: %v %s", res.Header, res.Body)
	}
	if !strings.Contains(c.Get(t, "/nope").Expect(t, http.StatusNotFound).Text(), "Page not found") {
		t.Fatal("an unknown page shows the HTML 404")
	}
}

// TestEveryAPIRouteIsDocumented fails when a registered /api route has no
// operation in the OpenAPI document, or the document describes a route
// that does not exist.
func TestEveryAPIRouteIsDocumented(t *testing.T) {
	env := apptest.Start(t, dbtest.Dialect("sqlite"))
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, r := range env.App.Router.Routes() {
		if !r.API {
			continue
		}
		path := strings.ReplaceAll(r.Path, "...}", "}")
		registered[r.Method+" "+path] = true
		item := doc.Spec.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is registered but not described in the OpenAPI document", r.Method, path)
		}
	}
	for path, item := range doc.Spec.Paths.Map() {
		for method := range item.Operations() {
			if !registered[method+" "+path] && !(method == "HEAD") {
				t.Errorf("the OpenAPI document describes %s %s, which is not registered", method, path)
			}
		}
	}
}
