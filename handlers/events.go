package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

// streamWriteWindow is how long one frame may take to reach the client.
// The server's WriteTimeout bounds a whole response and a stream lives for
// hours, so the deadline moves forward with every write: a client that
// stops reading is still cut off.
const streamWriteWindow = 30 * time.Second

// streamRetry is the reconnection delay the browser is told to use.
const streamRetry = 2 * time.Second

// Errors of the events stream.
var (
	errTooManyStreams = &apperr.Error{Kind: apperr.KindRateLimited, Code: "too_many_streams", RetryAfter: 10 * time.Second,
		Message: "Too many event streams are open for this account: close some tabs (or streams) and try again."}
	errBadLastEventID = &web.RequestError{Status: http.StatusBadRequest, Code: "invalid_last_event_id",
		Message: "Last-Event-ID is not an id this stream sent. Reconnect without it.",
		Fields:  apperr.FieldErrors{"Last-Event-ID": "is not an id this stream sent"}}
)

// eventsRequest narrows a stream. Last-Event-ID normally comes as the
// header EventSource sends; lastEventId is for clients that cannot set
// headers.
type eventsRequest struct {
	Bot     string   `form:"bot" validate:"omitempty,max=64"`
	Kind    []string `form:"kind" validate:"max=10,dive,oneof=message conversation notification broadcast bot users relay"`
	Subject string   `form:"subject" validate:"omitempty,max=128"`
	// Notifications adds the caller's own notifications to what the
	// fields above select (events.Filter.Notifications).
	Notifications bool   `form:"notifications"`
	LastEventID   string `form:"lastEventId" validate:"omitempty,max=4096"`
}

var eventsParams = map[string]bool{"bot": true, "kind": true, "subject": true, "notifications": true, "lastEventId": true}

// Events serves GET /api/events: the caller's live events as
// server-sent events.
type Events struct {
	respond *web.Responder
	bind    *web.Binder
	bus     *events.Bus
	bots    *core.Bots
	members *core.Workspaces
	slots   *streamSlots
}

// NewEvents returns the events stream handler.
func NewEvents(d Deps) *Events {
	return &Events{respond: d.Respond, bind: d.Bind, bus: d.Events, bots: d.Bots, members: d.Workspaces,
		slots: &streamSlots{max: d.Events.Config().MaxStreams, open: map[string]int{}}}
}

// Stream sends the caller's events as they happen: first, after a
// reconnect, what the client missed since Last-Event-ID; then each event
// with the id to resume from, and a comment when idle so proxies keep the
// connection. It ends when the client goes away or the server shuts down.
func (h *Events) Stream(w http.ResponseWriter, r *http.Request) {
	user := web.UserOf(r)
	if err := unknownParams(r.URL.Query(), eventsParams); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in eventsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var from *events.Cursor
	if id := r.Header.Get("Last-Event-ID"); id != "" || in.LastEventID != "" {
		if id == "" {
			id = in.LastEventID
		}
		c, err := events.ParseCursor(id)
		if err != nil {
			h.respond.Fail(w, r, errBadLastEventID)
			return
		}
		from = &c
	}
	if in.Bot != "" {
		// Another account's bot is a 404, like an unknown one.
		if _, err := h.bots.Get(r.Context(), web.OwnerOf(r), in.Bot); err != nil {
			h.respond.Fail(w, r, err)
			return
		}
	}
	if !h.slots.take(user.ID) {
		h.respond.Fail(w, r, errTooManyStreams)
		return
	}

	f := events.Filter{BotID: in.Bot, Subject: in.Subject, Member: user.ID, Notifications: in.Notifications}
	for _, k := range in.Kind {
		f.Kinds = append(f.Kinds, events.Kind(k))
	}
	sub, err := h.bus.Subscribe(r.Context(), web.OwnerOf(r), from, f)
	if err != nil {
		h.slots.give(user.ID)
		if errors.Is(err, events.ErrClosed) {
			shuttingDown(w)
			return
		}
		h.respond.Fail(w, r, err)
		return
	}
	defer func() {
		h.slots.give(user.ID) // first: once the subscription is gone, its place is free
		sub.Close()
	}()

	// Headers before the first byte: a compressing or buffering layer
	// (ours, or a proxy honouring X-Accel-Buffering) must let it through as
	// it is written.
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)

	buf := events.AppendRetry(nil, streamRetry)
	switch {
	case sub.Reset:
		buf = events.AppendReset(buf, sub.Start, models.Now())
	default:
		buf = events.AppendDelivery(buf, sub.Replay, sub.Start)
	}
	if !send(rc, w, buf) {
		return
	}
	keepAlive := time.NewTicker(h.bus.Config().KeepAlive)
	defer keepAlive.Stop()
	// A member removed from the workspace stops getting its events: the
	// membership is checked again at most every memberRecheck, before
	// anything more is sent (the reconnect is then refused).
	ws, checked := web.OwnerOf(r), time.Now()
	stillMember := func() bool {
		if h.members == nil || time.Since(checked) < memberRecheck {
			return true
		}
		checked = time.Now()
		role, err := h.members.Role(r.Context(), ws, user.ID)
		return err == nil && web.Can(role, web.PermRead)
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case d, ok := <-sub.C():
			if !ok || !stillMember() {
				return // shutdown, or this client fell behind: it reconnects and replays
			}
			buf = events.AppendDelivery(buf[:0], d.Events, d.Cursor)
			if !send(rc, w, buf) {
				return
			}
			keepAlive.Reset(h.bus.Config().KeepAlive)
		case <-keepAlive.C:
			if !stillMember() || !send(rc, w, events.KeepAlive) {
				return
			}
		}
	}
}

// memberRecheck is how often an open stream checks that its member still
// belongs to the workspace.
const memberRecheck = 5 * time.Second

// send writes one frame and flushes it, with a fresh write deadline.
func send(rc *http.ResponseController, w http.ResponseWriter, frame []byte) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
	if _, err := w.Write(frame); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// shuttingDown answers a stream asked for while this instance stops: 503,
// so the client retries (on another instance behind a load balancer).
func shuttingDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Retry-After", "2")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"ok":false,"error":{"code":"shutting_down","message":"This Botdeck instance is shutting down; reconnect in a moment."}}`))
}

// streamSlots caps the streams one account has open on this instance.
type streamSlots struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (s *streamSlots) take(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[userID] >= s.max {
		return false
	}
	s.open[userID]++
	return true
}

func (s *streamSlots) give(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[userID]--; s.open[userID] <= 0 {
		delete(s.open, userID)
	}
}

// unknownParams refuses query parameters a route does not know (422
// naming them), so a misspelt filter is not silently ignored.
func unknownParams(q url.Values, known map[string]bool) error {
	var names []string
	for name := range q {
		if !known[name] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	fields := apperr.FieldErrors{}
	for _, n := range names {
		fields[n] = "is not a known parameter"
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "unknown_field", Message: "Unknown query parameter: " + names[0] + ".", Fields: fields}
}
