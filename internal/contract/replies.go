package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// ReplyJSON is a reply as the API serves it: the engine's shape with its
// usage.
type ReplyJSON struct {
	replies.Reply
	Uses       int64      `json:"uses"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// ReplyOf is the API shape of a stored reply.
func ReplyOf(r *models.Reply) ReplyJSON {
	return ReplyJSON{Reply: r.Spec, Uses: r.Uses, LastUsedAt: r.LastUsedAt}
}

// RepliesOf is the API shape of a list of replies.
func RepliesOf(rows []models.Reply) []ReplyJSON {
	out := make([]ReplyJSON, len(rows))
	for i := range rows {
		out[i] = ReplyOf(&rows[i])
	}
	return out
}

// MenuJSON says whether saving a reply published the bot's menu
// (setMyCommands): published is false with error set when Telegram refused
// or could not be reached — the reply is saved all the same.
type MenuJSON struct {
	Changed   bool    `json:"changed"`
	Published bool    `json:"published"`
	Error     *string `json:"error"`
}

// replyBody is what a reply request body may hold: the reply's fields, and
// the read-only ones a client may send back from a GET.
type replyBody struct {
	replies.Reply
	Uses       json.RawMessage `json:"uses"`
	LastUsedAt json.RawMessage `json:"lastUsedAt"`
}

// ReplyRequest is POST/PATCH of a reply: a JSON body (the Reply shape; a
// PATCH changes only the fields it names, null removes an optional one) or
// the editor's form, which always sends the whole reply.
type ReplyRequest struct {
	body    json.RawMessage
	unknown string

	// The editor's form.
	Kind         string        `json:"-" form:"kind"`
	Command      string        `json:"-" form:"command"`
	Keywords     string        `json:"-" form:"keywords"` // one per line, or separated by commas
	Text         string        `json:"-" form:"text"`
	ParseMode    string        `json:"-" form:"parseMode"`
	Media        string        `json:"-" form:"media"` // "photo" or "document": what the upload is sent as
	Upload       string        `json:"-" form:"upload"`
	DropUpload   bool          `json:"-" form:"dropUpload"`
	Only         string        `json:"-" form:"only" validate:"omitempty,oneof=enabled"` // "enabled": the list's on/off switch
	Buttons      []FormButton  `json:"-" form:"btn"`
	KeyboardMode string        `json:"-" form:"keyboardMode"` // "", "rows" or "remove"
	Keyboard     string        `json:"-" form:"keyboard"`     // one row per line, buttons separated by |
	AskProperty  string        `json:"-" form:"askProperty"`
	AskKind      string        `json:"-" form:"askKind"`
	AskThen      string        `json:"-" form:"askThen"`
	AskInvalid   string        `json:"-" form:"askInvalid"`
	Actions      []FormAction  `json:"-" form:"act"`
	ShowInMenu   bool          `json:"-" form:"showInMenu"`
	Description  string        `json:"-" form:"description"`
	Groups       bool          `json:"-" form:"groups"`
	Enabled      bool          `json:"-" form:"enabled"`
	File         *UploadedFile `json:"-"` // a file attached to the editor's form, stored first as an upload
}

// UploadedFile is a file sent with a form.
type UploadedFile struct {
	Name string
	Data []byte
}

// FormButton is one inline button slot of the editor: it opens URL or goes
// to the reply Reply; Row (1-based) is the row it is on. A slot without
// text is empty.
type FormButton struct {
	Text  string `form:"text"`
	URL   string `form:"url"`
	Reply string `form:"reply"`
	Row   int    `form:"row"`
}

// FormAction is one action slot of the editor: Op is "tag_add",
// "tag_remove" or "set" (with Value as text; empty removes the property).
type FormAction struct {
	Op    string `form:"op"`
	Name  string `form:"name"`
	Value string `form:"value"`
}

// UnmarshalJSON keeps the body for Spec and notes the first field that is
// not part of a reply.
func (r *ReplyRequest) UnmarshalJSON(data []byte) error {
	var probe replyBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&probe); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return err
		}
		name, ok := unknownField(err)
		if !ok {
			return err
		}
		r.unknown = name
		if err := json.Unmarshal(data, &probe); err != nil {
			return err
		}
	}
	r.body = append(json.RawMessage(nil), data...)
	return nil
}

// unknownField reads the name out of encoding/json's "unknown field" error.
func unknownField(err error) (string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, uerr := strconv.Unquote(rest)
	if uerr != nil {
		name = rest
	}
	return name, true
}

// IsJSON reports whether the request came as a JSON body.
func (r *ReplyRequest) IsJSON() bool { return r.body != nil }

// ErrUnknownField builds the 422 for a field a request may not have.
func ErrUnknownField(name string) error {
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "unknown_field",
		Message: "The body has a field this request does not take: " + strconv.Quote(name) + ".",
		Fields:  apperr.FieldErrors{name: "is not a known field"}}
}

// Spec is the reply the request asks for, built on base (replies.NewReply()
// for a new one, the stored reply for a change): a JSON body changes the
// fields it names, the form replaces everything.
func (r *ReplyRequest) Spec(base replies.Reply) (replies.Reply, error) {
	if r.unknown != "" {
		return base, ErrUnknownField(r.unknown)
	}
	id := base.ID
	if r.Only == "enabled" && r.body == nil {
		base.Enabled = r.Enabled
		return base, nil
	}
	if r.body != nil {
		out, err := mergeReply(base, r.body)
		if err != nil {
			return base, apperr.Invalid("The reply could not be read.", apperr.FieldErrors{"body": err.Error()})
		}
		out.ID = id
		return out, nil
	}
	out := replies.Reply{ID: id, Trigger: replies.Trigger{Kind: replies.TriggerKind(strings.TrimSpace(r.Kind))},
		Text: r.Text, Mode: replies.ParseMode(r.ParseMode), ShowInMenu: r.ShowInMenu,
		Description: r.Description, Groups: r.Groups, Enabled: r.Enabled}
	switch out.Trigger.Kind {
	case replies.TriggerCommand:
		out.Trigger.Command = r.Command
	case replies.TriggerKeyword:
		out.Trigger.Keywords = splitList(r.Keywords)
	}
	if out.Trigger.Kind != replies.TriggerCommand {
		out.ShowInMenu, out.Description = false, ""
	}
	if up := strings.TrimSpace(r.Upload); up != "" && !r.DropUpload {
		if r.Media == "document" {
			out.Document = up
		} else {
			out.Photo = up
		}
	}
	out.Buttons = formButtons(r.Buttons)
	switch r.KeyboardMode {
	case "remove":
		out.Keyboard = replies.KeyboardRemove()
	case "rows":
		var rows [][]string
		for _, line := range strings.Split(strings.ReplaceAll(r.Keyboard, "\r\n", "\n"), "\n") {
			var row []string
			for _, b := range strings.Split(line, "|") {
				if b = strings.TrimSpace(b); b != "" {
					row = append(row, b)
				}
			}
			if len(row) > 0 {
				rows = append(rows, row)
			}
		}
		out.Keyboard = replies.KeyboardRows(rows...)
	}
	if strings.TrimSpace(r.AskProperty) != "" || strings.TrimSpace(r.AskKind) != "" {
		out.Ask = &replies.Ask{Property: r.AskProperty, Kind: replies.AskKind(r.AskKind), Then: r.AskThen, Invalid: r.AskInvalid}
	}
	for _, a := range r.Actions {
		switch a.Op {
		case "tag_add", "tag_remove":
			out.Actions = append(out.Actions, replies.Action{Tag: strings.TrimPrefix(a.Op, "tag_"), Name: a.Name})
		case "set":
			value := json.RawMessage("null")
			if a.Value != "" {
				value, _ = json.Marshal(a.Value)
			}
			out.Actions = append(out.Actions, replies.Action{Set: a.Name, Value: value})
		}
	}
	return out, nil
}

// mergeReply applies a JSON body to base as a merge patch of its top-level
// fields: each field the body names replaces base's whole (an object or a
// list is never merged element by element), null clears it, the others
// stay.
func mergeReply(base replies.Reply, body json.RawMessage) (replies.Reply, error) {
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return base, err
	}
	current, err := json.Marshal(base)
	if err != nil {
		return base, err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(current, &merged); err != nil {
		return base, err
	}
	for k, v := range patch {
		merged[k] = v
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return base, err
	}
	out := replyBody{Reply: replies.NewReply()}
	err = json.Unmarshal(data, &out)
	return out.Reply, err
}

// formButtons groups the editor's button slots into rows, in the order of
// their row numbers; empty slots are skipped.
func formButtons(slots []FormButton) [][]replies.Button {
	var rows [][]replies.Button
	rowOf := map[int]int{}
	for _, s := range slots {
		if strings.TrimSpace(s.Text) == "" && s.URL == "" && s.Reply == "" {
			continue
		}
		b := replies.Button{Text: s.Text}
		if strings.TrimSpace(s.URL) != "" {
			b.URL = strings.TrimSpace(s.URL)
		} else {
			b.Reply = s.Reply
		}
		i, ok := rowOf[s.Row]
		if !ok {
			i = len(rows)
			rowOf[s.Row] = i
			rows = append(rows, nil)
		}
		rows[i] = append(rows[i], b)
	}
	return rows
}

// splitList splits keywords on new lines and commas.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ReplyOrderRequest is POST /api/bots/{id}/replies/order: every reply id in
// the new match order. The list page's up/down buttons send reply and move
// instead.
type ReplyOrderRequest struct {
	unknown string
	IDs     []string `json:"ids" form:"ids" validate:"max=1000"`
	Reply   string   `json:"-" form:"reply"`
	Move    string   `json:"-" form:"move" validate:"omitempty,oneof=up down"`
}

// TryRepliesRequest is POST /api/bots/{id}/replies/try: a message text or
// a button's callbackData, as the user userId (their names fill the
// placeholders; a sample person otherwise). awaiting is the reply whose ask
// waits for an answer (what the previous try returned), so a conversation
// can be followed.
type TryRepliesRequest struct {
	unknown      string
	Text         string `json:"text" form:"text" validate:"max=4096"`
	CallbackData string `json:"callbackData" form:"callbackData" validate:"max=64"`
	UserID       *int64 `json:"userId" form:"userId" validate:"omitempty,min=1"`
	Awaiting     string `json:"awaiting" form:"awaiting" validate:"max=64"`
}

// Normalize drops the trailing new line a textarea may add.
func (r *TryRepliesRequest) Normalize() { r.Text = strings.TrimRight(r.Text, "\r\n") }

// SourcesRequest is GET /api/bots/{id}/sources: the last days days
// (default 30).
type SourcesRequest struct {
	Days *int `json:"days" form:"days" validate:"omitempty,min=1,max=365"`
	Page `form:",inline"`
}

// Since is the start of the window, from now.
func (r SourcesRequest) Since(now time.Time) time.Time {
	days := 30
	if r.Days != nil {
		days = *r.Days
	}
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}

// SourceJSON is one deep-link source with its users.
type SourceJSON struct {
	Source string    `json:"source"`
	Users  int64     `json:"users"`
	LastAt time.Time `json:"lastAt"`
}

// SourcesOf is the API shape of source counts.
func SourcesOf(rows []models.SourceCount) []SourceJSON {
	out := make([]SourceJSON, len(rows))
	for i, s := range rows {
		out[i] = SourceJSON{Source: s.Source, Users: s.Users, LastAt: s.LastAt}
	}
	return out
}

// UploadJSON is an uploaded file.
type UploadJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// UploadOf is the API shape of an upload.
func UploadOf(u *models.Upload) UploadJSON {
	return UploadJSON{ID: u.ID, Name: u.Name, Size: u.Size, ContentType: u.ContentType}
}

// ButtonSlot is the editor slot of the button at row, col of the reply
// Spec builds from slots (-1 when none).
func ButtonSlot(slots []FormButton, row, col int) int {
	rowOf := map[int]int{}
	counts := []int{}
	for i, s := range slots {
		if strings.TrimSpace(s.Text) == "" && s.URL == "" && s.Reply == "" {
			continue
		}
		r, ok := rowOf[s.Row]
		if !ok {
			r = len(counts)
			rowOf[s.Row] = r
			counts = append(counts, 0)
		}
		if r == row && counts[r] == col {
			return i
		}
		counts[r]++
	}
	return -1
}

// ActionSlot is the editor slot of the i-th action of the reply Spec builds
// from slots (-1 when none).
func ActionSlot(slots []FormAction, i int) int {
	n := 0
	for k, a := range slots {
		switch a.Op {
		case "tag_add", "tag_remove", "set":
			if n == i {
				return k
			}
			n++
		}
	}
	return -1
}

// strictJSON decodes data into v and returns the first field v does not
// have ("" when none): the field is ignored by the decode, and the caller
// answers 422 unknown_field.
func strictJSON(data []byte, v any) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return "", nil
	}
	name, ok := unknownField(err)
	if !ok {
		return "", err
	}
	return name, json.Unmarshal(data, v)
}

// UnmarshalJSON notes a field the request does not take.
func (r *ReplyOrderRequest) UnmarshalJSON(data []byte) error {
	type plain ReplyOrderRequest
	var p plain
	unknown, err := strictJSON(data, &p)
	*r = ReplyOrderRequest(p)
	r.unknown = unknown
	return err
}

// Check refuses a field the request does not take.
func (r *ReplyOrderRequest) Check() error {
	if r.unknown != "" {
		return ErrUnknownField(r.unknown)
	}
	return nil
}

// UnmarshalJSON notes a field the request does not take.
func (r *TryRepliesRequest) UnmarshalJSON(data []byte) error {
	type plain TryRepliesRequest
	var p plain
	unknown, err := strictJSON(data, &p)
	*r = TryRepliesRequest(p)
	r.unknown = unknown
	return err
}

// Check refuses a field the request does not take.
func (r *TryRepliesRequest) Check() error {
	if r.unknown != "" {
		return ErrUnknownField(r.unknown)
	}
	return nil
}
