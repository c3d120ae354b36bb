package logbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an output that tells how many writes reached it.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) state() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLinesArriveTogetherWithinTheInterval(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	defer w.Close()
	for i := 0; i < 100; i++ {
		w.Write([]byte("line\n"))
	}
	deadline := time.Now().Add(30 * time.Second) // generous: the machine may be loaded
	for {
		got, writes := out.state()
		if strings.Count(got, "line\n") == 100 {
			if writes > 5 {
				t.Fatalf("100 lines took %d writes", writes)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lines never arrived: %q", got)
		}
		time.Sleep(Interval / 4)
	}
}

func TestAFullBufferIsWrittenAtOnceAndCloseWritesTheRest(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for i := 0; i < MaxBuffered/len(line)+1; i++ {
		w.Write(line)
	}
	if got, _ := out.state(); len(got) < MaxBuffered-len(line) {
		t.Fatalf("a full buffer waited: %d bytes out", len(got))
	}
	w.Write([]byte("last\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.state(); !strings.HasSuffix(got, "last\n") {
		t.Fatal("Close did not write what waited")
	}
	w.Write([]byte("after\n")) // after Close, straight out
	if got, _ := out.state(); !strings.HasSuffix(got, "after\n") {
		t.Fatal("a write after Close waited")
	}
	huge := bytes.Repeat([]byte("y"), 2*MaxBuffered)
	if n, err := w.Write(huge); n != len(huge) || err != nil {
		t.Fatal(n, err)
	}
}
