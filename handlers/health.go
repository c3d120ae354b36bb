package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"
)

// Health answers liveness and readiness probes.
type Health struct {
	ready *atomic.Bool
	ping  func(ctx context.Context) error
}

// NewHealth returns the probes; ready flips to true once migrations are
// applied, ping checks the database.
func NewHealth(ready *atomic.Bool, ping func(ctx context.Context) error) *Health {
	return &Health{ready: ready, ping: ping}
}

// Live reports that the process is up.
func (h *Health) Live(w http.ResponseWriter, r *http.Request) {
	writeProbe(w, http.StatusOK, map[string]any{"ok": true})
}

// Ready reports whether the database is reachable and migrated.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	if !h.ready.Load() {
		writeProbe(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "reason": "migrations not applied yet"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.ping(ctx); err != nil {
		writeProbe(w, http.StatusServiceUnavailable, map[string]any{"ok": false, "reason": "database unreachable"})
		return
	}
	writeProbe(w, http.StatusOK, map[string]any{"ok": true})
}

func writeProbe(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
