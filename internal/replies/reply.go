package replies

import (
	"bytes"
	"encoding/json"
)

// TriggerKind says what makes a reply answer.
type TriggerKind string

// Trigger kinds.
const (
	TriggerCommand  TriggerKind = "command"  // "/name", with the rest of the text as {args}
	TriggerKeyword  TriggerKind = "keyword"  // one of its words or phrases appears in a message
	TriggerButton   TriggerKind = "button"   // only reached through a button or an ask's "then"
	TriggerFallback TriggerKind = "fallback" // anything nothing else answered
)

// AskKind is the check an ask's answer must pass.
type AskKind string

// Ask kinds.
const (
	AskText   AskKind = "text"   // any non-empty text
	AskNumber AskKind = "number" // stored as a float64
	AskEmail  AskKind = "email"
	AskPhone  AskKind = "phone" // stored as "+" and 7–15 digits; a shared contact also answers
)

// Tag operations of an action.
const (
	TagAdd    = "add"
	TagRemove = "remove"
)

// Reply is one thing the bot says, and what makes it say it. It is stored
// and served as JSON exactly as it marshals. Decode a new reply into
// NewReply() so that an omitted "enabled" means enabled.
type Reply struct {
	ID      string    `json:"id"`
	Trigger Trigger   `json:"trigger"`
	Text    string    `json:"text"`
	Mode    ParseMode `json:"parseMode"`
	// Photo and Document are upload ids; at most one is set, and Text is
	// then the caption.
	Photo    string     `json:"photo,omitempty"`
	Document string     `json:"document,omitempty"`
	Buttons  [][]Button `json:"buttons,omitempty"`
	Keyboard *Keyboard  `json:"keyboard,omitempty"`
	Ask      *Ask       `json:"ask,omitempty"`
	Actions  []Action   `json:"actions,omitempty"`
	// ShowInMenu publishes a command reply in the bot's menu
	// (setMyCommands) with Description.
	ShowInMenu  bool   `json:"showInMenu"`
	Description string `json:"description"`
	// Groups lets the reply answer in groups; private chats always get it.
	Groups  bool `json:"groups"`
	Enabled bool `json:"enabled"`
}

// NewReply is the zero reply a request body is decoded into: enabled
// unless the body says otherwise.
func NewReply() Reply { return Reply{Enabled: true} }

// Trigger is what makes a reply answer: Command for TriggerCommand (the name
// without "/"), Keywords for TriggerKeyword, nothing else for the others.
type Trigger struct {
	Kind     TriggerKind `json:"kind"`
	Command  string      `json:"command,omitempty"`
	Keywords []string    `json:"keywords,omitempty"`
}

// Button is an inline button: it opens URL, or it sends the reply whose id
// is Reply. Validate refuses a button with both or neither.
type Button struct {
	Text  string `json:"text"`
	URL   string `json:"url,omitempty"`
	Reply string `json:"reply,omitempty"`
}

// Keyboard is a reply keyboard: rows of button texts (pressing one sends its
// text as a message), or Remove to take the current keyboard away. In JSON
// it is [["a","b"],["c"]] or the string "remove".
type Keyboard struct {
	Rows   [][]string
	Remove bool
	// other is a string that is not "remove", kept so that Validate can
	// say what is wrong with it rather than the decoder failing the whole
	// body.
	other *string
}

// KeyboardRemove is the keyboard that removes the current one.
func KeyboardRemove() *Keyboard { return &Keyboard{Remove: true} }

// KeyboardRows is a keyboard of these rows.
func KeyboardRows(rows ...[]string) *Keyboard { return &Keyboard{Rows: rows} }

const removeKeyword = "remove"

// MarshalJSON writes the rows, or "remove".
func (k Keyboard) MarshalJSON() ([]byte, error) {
	switch {
	case k.other != nil:
		return json.Marshal(*k.other)
	case k.Remove:
		return json.Marshal(removeKeyword)
	case k.Rows == nil:
		return []byte("[]"), nil
	}
	return json.Marshal(k.Rows)
}

// UnmarshalJSON reads rows of texts or a string; a string other than
// "remove" is kept for Validate to refuse.
func (k *Keyboard) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	*k = Keyboard{}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		if s == removeKeyword {
			k.Remove = true
		} else {
			k.other = &s
		}
		return nil
	}
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	return json.Unmarshal(data, &k.Rows)
}

// Ask waits for the user's next message, checks it as Kind, stores it as the
// user property Property and continues with the reply Then. Invalid is sent
// (as plain text) when the answer fails the check.
type Ask struct {
	Property string  `json:"property"`
	Kind     AskKind `json:"kind"`
	Then     string  `json:"then,omitempty"`
	Invalid  string  `json:"invalid,omitempty"`
}

// Action changes the user's record when the reply is sent: either a tag
// action {tag: "add"|"remove", name} or a set action {set: property, value}.
// Value is JSON: text (placeholders are filled in), a number, true/false,
// or null to remove the property. Validate refuses mixed and empty shapes.
type Action struct {
	Tag   string          `json:"tag,omitempty"`
	Name  string          `json:"name,omitempty"`
	Set   string          `json:"set,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// IsTag reports whether the action has any part of the tag shape.
func (a Action) IsTag() bool { return a.Tag != "" || a.Name != "" }

// IsSet reports whether the action has any part of the set shape.
func (a Action) IsSet() bool { return a.Set != "" || a.Value != nil }

// Decoded is the set action's value as Go: string, float64, bool or nil.
func (a Action) Decoded() any {
	var v any
	if len(a.Value) == 0 || json.Unmarshal(a.Value, &v) != nil {
		return nil
	}
	return v
}

// ParseMode is "" (plain text), "HTML" or "MarkdownV2"; plain text is null
// in JSON.
type ParseMode string

// Parse modes.
const (
	ModePlain      ParseMode = ""
	ModeHTML       ParseMode = "HTML"
	ModeMarkdownV2 ParseMode = "MarkdownV2"
)

// MarshalJSON writes null for plain text.
func (m ParseMode) MarshalJSON() ([]byte, error) {
	if m == ModePlain {
		return []byte("null"), nil
	}
	return json.Marshal(string(m))
}

// UnmarshalJSON reads a string, or null for plain text.
func (m *ParseMode) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*m = ModePlain
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*m = ParseMode(s)
	return nil
}
