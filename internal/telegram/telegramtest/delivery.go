package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"syscall"
	"time"

	"github.com/mymmrac/telego"
)

// PushResult tells what became of a pushed update.
type PushResult struct {
	UpdateID int             `json:"updateId"`
	Kind     string          `json:"kind"`
	Update   json.RawMessage `json:"update,omitempty"`
	// Dropped: the type is not in the bot's allowed_updates, so, as on
	// Telegram, the update was never created.
	Dropped bool `json:"dropped"`
	// Queued: the update is pending, waiting for getUpdates or, after a
	// failed webhook delivery, for Redeliver.
	Queued bool `json:"queued"`
	// Delivered: the webhook answered 2xx.
	Delivered bool `json:"delivered"`
	// StatusCode is the webhook's answer (0 without a webhook or an answer).
	StatusCode int `json:"statusCode,omitempty"`
	// Error is why delivery failed, as recorded in last_error_message.
	Error string `json:"error,omitempty"`
}

// defaultExcluded are the types an empty allowed_updates leaves out.
var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

// Push gives the bot an update. update_id (per bot, increasing) and zero
// message_ids (per chat) are filled in. The fake's own state follows the
// update: a kicked my_chat_member in a private chat marks the bot blocked, a
// chat_member update changes membership, a chat_join_request becomes a
// pending request approveChatJoinRequest can act on.
//
// With a webhook set, Push POSTs pending updates in order and reports the
// webhook's answer; a non-2xx answer keeps the update pending (see
// Redeliver). Without one, the update waits for getUpdates.
func (s *Server) Push(token string, u telego.Update) (PushResult, error) {
	s.mu.Lock()
	b, ok := s.w.botsByToken[token]
	s.mu.Unlock()
	if !ok {
		return PushResult{}, ErrUnknownBot
	}
	return s.pushUpdate(b, u)
}

// pushUpdate is Push for a bot already looked up, e.g. by a method handler
// that emits an update after answering.
func (s *Server) pushUpdate(b *botState, u telego.Update) (PushResult, error) {
	s.mu.Lock()
	s.fillMessageIDsLocked(&u)
	raw, err := json.Marshal(u)
	if err != nil {
		s.mu.Unlock()
		return PushResult{}, fmt.Errorf("telegramtest: marshal update: %w", err)
	}
	s.mu.Unlock()
	return s.pushRaw(b, raw)
}

// PushJSON gives the bot an update written as JSON, e.g. with fields newer
// than telego knows. A missing or zero update_id is assigned.
func (s *Server) PushJSON(token string, update []byte) (PushResult, error) {
	s.mu.Lock()
	b, ok := s.w.botsByToken[token]
	s.mu.Unlock()
	if !ok {
		return PushResult{}, ErrUnknownBot
	}
	return s.pushRaw(b, update)
}

func (s *Server) pushRaw(b *botState, update []byte) (PushResult, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(update, &fields); err != nil {
		return PushResult{}, fmt.Errorf("telegramtest: update is not a JSON object: %w", err)
	}
	kind := updateKind(fields)
	if kind == "" {
		return PushResult{}, errors.New("telegramtest: update has no content")
	}
	var typed telego.Update
	_ = json.Unmarshal(update, &typed) // best effort: only feeds the state effects

	s.mu.Lock()
	s.applyEffectsLocked(b, &typed)
	if !allowedLocked(b, kind) {
		s.mu.Unlock()
		return PushResult{Kind: kind, Update: update, Dropped: true}, nil
	}
	var id int
	if json.Unmarshal(fields["update_id"], &id) != nil || id <= 0 {
		id = b.lastUpdateID + 1
	}
	b.lastUpdateID = max(b.lastUpdateID, id)
	fields["update_id"], _ = json.Marshal(id)
	raw, err := json.Marshal(fields)
	if err != nil {
		s.mu.Unlock()
		return PushResult{}, err
	}
	b.queue = append(b.queue, queuedUpdate{ID: id, Kind: kind, Raw: raw})
	b.notify()
	hooked := b.webhook.URL != ""
	s.mu.Unlock()

	res := PushResult{UpdateID: id, Kind: kind, Update: raw, Queued: true}
	if !hooked {
		return res, nil
	}
	results, failed := s.deliverPending(b)
	if r, ok := results[id]; ok {
		return r, nil
	}
	if failed != nil {
		// An earlier update is stuck; this one waits behind it, as on Telegram.
		res.StatusCode, res.Error = failed.StatusCode, failed.Error
	}
	return res, nil
}

// Redeliver retries the bot's pending updates against its webhook, in
// order, stopping at the first failure. It returns one result per attempt.
func (s *Server) Redeliver(token string) ([]PushResult, error) {
	s.mu.Lock()
	b, ok := s.w.botsByToken[token]
	s.mu.Unlock()
	if !ok {
		return nil, ErrUnknownBot
	}
	results, _ := s.deliverPending(b)
	out := make([]PushResult, 0, len(results))
	for _, r := range results {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UpdateID < out[j].UpdateID })
	return out, nil
}

// deliverPending POSTs pending updates to the webhook one at a time, in
// order, until the queue is empty or a delivery fails. Server.mu is not held
// during the POST: the app's webhook handler may well call back into the fake.
func (s *Server) deliverPending(b *botState) (map[int]PushResult, *PushResult) {
	b.deliverMu.Lock()
	defer b.deliverMu.Unlock()
	results := map[int]PushResult{}
	for {
		s.mu.Lock()
		if b.webhook.URL == "" || len(b.queue) == 0 || s.isClosed() {
			s.mu.Unlock()
			return results, nil
		}
		q := b.queue[0]
		hookURL, secret := b.webhook.URL, b.webhook.Secret
		s.mu.Unlock()

		status, failure := s.postWebhook(hookURL, secret, q.Raw)

		s.mu.Lock()
		r := PushResult{UpdateID: q.ID, Kind: q.Kind, Update: q.Raw, StatusCode: status}
		if failure == "" {
			r.Delivered = true
			b.queue = slices.DeleteFunc(b.queue, func(x queuedUpdate) bool { return x.ID == q.ID })
			results[q.ID] = r
			s.mu.Unlock()
			continue
		}
		b.webhook.LastErrorDate = time.Now().Unix()
		b.webhook.LastErrorMessage = failure
		r.Queued, r.Error = true, failure
		results[q.ID] = r
		s.mu.Unlock()
		return results, &r
	}
}

// postWebhook delivers one update and describes a failure the way
// getWebhookInfo's last_error_message does.
func (s *Server) postWebhook(hookURL, secret string, body []byte) (status int, failure string) {
	req, err := http.NewRequest(http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return 0, "Failed to resolve host: Name or service not known"
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.hooks.Do(req)
	if err != nil {
		var netErr interface{ Timeout() bool }
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return 0, "Connection refused"
		case errors.As(err, &netErr) && netErr.Timeout():
			return 0, "Read timeout expired"
		default:
			return 0, "Connection reset by peer"
		}
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Sprintf("Wrong response from the webhook: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, ""
}

// updateKind is the update's type: its one field besides update_id.
func updateKind(fields map[string]json.RawMessage) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != "update_id" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return keys[0]
}

func allowedLocked(b *botState, kind string) bool {
	if len(b.allowed) == 0 {
		return !defaultExcluded[kind]
	}
	return slices.Contains(b.allowed, kind)
}

// fillMessageIDsLocked numbers messages that came from builders, per chat.
func (s *Server) fillMessageIDsLocked(u *telego.Update) {
	for _, m := range []*telego.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m != nil && m.MessageID == 0 {
			m.MessageID = s.nextMessageIDLocked(m.Chat.ID)
		}
	}
	if q := u.CallbackQuery; q != nil && q.Message != nil {
		if m := q.Message.Message(); m != nil && m.MessageID == 0 {
			m.MessageID = s.nextMessageIDLocked(m.Chat.ID)
		}
	}
}

func (s *Server) nextMessageIDLocked(chatID int64) int {
	s.w.messageSeq[chatID]++
	return s.w.messageSeq[chatID]
}
