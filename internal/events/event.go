package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Kind says what an event is about. It is the SSE event name, so a page
// reacts to one with hx-trigger="sse:broadcast" (or sse-swap).
type Kind string

// The kinds of events. Add new ones here (and to the OpenAPI document).
const (
	KindMessage      Kind = "message"      // a message of a conversation, in or out
	KindConversation Kind = "conversation" // a conversation's unread count or status changed
	KindNotification Kind = "notification" // a new in-app notification
	KindBroadcast    Kind = "broadcast"    // a broadcast's status or counts changed
	KindBot          Kind = "bot"          // a bot's status changed
	KindUsers        Kind = "users"        // people joined a bot's audience
	KindRelay        Kind = "relay"        // a bot's relay delivered, failed or was changed

	// KindReset is never published: a stream sends it when it cannot
	// replay what a reconnecting client missed (too old, or too much). The
	// client must reload what it shows.
	KindReset Kind = "reset"
)

// Kinds lists the kinds that are published, in documentation order.
func Kinds() []Kind {
	return []Kind{KindMessage, KindConversation, KindNotification, KindBroadcast, KindBot, KindUsers, KindRelay}
}

// MaxDataBytes bounds an event's data: events say what changed, pages
// fetch the details. It also keeps each row and SSE frame small.
const MaxDataBytes = 4 << 10

// Event is one thing that happened, for the clients of one scope.
type Event struct {
	ID int64 // set when published: increasing, never reused
	// Scope is who may see the event: the id of the account that owns what
	// changed (a workspace id once bots belong to workspaces). A stream
	// only ever gets its own scope's events.
	Scope   string
	BotID   string          // the bot concerned, if any
	Kind    Kind            // what happened
	Subject string          // the object concerned (a broadcast id, a Telegram user id…), for filtering
	Data    json.RawMessage // a small JSON object: what changed
	At      time.Time       // set when published

	frame []byte // the SSE frame, encoded once for every stream that sends it
}

// validate checks an event before it is stored, and compacts its data so
// it fits on one SSE data line.
func (e *Event) validate() error {
	switch {
	case e.Scope == "":
		return errors.New("events: an event needs a scope")
	case !slices.Contains(Kinds(), e.Kind):
		return fmt.Errorf("events: unknown kind %q", e.Kind)
	case len(e.BotID) > 64 || len(e.Subject) > 128:
		return errors.New("events: bot id or subject too long")
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, e.Data); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return fmt.Errorf("events: data of a %s event must be a JSON object", e.Kind)
	}
	if buf.Len() > MaxDataBytes {
		return fmt.Errorf("events: data of a %s event is %d bytes, more than %d", e.Kind, buf.Len(), MaxDataBytes)
	}
	e.Data = buf.Bytes()
	return nil
}

// Filter narrows a subscription. Zero fields match everything.
type Filter struct {
	BotID   string
	Kinds   []Kind
	Subject string
	// Member, when set, is the user the stream belongs to: notification
	// events (whose subject is the member they are for) reach only them,
	// never the other members of the workspace.
	Member string
	// Notifications adds the member's own notifications to what the fields
	// above select, so that one stream serves a page's live parts and its
	// notification bell (a browser allows six connections per host over
	// HTTP/1.1: two streams per tab ran out at the third tab).
	Notifications bool
}

func (f Filter) match(e *Event) bool {
	if e.Kind == KindNotification && f.Member != "" {
		if e.Subject != f.Member {
			return false
		}
		if f.Notifications {
			return true
		}
	}
	return (f.BotID == "" || f.BotID == e.BotID) &&
		(len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind)) &&
		(f.Subject == "" || f.Subject == e.Subject)
}

// marshal encodes v, a struct of plain fields (strings, numbers, bools),
// which json.Marshal cannot fail on.
func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("events: " + err.Error()) // a programming error in a data type of this package
	}
	return b
}
