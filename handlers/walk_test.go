package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun/schema"

	"github.com/botdeck/botdeck/internal/apptest"
)

// walkOwnedRoutes calls visit for every registered route whose path starts
// with one of the prefixes and holds a path parameter, with the first
// parameter replaced by that prefix's id (others by the same id). Later
// features add their prefixes; new routes are walked without a test change.
func walkOwnedRoutes(t *testing.T, env *apptest.Env, ids map[string]string, visit func(method, path string)) {
	t.Helper()
	walked := 0
	for _, r := range env.App.Router.Routes() {
		for prefix, id := range ids {
			if !strings.HasPrefix(r.Path, prefix) || !strings.Contains(r.Path, "{") {
				continue
			}
			path := r.Path
			for strings.Contains(path, "{") {
				i, j := strings.Index(path, "{"), strings.Index(path, "}")
				value := id
				if strings.HasSuffix(path[i:j], "...") {
					value = "anything"
				}
				if i > len(prefix)+2 { // a second parameter: a plausible sub-id
					value = "1"
				}
				path = path[:i] + url.PathEscape(value) + path[j+1:]
			}
			visit(r.Method, path)
			walked++
		}
	}
	if walked == 0 {
		t.Fatal("no owned routes found to walk")
	}
}

// bodyFor gives state-changing requests an empty JSON object to decode.
func bodyFor(method string) any {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return map[string]any{}
	}
	return nil
}

// bunIdent quotes a column name in test updates.
func bunIdent(col string) schema.Ident { return schema.Ident(col) }
