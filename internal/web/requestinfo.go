package web

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// requestInfo travels in the context of every request. Middleware outside
// the router fills it and reads it back (the matched route pattern, the
// user) for access logs and metrics.
type requestInfo struct {
	ID       string
	ClientIP string
	Pattern  string
	UserID   string
	Start    time.Time
}

type infoKey struct{}

// newRequestID returns 16 random characters of [a-z2-7] (80 bits), the
// shape models.RandomString(10) has, from the runtime's generator: an id
// names a request in logs and error pages and guards nothing, so it needs
// no crypto/rand read (a system call on every request on older kernels).
func newRequestID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var id [16]byte
	x, y := rand.Uint64(), rand.Uint64()
	for i := range 12 { // 60 bits of x
		id[i] = alphabet[x&31]
		x >>= 5
	}
	for i := 12; i < 16; i++ { // 20 bits of y
		id[i] = alphabet[y&31]
		y >>= 5
	}
	return string(id[:])
}

func withInfo(r *http.Request, info *requestInfo) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
}

func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// RequestID returns the id of the request being served.
func RequestID(ctx context.Context) string { return infoFrom(ctx).ID }

// ClientIP returns the client address of r.
func ClientIP(r *http.Request) string { return clientIPFrom(r) }

func clientIPFrom(r *http.Request) string {
	if ip := infoFrom(r.Context()).ClientIP; ip != "" {
		return ip
	}
	return peerAddr(r)
}
