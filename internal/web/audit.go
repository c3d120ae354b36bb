package web

import (
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/models"
)

// audited records a successful (2xx or 3xx) state-changing request of a
// private route in the audit log of the workspace it acted in: the action
// is the route pattern ("DELETE /api/bots/{id}", "POST /bots/{id}/stop"),
// the target the path's values ("id=bot_…"). This is the one place
// actions are recorded; sign-ins are recorded by core.Accounts.
func (rt *Router) audited(pattern string, h http.Handler) http.Handler {
	method, path, _ := strings.Cut(pattern, " ")
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return h
	}
	names := wildcards(path)
	botScoped := strings.HasPrefix(path, "/bots/{id}") || strings.HasPrefix(path, "/api/bots/{id}")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		auth := AuthOf(r)
		if rt.audit == nil || rec.status >= 400 || auth.User == nil || auth.WorkspaceID == "" {
			return
		}
		parts := make([]string, 0, len(names))
		for _, n := range names {
			v := r.PathValue(n)
			if n == "token" {
				v = "…" // a link's secret stays out of the log
			}
			parts = append(parts, n+"="+v)
		}
		e := &models.AuditEntry{WorkspaceID: auth.WorkspaceID, UserID: auth.User.ID, Action: pattern,
			Target: strings.Join(parts, " "), At: models.Now()}
		if botScoped {
			e.BotID = r.PathValue("id")
		}
		rt.audit(r.Context(), e)
	})
}

// wildcards lists a pattern's {name} segments, in order.
func wildcards(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$")
			if name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}
