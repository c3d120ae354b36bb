package web

import (
	"context"
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
