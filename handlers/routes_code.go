package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountCode registers the code editor, the code API and the public custom
// webhooks.
func mountCode(rt *web.Router, d Deps) {
	code := NewCode(d)
	rt.Both("GET /bots/{id}/code", "GET /api/bots/{id}/code", code.Show, true)
	rt.Both("POST /bots/{id}/code", "PUT /api/bots/{id}/code", code.Save, true)
	rt.Both("GET /bots/{id}/code/versions", "GET /api/bots/{id}/code/versions", code.Versions, true)
	rt.Both("GET /bots/{id}/code/versions/{version}", "GET /api/bots/{id}/code/versions/{version}", code.Version, true)
	rt.Both("POST /bots/{id}/code/versions/{version}/restore", "POST /api/bots/{id}/code/versions/{version}/restore", code.Restore, true)
	rt.Both("POST /bots/{id}/code/test", "POST /api/bots/{id}/code/test", code.Test, true)

	// Any method. {path...} takes the rest of the URL, so a path with a
	// slash is answered 400 invalid_path rather than 404, and /custom/{botId}
	// alone is an empty path.
	custom := http.HandlerFunc(NewCustom(d).Serve)
	rt.Public("/custom/{botId}/{path...}", custom)
	rt.Public("/custom/{botId}", custom)
}
