package jsrt

import (
	"net/textproto"
	"regexp"
	"strings"
)

// Response headers a handler may set: an allow-list, because /custom answers on the dashboard's
// own origin, where a header such as Clear-Site-Data (signs owners out), NEL or Report-To
// (reporting endpoints), Service-Worker-Allowed, Alt-Svc, Link (preloads, prefetches) or
// X-Accel-Redirect (a reverse proxy's internal redirect) would act on the whole dashboard.
//
//   - Cache-Control, only for private caches: it must say private or no-store, and may not say
//     public or s-maxage (a shared cache would serve one caller's answer to another);
//   - Location, only with a 3xx status;
//   - ETag, Last-Modified, Content-Language, Vary;
//   - CORS answers, so that web pages on other sites may call the webhook: Access-Control-Allow-
//     Origin, -Methods, -Headers, -Expose-Headers and -Max-Age (not -Allow-Credentials: /custom
//     acts for nobody signed in);
//   - X-* headers of the bot's own, except those proxies or browsers act on (X-Accel-*,
//     X-Sendfile, X-Lighttpd-Send-File, X-Forwarded-*, X-Real-Ip, X-Frame-Options,
//     X-Content-Type-Options, X-Xss-Protection, X-Permitted-Cross-Domain-Policies,
//     X-Dns-Prefetch-Control, X-Ua-Compatible) and Botdeck's own (X-Request-Id, X-Ratelimit-*).
//
// Content-Type is not among them: the body is always Botdeck's JSON envelope, and another type
// (text/html) would let a handler serve a page on the dashboard's origin.

var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")

var allowedHeaders = map[string]bool{
	"Cache-Control": true, "Location": true, "Etag": true, "Last-Modified": true, "Content-Language": true, "Vary": true,
	"Access-Control-Allow-Origin": true, "Access-Control-Allow-Methods": true, "Access-Control-Allow-Headers": true,
	"Access-Control-Expose-Headers": true, "Access-Control-Max-Age": true,
}

var deniedXHeaders = []string{
	"X-Accel-", "X-Sendfile", "X-Lighttpd-Send-File", "X-Forwarded-", "X-Real-Ip", "X-Frame-Options",
	"X-Content-Type-Options", "X-Xss-Protection", "X-Permitted-Cross-Domain-Policies", "X-Dns-Prefetch-Control",
	"X-Ua-Compatible", "X-Request-Id", "X-Ratelimit-",
}

// checkHeader returns why the handler may not set header name (canonical) to value with status,
// or "" when it may.
func checkHeader(name, value string, status int) string {
	switch {
	case name == "Cache-Control":
		v := strings.ToLower(value)
		if !strings.Contains(v, "private") && !strings.Contains(v, "no-store") || strings.Contains(v, "public") || strings.Contains(v, "s-maxage") {
			return "Cache-Control must be for private caches only (private or no-store; not public or s-maxage)"
		}
		return ""
	case name == "Location":
		if status < 300 || status > 399 {
			return "Location can only be set with a 3xx response.statusCode"
		}
		return ""
	case allowedHeaders[name]:
		return ""
	case strings.HasPrefix(name, "X-"):
		for _, p := range deniedXHeaders {
			if strings.HasPrefix(name, p) {
				return name + " cannot be set by bot code"
			}
		}
		return ""
	}
	return name + " cannot be set by bot code: allowed are Cache-Control (private), Location (3xx), ETag, Last-Modified, Content-Language, Vary, CORS (Access-Control-Allow-Origin/-Methods/-Headers, -Expose-Headers, -Max-Age) and X-* headers of your own"
}

func canonicalHeader(k string) string { return textproto.CanonicalMIMEHeaderKey(k) }
