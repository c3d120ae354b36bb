package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// mountAudience registers a bot's users: list, CSV export, block/unblock
// and profile photos.
func mountAudience(rt *web.Router, d Deps) {
	users := NewUsers(d)
	rt.Both("GET /bots/{id}/users", "GET /api/bots/{id}/users", users.List, true)
	rt.Both("GET /bots/{id}/users.csv", "GET /api/bots/{id}/users.csv", users.ExportCSV, true)
	rt.Both("POST /bots/{id}/users/tags", "POST /api/bots/{id}/users/tags", users.Tag, true)
	rt.Both("POST /bots/{id}/users/columns", "", users.Columns, true)
	rt.Both("", "GET /api/bots/{id}/tags", users.Tags, true)
	rt.Both("POST /bots/{id}/users/{userId}/block", "POST /api/bots/{id}/users/{userId}/block", users.Block, true)
	rt.Both("POST /bots/{id}/users/{userId}/unblock", "POST /api/bots/{id}/users/{userId}/unblock", users.Unblock, true)
	rt.Both("POST /bots/{id}/users/{userId}", "PATCH /api/bots/{id}/users/{userId}", users.Edit, true)
	rt.Both("GET /bots/{id}/users/{userId}/photo", "GET /api/bots/{id}/users/{userId}/photo", users.Photo, true)

	// CSV import (users_import.go): at once from the API; staged,
	// previewed and mapped, then run in the background from the dashboard.
	imports := NewUserImports(d)
	rt.Both("", "POST /api/bots/{id}/users/import", imports.Import, true)
	rt.Both("GET /bots/{id}/users/import", "", imports.Form, true)
	rt.Both("POST /bots/{id}/user-imports", "", imports.Stage, true)
	rt.Both("GET /bots/{id}/user-imports/{importId}", "", imports.Show, true)
	rt.Both("POST /bots/{id}/user-imports/{importId}/run", "", imports.Run, true)
}

// mountConversations registers the inbox: conversations, messages of a
// user, answering, read/open/done, and the user page.
func mountConversations(rt *web.Router, d Deps) {
	c := NewConversations(d)
	rt.Both("GET /bots/{id}/conversations", "GET /api/bots/{id}/conversations", c.List, true)
	rt.Both("GET /nav/unread", "", c.NavUnread, true) // the navigation's unread count, drawn again
	rt.Both("POST /bots/{id}/conversations/{userId}/done", "POST /api/bots/{id}/conversations/{userId}/done", c.Done, true)
	rt.Both("POST /bots/{id}/conversations/{userId}/open", "POST /api/bots/{id}/conversations/{userId}/open", c.Open, true)
	rt.Both("POST /bots/{id}/conversations/{userId}/read", "POST /api/bots/{id}/conversations/{userId}/read", c.Read, true)
	rt.Both("GET /bots/{id}/users/{userId}", "GET /api/bots/{id}/users/{userId}", c.User, true)
	rt.Both("GET /bots/{id}/users/{userId}/messages", "GET /api/bots/{id}/users/{userId}/messages", c.Messages, true)
	rt.Both("POST /bots/{id}/users/{userId}/messages", "POST /api/bots/{id}/users/{userId}/messages", c.Send, true)
	rt.Both("GET /bots/{id}/users/{userId}/messages/{messageId}/photo", "GET /api/bots/{id}/users/{userId}/messages/{messageId}/photo", c.MessagePhoto, true)
}

func mountSegments(rt *web.Router, d Deps) {
	h := NewSegments(d)
	rt.Both("GET /bots/{id}/segments", "GET /api/bots/{id}/segments", h.List, true)
	rt.Both("POST /bots/{id}/segments", "POST /api/bots/{id}/segments", h.Create, true)
	rt.Private("GET /bots/{id}/segments/new", http.HandlerFunc(h.NewForm))
	rt.Private("GET /bots/{id}/segments/count", http.HandlerFunc(h.Count))
	rt.Both("GET /segments/{id}", "GET /api/segments/{id}", h.Show, true)
	rt.Both("POST /segments/{id}", "PATCH /api/segments/{id}", h.Update, true)
	rt.Both("POST /segments/{id}/delete", "DELETE /api/segments/{id}", h.Delete, true)
}
