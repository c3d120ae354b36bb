package telegramtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake Bot API: a real HTTP server on a loopback port. Create it
// with NewServer (or Start in tests) and point a client at URL(). It is safe
// for concurrent use.
type Server struct {
	cfg      config
	listener net.Listener
	http     *http.Server
	url      string
	hooks    *http.Client // delivers webhooks
	control  *http.ServeMux

	mu sync.Mutex
	w  *world

	closed    chan struct{}
	closeOnce sync.Once
	bgMu      sync.Mutex     // orders bg.Add against Close's bg.Wait
	bg        sync.WaitGroup // background pushes (e.g. after approveChatJoinRequest)
}

type config struct {
	addr           string
	maxLongPoll    time.Duration
	webhookTimeout time.Duration
}

// Option configures NewServer.
type Option func(*config)

// WithAddr sets the listen address (default "127.0.0.1:0", a free port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithMaxLongPoll caps the timeout a getUpdates call may wait (default 50s).
// Tests that exercise long polling keep it short so Close is quick.
func WithMaxLongPoll(d time.Duration) Option { return func(c *config) { c.maxLongPoll = d } }

// WithWebhookTimeout bounds one webhook delivery (default 10s).
func WithWebhookTimeout(d time.Duration) Option { return func(c *config) { c.webhookTimeout = d } }

// NewServer starts a fake Bot API server.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{addr: "127.0.0.1:0", maxLongPoll: 50 * time.Second, webhookTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		listener: ln,
		url:      "http://" + ln.Addr().String(),
		hooks:    &http.Client{Timeout: cfg.webhookTimeout},
		w:        newWorld(),
		closed:   make(chan struct{}),
	}
	s.control = newControlMux(s)
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// Start is NewServer for tests: it fails tb on error and closes the server
// when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("telegramtest: start: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL is the base URL to give a Bot API client, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// Close stops the server: waiting long polls return, connections close, and
// background deliveries finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.bgMu.Lock()
		close(s.closed)
		s.bgMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
		}
		s.bg.Wait()
		s.hooks.CloseIdleConnections()
	})
}

// Reset forgets every bot, user, chat, message and failure, as if the server
// had just started. Waiting long polls are ended.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.w.bots {
		if b.poll != nil {
			b.poll.terminate(errTerminatedByOtherPoll)
		}
		b.notify()
	}
	s.w = newWorld()
}

// ServeHTTP routes the Bot API (/bot<token>/<method>), file downloads
// (/file/bot<token>/<path>) and the control API (/_fake/…).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/bot"):
		s.serveBotAPI(w, r, strings.TrimPrefix(p, "/bot"))
	case strings.HasPrefix(p, "/file/bot"):
		s.serveFile(w, r, strings.TrimPrefix(p, "/file/bot"))
	case strings.HasPrefix(p, controlPrefix):
		s.control.ServeHTTP(w, r)
	default:
		writeError(w, errNotFound)
	}
}

// isClosed reports whether Close has started.
func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// goBackground runs f unless the server is closing; Close waits for it.
func (s *Server) goBackground(f func()) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.isClosed() {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

// ErrUnknownBot is returned for tokens the server never issued or revoked.
var ErrUnknownBot = errors.New("telegramtest: unknown or revoked bot token")
