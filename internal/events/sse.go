package events

import (
	"encoding/json"
	"strconv"
	"time"
)

// The text/event-stream encoding. Each event is one frame:
//
//	event: broadcast
//	data: {"id":57,"kind":"broadcast","botId":"bot_…","subject":"bc_…","data":{…},"at":"…"}
//
// and the last frame of a delivery carries the cursor as its id, which the
// browser sends back as Last-Event-ID when it reconnects.

// wireEvent is the JSON of an event on a stream.
type wireEvent struct {
	ID      int64           `json:"id"`
	Kind    Kind            `json:"kind"`
	BotID   string          `json:"botId,omitempty"`
	Subject string          `json:"subject,omitempty"`
	Data    json.RawMessage `json:"data"`
	At      time.Time       `json:"at"`
}

// encodeFrame is e's frame without an id line; its data has no newline
// (Publish compacted it).
func encodeFrame(e *Event) []byte {
	js, err := json.Marshal(wireEvent{ID: e.ID, Kind: e.Kind, BotID: e.BotID, Subject: e.Subject, Data: e.Data, At: e.At.UTC()})
	if err != nil {
		// Data was checked when published; a row edited by hand is not.
		js, _ = json.Marshal(wireEvent{ID: e.ID, Kind: e.Kind, BotID: e.BotID, Subject: e.Subject, Data: json.RawMessage("{}"), At: e.At.UTC()})
	}
	buf := make([]byte, 0, len(js)+len(e.Kind)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, e.Kind...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, js...)
	return append(buf, '\n')
}

// AppendDelivery appends the frames of events and, after the last, the
// cursor as its id. With no events it appends an id-only frame, which
// moves the browser's Last-Event-ID without firing anything.
func AppendDelivery(dst []byte, evs []Event, c Cursor) []byte {
	for i := range evs {
		e := &evs[i]
		if e.frame == nil {
			e.frame = encodeFrame(e)
		}
		dst = append(dst, e.frame...)
		if i < len(evs)-1 {
			dst = append(dst, '\n')
		}
	}
	dst = append(dst, "id: "...)
	dst = append(dst, c.String()...)
	return append(dst, "\n\n"...)
}

// AppendReset appends the KindReset event and the cursor to resume from.
func AppendReset(dst []byte, c Cursor, at time.Time) []byte {
	e := Event{Kind: KindReset, Data: json.RawMessage(`{"reason":"Too much happened while this stream was away: reload what you show."}`), At: at}
	return AppendDelivery(dst, []Event{e}, c)
}

// AppendRetry tells the browser how long to wait before reconnecting.
func AppendRetry(dst []byte, d time.Duration) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
	return append(dst, "\n\n"...)
}

// KeepAlive is a comment line: it keeps proxies and the browser from
// closing an idle stream, and shows nothing.
var KeepAlive = []byte(": keep-alive\n\n")
