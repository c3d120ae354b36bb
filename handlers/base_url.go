package handlers

import "net/http"

// baseURL is the address users reach Botdeck at: the configured public URL,
// or the host of this request.
func baseURL(r *http.Request, publicURL string) string {
	if publicURL != "" {
		return publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
