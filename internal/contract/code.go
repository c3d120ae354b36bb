package contract

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// CodeJSON is GET /api/bots/{id}/code: the current code. A bot without
// code has version 0, an empty source and no handlers.
type CodeJSON struct {
	Source    string     `json:"source"`
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updatedAt"`
	Handlers  []string   `json:"handlers"`
	// UpdateHandlers are the update handlers, in match order ("command /start").
	UpdateHandlers []string `json:"updateHandlers"`
}

// SavedCodeJSON answers a save or a restore.
type SavedCodeJSON struct {
	Version        int        `json:"version"`
	Handlers       []string   `json:"handlers"`
	UpdatedAt      *time.Time `json:"updatedAt"`
	RestoredFrom   *int       `json:"restoredFrom"`
	UpdateHandlers []string   `json:"updateHandlers"`
}

// CodeVersionJSON is one entry of the version history.
type CodeVersionJSON struct {
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"createdAt"`
	Handlers     []string  `json:"handlers"`
	Size         int       `json:"size"`
	RestoredFrom *int      `json:"restoredFrom"`
	Current      bool      `json:"current"`
}

// CodeVersionSourceJSON is one version with its source.
type CodeVersionSourceJSON struct {
	CodeVersionJSON
	Source string `json:"source"`
}

// CodeVersionOf is the history shape of v; current is the bot's code
// version.
func CodeVersionOf(v *models.CodeVersion, current int) CodeVersionJSON {
	h := v.Handlers
	if h == nil {
		h = []string{}
	}
	return CodeVersionJSON{Version: v.Version, CreatedAt: v.CreatedAt, Handlers: h, Size: v.Size,
		RestoredFrom: v.RestoredFrom, Current: v.Version == current}
}

// SaveCodeRequest is PUT /api/bots/{id}/code and the editor's form.
// BaseVersion, when given, is the version the edit started from: saving
// over a newer version is a conflict (409), so two editors cannot
// silently overwrite each other.
type SaveCodeRequest struct {
	Source      string `json:"source" form:"source"`
	BaseVersion *int   `json:"baseVersion" form:"baseVersion" validate:"omitempty,min=0"`
}

// Normalize turns the browser's CRLF line ends into LF, so a save from the
// plain form and one from the API store the same text.
func (r *SaveCodeRequest) Normalize() { r.Source = strings.ReplaceAll(r.Source, "\r\n", "\n") }

// ListCodeVersionsRequest pages the version history.
type ListCodeVersionsRequest struct {
	Page `form:",inline"`
}

// TestCodeRequest is POST /api/bots/{id}/code/test and the test panel's
// form: one request to a handler of the saved code, run as the custom
// webhook would run it. In JSON, query is an object of strings and body
// any JSON value (absent means none); the form sends query as a query
// string ("a=1&b=2") and body as JSON text.
//
// With update (a Telegram update object) instead of path, the update
// handlers run on it ("simulate an update"); the form sends a template
// (start, text, button, join) and its text instead, or the update as JSON.
type TestCodeRequest struct {
	Method     string            `json:"method" form:"method" validate:"omitempty,oneof=GET HEAD POST PUT PATCH DELETE OPTIONS"`
	Path       string            `json:"path" form:"path" validate:"required_without=Update,max=200"`
	Update     json.RawMessage   `json:"update" validate:"max=65536"`
	UpdateText string            `json:"-" form:"update" validate:"max=65536"`
	Template   string            `json:"-" form:"template" validate:"omitempty,oneof=start text button join"`
	Text       string            `json:"-" form:"text" validate:"max=4096"`
	Query      map[string]string `json:"query" validate:"max=100,dive,keys,max=200,endkeys,max=2000"`
	QueryText  string            `json:"-" form:"query" validate:"max=20000"`
	Body       json.RawMessage   `json:"body"`
	BodyText   string            `json:"-" form:"body"`
}

// Normalize fills the method's default (POST), and the query from the
// form's query string.
func (r *TestCodeRequest) Normalize() {
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	if r.Method == "" {
		r.Method = "POST"
	}
	r.Path = strings.TrimSpace(r.Path)
	if q := strings.TrimPrefix(strings.TrimSpace(r.QueryText), "?"); q != "" && r.Query == nil {
		values, _ := url.ParseQuery(q)
		r.Query = make(map[string]string, len(values))
		for k, v := range values {
			if len(v) > 0 {
				r.Query[k] = v[0]
			}
		}
	}
	if strings.TrimSpace(r.BodyText) != "" && r.Body == nil {
		r.Body = json.RawMessage(r.BodyText)
	}
	if r.Update == nil {
		if strings.TrimSpace(r.UpdateText) != "" {
			r.Update = json.RawMessage(r.UpdateText)
		} else if r.Template != "" {
			r.Update = SimulatedUpdate(r.Template, r.Text)
		}
	}
}

// Simulated updates come from this made-up person, in a private chat (a
// group for join).
const (
	SimulatedUserID  = 100000001
	SimulatedGroupID = -1001000000001
)

// SimulatedUpdate builds the update of a simulator template: start
// ("/start" and text as its argument), text (a message), button (a press
// on a button whose data is text) or join (the person joins a group).
func SimulatedUpdate(template, text string) json.RawMessage {
	from := map[string]any{"id": SimulatedUserID, "is_bot": false, "first_name": "Test", "username": "test_user", "language_code": "en"}
	private := map[string]any{"id": SimulatedUserID, "type": "private", "first_name": "Test", "username": "test_user"}
	now := time.Now().Unix()
	var u map[string]any
	switch template {
	case "start":
		t := "/start"
		if s := strings.TrimSpace(text); s != "" {
			t += " " + s
		}
		u = map[string]any{"message": map[string]any{"message_id": 1, "date": now, "from": from, "chat": private, "text": t,
			"entities": []any{map[string]any{"type": "bot_command", "offset": 0, "length": 6}}}}
	case "text":
		if text == "" {
			text = "hello"
		}
		u = map[string]any{"message": map[string]any{"message_id": 1, "date": now, "from": from, "chat": private, "text": text}}
	case "button":
		if text == "" {
			text = "buy"
		}
		u = map[string]any{"callback_query": map[string]any{"id": "1000000000000000001", "from": from, "chat_instance": "1", "data": text,
			"message": map[string]any{"message_id": 1, "date": now, "chat": private, "text": "A message with a button"}}}
	case "join":
		group := map[string]any{"id": SimulatedGroupID, "type": "supergroup", "title": "Test group"}
		u = map[string]any{"chat_member": map[string]any{"chat": group, "from": from, "date": now,
			"old_chat_member": map[string]any{"status": "left", "user": from},
			"new_chat_member": map[string]any{"status": "member", "user": from}}}
	default:
		return nil
	}
	u["update_id"] = 1
	b, _ := json.Marshal(u)
	return b
}
