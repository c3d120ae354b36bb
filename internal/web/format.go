// Package web is Botdeck's HTTP plumbing shared by every handler: binding
// and validating requests, the single Respond/Fail path that renders a full
// page, an htmx fragment or the JSON envelope from the same handler, the
// session store, authentication, rate limits and middleware.
package web

import (
	"net/http"
	"strings"
)

// IsAPI reports whether r is a JSON API request (mounted under /api).
func IsAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

// IsFragment reports whether r is an htmx request that wants a fragment:
// boosted navigations and history restores want the whole page.
func IsFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" &&
		r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}
