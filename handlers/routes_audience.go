package handlers

import "github.com/botdeck/botdeck/internal/web"

// mountAudience registers a bot's users: list, CSV export, block/unblock
// and profile photos.
func mountAudience(rt *web.Router, d Deps) {
	users := NewUsers(d)
	rt.Both("GET /bots/{id}/users", "GET /api/bots/{id}/users", users.List, true)
	rt.Both("GET /bots/{id}/users.csv", "GET /api/bots/{id}/users.csv", users.ExportCSV, true)
	rt.Both("POST /bots/{id}/users/{userId}/block", "POST /api/bots/{id}/users/{userId}/block", users.Block, true)
	rt.Both("POST /bots/{id}/users/{userId}/unblock", "POST /api/bots/{id}/users/{userId}/unblock", users.Unblock, true)
	rt.Both("GET /bots/{id}/users/{userId}/photo", "GET /api/bots/{id}/users/{userId}/photo", users.Photo, true)
}
