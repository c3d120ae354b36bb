package events

import (
	"sync"
	"time"
)

// Throttle calls fn for a key at most once per interval: the first Touch
// of a quiet key calls it at once; Touches while it runs or within the
// interval after are folded into one more call at the interval's end, so
// the last change is always reported. Calls run on their own goroutine, so
// Touch never waits. Broadcast progress uses it: a broadcast may record
// dozens of outcomes a second, its page needs a few updates.
type Throttle struct {
	every time.Duration
	fn    func(key string)

	mu     sync.Mutex
	keys   map[string]*throttled
	closed bool
	wg     sync.WaitGroup
}

type throttled struct {
	last    time.Time   // when the last call started
	running bool        // fn is running
	dirty   bool        // touched since the last call started
	timer   *time.Timer // the end of the interval after the last call
}

// NewThrottle returns a throttle calling fn at most once per every per key.
func NewThrottle(every time.Duration, fn func(key string)) *Throttle {
	return &Throttle{every: every, fn: fn, keys: map[string]*throttled{}}
}

// Touch asks for a call of fn(key).
func (t *Throttle) Touch(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	k := t.keys[key]
	if k == nil {
		k = &throttled{}
		t.keys[key] = k
		t.startLocked(key, k)
		return
	}
	k.dirty = true
}

// startLocked calls fn(key) on a goroutine; when it returns, a timer ends
// the interval: a key touched meanwhile is called again, a quiet one is
// forgotten.
func (t *Throttle) startLocked(key string, k *throttled) {
	k.running, k.dirty, k.last = true, false, time.Now()
	t.wg.Go(func() {
		t.fn(key)
		t.mu.Lock()
		defer t.mu.Unlock()
		k.running = false
		if t.closed {
			return
		}
		k.timer = time.AfterFunc(max(0, time.Until(k.last.Add(t.every))), func() { t.intervalEnded(key, k) })
	})
}

func (t *Throttle) intervalEnded(key string, k *throttled) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k.timer = nil
	if t.closed {
		return
	}
	if k.dirty {
		t.startLocked(key, k)
		return
	}
	delete(t.keys, key)
}

// Close drops pending calls and waits for running ones.
func (t *Throttle) Close() {
	t.mu.Lock()
	t.closed = true
	for _, k := range t.keys {
		if k.timer != nil {
			k.timer.Stop()
		}
	}
	t.mu.Unlock()
	t.wg.Wait()
}
