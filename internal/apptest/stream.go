package apptest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Stream is an open server-sent events response, read as a browser's
// EventSource would.
type Stream struct {
	resp   *http.Response
	cancel context.CancelFunc
	frames chan Frame
	done   chan struct{}
	err    error // why reading stopped: nil at a clean end of the stream

	LastEventID string // as EventSource keeps it: the last id received
}

// Frame is one block of a stream (up to a blank line).
type Frame struct {
	Event   string // the event field ("" for a comment or an id-only frame)
	Data    string
	ID      string // the id field, when the frame had one
	HasID   bool
	Retry   string
	Comment string // a comment line (": keep-alive")
}

// StreamEvent is the JSON of an event's data line.
type StreamEvent struct {
	ID      int64           `json:"id"`
	Kind    string          `json:"kind"`
	BotID   string          `json:"botId"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
	At      time.Time       `json:"at"`
}

// JSON decodes the frame's data.
func (f Frame) JSON(t testing.TB) StreamEvent {
	t.Helper()
	var e StreamEvent
	if err := json.Unmarshal([]byte(f.Data), &e); err != nil {
		t.Fatalf("event data is not JSON: %v\n%s", err, f.Data)
	}
	return e
}

// Stream opens path as an event stream (status 200 and text/event-stream
// required) and reads it in the background until the test ends or Close.
func (c *Client) Stream(t testing.TB, path string, headers ...string) *Stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.env.URL(path), nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for k, vs := range c.headers {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: status %d (%s), want an event stream\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), truncate(body, 2000))
	}
	c.env.spec.checkStream(t, req, resp)
	s := &Stream{resp: resp, cancel: cancel, frames: make(chan Frame, 1024), done: make(chan struct{})}
	go s.read(ctx)
	t.Cleanup(s.Close)
	return s
}

func (s *Stream) read(ctx context.Context) {
	defer close(s.done)
	defer close(s.frames)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var f Frame
	empty := true
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if !empty {
				select {
				case s.frames <- f:
				case <-ctx.Done():
					return
				}
			}
			f, empty = Frame{}, true
			continue
		}
		empty = false
		if rest, ok := strings.CutPrefix(line, ":"); ok {
			f.Comment = strings.TrimSpace(rest)
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			f.Event = value
		case "data":
			if f.Data != "" {
				f.Data += "\n"
			}
			f.Data += value
		case "id":
			f.ID, f.HasID = value, true
		case "retry":
			f.Retry = value
		}
	}
	s.err = sc.Err()
}

// Next returns the next frame of any kind, waiting generously; it fails
// the test if the stream ends first.
func (s *Stream) Next(t testing.TB) Frame {
	t.Helper()
	select {
	case f, ok := <-s.frames:
		if !ok {
			t.Fatalf("the stream ended (%v) while a frame was expected", s.err)
		}
		if f.HasID {
			s.LastEventID = f.ID
		}
		return f
	case <-time.After(20 * time.Second):
		t.Fatal("no frame on the stream within 20 s")
	}
	return Frame{}
}

// NextEvent skips comments and id-only frames and returns the next event,
// failing the test when none comes within 20 s (keep-alives do not count).
func (s *Stream) NextEvent(t testing.TB) Frame {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if f := s.Next(t); f.Event != "" {
			return f
		}
	}
	t.Fatal("no event on the stream within 20 s")
	return Frame{}
}

// Ended waits for the server to end the stream and returns how it ended:
// nil when the body ended cleanly.
func (s *Stream) Ended(t testing.TB) error {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				<-s.done
				return s.err
			}
			if f.HasID {
				s.LastEventID = f.ID
			}
		case <-deadline:
			t.Fatal("the stream did not end within 20 s")
			return errors.New("not ended")
		}
	}
}

// Header is the response's header.
func (s *Stream) Header() http.Header { return s.resp.Header }

// Close disconnects, as a browser closing the tab.
func (s *Stream) Close() {
	s.cancel()
	s.resp.Body.Close()
	<-s.done
}
