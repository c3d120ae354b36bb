package handlers

import "github.com/botdeck/botdeck/internal/web"

// mountInsights registers stats (per bot and across bots), logs and the
// admin-chats list. The dashboard home, GET /, is mounted with the account
// routes (it also redirects visitors); GET /api/stats is its twin and runs
// the same handler.
func mountInsights(rt *web.Router, d Deps) {
	home := NewHome(d, d.AnyUser)
	stats := NewStats(d)
	logs := NewLogs(d)
	chats := NewChats(d)

	rt.Both("", "GET /api/stats", home.Show, true)
	rt.Both("GET /bots/{id}/stats", "GET /api/bots/{id}/stats", stats.Show, true)
	rt.Both("GET /bots/{id}/logs", "GET /api/bots/{id}/logs", logs.List, true)
	rt.Both("POST /bots/{id}/logs/clear", "DELETE /api/bots/{id}/logs", logs.Clear, true)
	rt.Both("GET /bots/{id}/chats", "GET /api/bots/{id}/chats", chats.List, true)
}
