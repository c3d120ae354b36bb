package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountCode registers the code editor, the code API, the bot's settings
// (which its code reads as env) and the public custom webhooks.
func mountCode(rt *web.Router, d Deps) {
	code := NewCode(d)
	rt.Both("GET /bots/{id}/code", "GET /api/bots/{id}/code", code.Show, true)
	rt.Both("POST /bots/{id}/code", "PUT /api/bots/{id}/code", code.Save, true)
	rt.Both("GET /bots/{id}/code/versions", "GET /api/bots/{id}/code/versions", code.Versions, true)
	rt.Both("GET /bots/{id}/code/versions/{version}", "GET /api/bots/{id}/code/versions/{version}", code.Version, true)
	rt.Both("POST /bots/{id}/code/versions/{version}/restore", "POST /api/bots/{id}/code/versions/{version}/restore", code.Restore, true)
	rt.Both("POST /bots/{id}/code/test", "POST /api/bots/{id}/code/test", code.Test, true)

	settings := NewSettings(d)
	rt.Both("GET /bots/{id}/settings", "GET /api/bots/{id}/settings", settings.List, true)
	rt.Both("POST /bots/{id}/settings", "PUT /api/bots/{id}/settings/{name}", settings.Put, true)
	rt.Both("POST /bots/{id}/settings/{name}/delete", "DELETE /api/bots/{id}/settings/{name}", settings.Delete, true)

	export := NewExport(d)
	rt.Both("GET /bots/{id}/export", "GET /api/bots/{id}/export", export.Download, true)
	rt.Both("", "POST /api/bots/{id}/import", export.Import, true)
	// The page's form takes a file or a bot to copy from, and confirms a dry run.
	rt.Both("POST /bots/{id}/import", "", export.ImportForm, true)

	// Any method. {path...} takes the rest of the URL, so a path with a
	// slash is answered 400 invalid_path rather than 404, and /custom/{botId}
	// alone is an empty path.
	custom := http.HandlerFunc(NewCustom(d).Serve)
	rt.Public("/custom/{botId}/{path...}", custom)
	rt.Public("/custom/{botId}", custom)
}
