// Package apptest runs a complete Botdeck (the same wiring as `botdeck
// serve`) on a real loopback HTTP server over a fresh database, and gives
// tests a client that behaves like a browser or an integrator. Every /api
// response the client sees is validated against the OpenAPI document.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/mailer"
	"github.com/botdeck/botdeck/internal/mailer/mailtest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// Env is one running Botdeck with its own fake Bot API.
type Env struct {
	T        testing.TB
	App      *app.App
	Server   *httptest.Server
	Telegram *telegramtest.Server
	Dialect  dbtest.Dialect
	spec     *specChecker
}

// Setup is what options may change before the app is built.
type Setup struct {
	Config    config.Config
	ServerURL string // where this Botdeck will listen, known before it starts
	Workers   bool
	Events    events.Config
	Mail      mailer.Options
}

// Option adjusts the setup.
type Option func(*Setup)

// Config returns an option that edits the configuration.
func Config(edit func(*config.Config)) Option {
	return func(s *Setup) { edit(&s.Config) }
}

// Workers runs the background workers (update processing, polling,
// retention) for the test, as `botdeck serve` does. Without it, tests drive
// processing themselves (env.Process).
func Workers() Option {
	return func(s *Setup) { s.Workers = true }
}

// Events returns an option that tunes the live events (a short
// keep-alive, a small stream cap).
func Events(edit func(*events.Config)) Option {
	return func(s *Setup) { edit(&s.Events) }
}

// SMTP makes Botdeck mail through srv (and gives it a public URL, which
// mail needs for its links).
func SMTP(srv *mailtest.Server) Option {
	return func(s *Setup) {
		s.Config.SMTPURL = srv.URL()
		s.Mail.TLS = srv.TLS
		if s.Config.PublicURL == "" {
			s.Config.PublicURL = s.ServerURL
		}
	}
}

// Webhooks runs Botdeck with a public URL (its own test server), so bots
// get webhooks the fake Bot API delivers to. Without it bots are polled.
func Webhooks() Option {
	return func(s *Setup) { s.Config.PublicURL = s.ServerURL }
}

// Start builds and migrates a Botdeck on dialect d and serves it on
// 127.0.0.1. It is closed when the test ends.
func Start(t testing.TB, d dbtest.Dialect, opts ...Option) *Env {
	t.Helper()
	fake := telegramtest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	setup := Setup{Config: config.Defaults(), ServerURL: "http://" + ln.Addr().String()}
	cfg := &setup.Config
	cfg.DatabaseURL = dbtest.URL(t, d)
	cfg.SecretKeyFile = filepath.Join(t.TempDir(), "botdeck.key")
	cfg.APIRateLimit = 0
	cfg.TelegramAPIURL = fake.URL()
	for _, o := range opts {
		o(&setup)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := app.New(context.Background(), *cfg, log, app.Options{Events: setup.Events, Mail: setup.Mail})
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	var stopWorkers func(context.Context)
	if setup.Workers {
		stopWorkers = a.StartWorkers(context.Background())
	}
	t.Cleanup(func() {
		a.Events.Close() // ends open streams, which the server's Close waits for
		srv.Close()
		if stopWorkers != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			stopWorkers(ctx)
			cancel()
		}
		a.Close()
	})
	return &Env{T: t, App: a, Server: srv, Telegram: fake, Dialect: d, spec: newSpecChecker(t, srv.URL)}
}

// Each runs fn against a fresh Botdeck on every available dialect.
func Each(t *testing.T, fn func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Start(t, d, opts...))
		})
	}
}

// URL returns the absolute URL of path.
func (e *Env) URL(path string) string { return e.Server.URL + path }

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
