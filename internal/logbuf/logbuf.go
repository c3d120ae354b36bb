// Package logbuf batches a server's log output into few writes.
//
// With the access log on (the default, level info), every request wrote its
// line with a write system call of its own. To a file that is cheap; to a
// pipe — a terminal, a container's log driver, journald, where a server's
// stderr usually goes — it was a quarter of a trivial request's CPU: GET
// /healthz with stderr piped took 41–43 µs of CPU per request, 31–33 µs with
// this Writer (docs/BENCHMARKS.md). A Writer keeps lines in memory and
// writes them together every Interval, or as soon as MaxBuffered bytes
// wait, so a busy server makes a few writes per Interval however many
// requests it serves. Lines reach the output at most Interval late; Close
// writes what waits, so nothing is lost when the server stops (a crash of
// the process loses at most the last Interval).
package logbuf

import (
	"io"
	"sync"
	"time"
)

// Interval is how long a line may wait; MaxBuffered how many bytes wait at most.
const (
	Interval    = 100 * time.Millisecond
	MaxBuffered = 64 << 10
)

// Writer buffers writes to an underlying writer. It is safe for
// concurrent use.
type Writer struct {
	mu      sync.Mutex
	out     io.Writer
	buf     []byte
	err     error // the last write's error, reported by the next Write
	closed  bool  // after Close, writes go straight out
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// New returns a Writer flushing to out every Interval until Close.
func New(out io.Writer) *Writer {
	w := &Writer{out: out, stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w
}

func (w *Writer) loop() {
	defer close(w.stopped)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.Flush()
		case <-w.stop:
			return
		}
	}
}

// Write keeps p (one log line, as slog writes them) until the next flush.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.err; err != nil {
		w.err = nil
		return 0, err
	}
	if w.closed || len(w.buf)+len(p) > MaxBuffered {
		w.flushLocked()
		if w.closed || len(p) > MaxBuffered {
			return w.out.Write(p)
		}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush writes what waits.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	return w.err
}

func (w *Writer) flushLocked() {
	if len(w.buf) == 0 {
		return
	}
	if _, err := w.out.Write(w.buf); err != nil {
		w.err = err
	}
	w.buf = w.buf[:0]
}

// Close stops the periodic flush and writes what waits; later writes go
// straight to the output.
func (w *Writer) Close() error {
	w.once.Do(func() {
		close(w.stop)
		<-w.stopped
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.flushLocked()
	return w.err
}
