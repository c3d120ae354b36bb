// Package ingest is Botdeck's update pipeline. Two sources feed it — the
// webhook receiver (POST /tg/{botId}) and long polling — and both call
// Receive, which stores the raw update durably and idempotently. Processing
// (users, daily counters, chats, hooks such as campaigns) happens after the
// store, in batches, each update claimed exactly once.
package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mymmrac/telego"
)

// Update is a decoded Telegram update. Kind is the name of the update's
// payload field ("message", "chat_member", …), including types this version
// of Botdeck does not know: those are stored and counted, never an error.
type Update struct {
	ID   int64
	Kind string
	T    telego.Update // the known fields; zero for unknown kinds
	Raw  []byte
	// Malformed is why a known kind could not be read (Kind is then
	// "malformed_<kind>"); empty otherwise.
	Malformed string
}

// MaxUpdateBytes bounds one update. Telegram's largest updates (a long
// message with entities, a big reply markup) are far below this.
const MaxUpdateBytes = 1 << 20

// ErrNotAnUpdate is returned for input that is not a Telegram update.
var ErrNotAnUpdate = errors.New("not a Telegram update")

// Peek reads only what storing an update needs: its id and kind. It never
// panics, whatever the input (fuzzed).
func Peek(raw []byte) (id int64, kind string, err error) {
	if len(raw) > MaxUpdateBytes {
		return 0, "", fmt.Errorf("%w: %d bytes is too large", ErrNotAnUpdate, len(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return 0, "", fmt.Errorf("%w: %v", ErrNotAnUpdate, err)
	}
	idRaw, ok := fields["update_id"]
	if !ok {
		return 0, "", fmt.Errorf("%w: no update_id", ErrNotAnUpdate)
	}
	if err := json.Unmarshal(idRaw, &id); err != nil || id < 0 {
		return 0, "", fmt.Errorf("%w: update_id must be a non-negative integer", ErrNotAnUpdate)
	}
	return id, kindOf(fields), nil
}

// Decode parses one update. It never panics, whatever the input (fuzzed).
func Decode(raw []byte) (*Update, error) {
	if len(raw) > MaxUpdateBytes {
		return nil, fmt.Errorf("%w: %d bytes is too large", ErrNotAnUpdate, len(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAnUpdate, err)
	}
	idRaw, ok := fields["update_id"]
	if !ok {
		return nil, fmt.Errorf("%w: no update_id", ErrNotAnUpdate)
	}
	var id int64
	if err := json.Unmarshal(idRaw, &id); err != nil || id < 0 {
		return nil, fmt.Errorf("%w: update_id must be a non-negative integer", ErrNotAnUpdate)
	}
	u := &Update{ID: id, Kind: kindOf(fields), Raw: raw}
	if knownKinds[u.Kind] {
		// A known kind whose payload does not match the Bot API types (a
		// field of the wrong type) is still an update: keep it as unknown
		// content rather than losing it.
		if err := json.Unmarshal(raw, &u.T); err != nil {
			u.T = telego.Update{UpdateID: int(id)}
			u.Kind = "malformed_" + u.Kind
			u.Malformed = err.Error()
		}
	}
	return u, nil
}

// kindOf names the payload field. An update has exactly one besides
// update_id; with none it is "empty", with several the first known wins.
func kindOf(fields map[string]json.RawMessage) string {
	var unknown string
	for k, v := range fields {
		if k == "update_id" || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		if knownKinds[k] {
			return k
		}
		if unknown == "" || k < unknown {
			unknown = k // deterministic choice among unknown fields
		}
	}
	if unknown == "" {
		return "empty"
	}
	if len(unknown) > 64 {
		unknown = unknown[:64]
	}
	return unknown
}

// knownKinds are the update types of Bot API 9.x that telego decodes.
var knownKinds = map[string]bool{
	"message": true, "edited_message": true, "channel_post": true, "edited_channel_post": true,
	"business_connection": true, "business_message": true, "edited_business_message": true,
	"deleted_business_messages": true, "message_reaction": true, "message_reaction_count": true,
	"inline_query": true, "chosen_inline_result": true, "callback_query": true, "shipping_query": true,
	"pre_checkout_query": true, "purchased_paid_media": true, "poll": true, "poll_answer": true,
	"my_chat_member": true, "chat_member": true, "chat_join_request": true, "chat_boost": true,
	"removed_chat_boost": true,
}

// Date is when Telegram says the update happened, or zero when the update
// carries no date (polls, inline queries…).
func (u *Update) Date() time.Time {
	t := u.T
	var unix int64
	switch {
	case t.Message != nil:
		unix = t.Message.Date
	case t.EditedMessage != nil:
		unix = firstNonZero(t.EditedMessage.EditDate, t.EditedMessage.Date)
	case t.ChannelPost != nil:
		unix = t.ChannelPost.Date
	case t.EditedChannelPost != nil:
		unix = firstNonZero(t.EditedChannelPost.EditDate, t.EditedChannelPost.Date)
	case t.MyChatMember != nil:
		unix = t.MyChatMember.Date
	case t.ChatMember != nil:
		unix = t.ChatMember.Date
	case t.ChatJoinRequest != nil:
		unix = t.ChatJoinRequest.Date
	case t.CallbackQuery != nil && t.CallbackQuery.Message != nil:
		// A button press has no date of its own; "now" is better than the
		// date of the (possibly old) message the button sits on.
		return time.Time{}
	}
	if unix <= 0 {
		return time.Time{}
	}
	return time.Unix(unix, 0).UTC()
}

func firstNonZero(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}
