package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func newApp(t *testing.T, d dbtest.Dialect, opts app.Options) *app.App {
	t.Helper()
	cfg := config.Defaults()
	cfg.DatabaseURL = dbtest.URL(t, d)
	cfg.SecretKeyFile = filepath.Join(t.TempDir(), "botdeck.key")
	cfg.TelegramAPIURL = telegramtest.Start(t).URL()
	cfg.APIRateLimit = 0
	cfg.ShutdownTimeout = time.Minute
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// browser signs up on base and returns a client carrying the session.
func browser(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post(base+"/api/auth/signup", "application/json",
		strings.NewReader(`{"email":"live@example.com","password":"correct horse battery","name":"Live"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d", res.StatusCode)
	}
	return c
}

// openStream starts GET /api/events and returns a line reader over it.
func openStream(t *testing.T, c *http.Client, base string) (*http.Response, *bufio.Reader) {
	t.Helper()
	res, err := c.Get(base + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	return res, bufio.NewReader(res.Body)
}

func userID(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	res, err := c.Get(base + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct{ Data struct{ ID string } }
	if err := json.NewDecoder(res.Body).Decode(&me); err != nil {
		t.Fatal(err)
	}
	return me.Data.ID
}

// TestShutdownEndsEventStreamsAtOnce: a stream never goes idle, so a
// graceful shutdown that waited for it would take the whole shutdown
// timeout (a minute here). Streams end cleanly as soon as it begins.
func TestShutdownEndsEventStreamsAtOnce(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := newApp(t, d, app.Options{})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			served := make(chan error, 1)
			go func() { served <- a.Serve(ctx, ln) }()
			waitReady(t, base)

			c := browser(t, base)
			_, body := openStream(t, c, base)
			if line, _ := body.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
				t.Fatalf("first line %q", line)
			}

			began := time.Now()
			stop() // SIGTERM
			rest, err := io.ReadAll(body)
			if err != nil {
				t.Fatalf("the stream must end cleanly, not be cut: %v (after %q)", err, rest)
			}
			select {
			case err := <-served:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(45 * time.Second):
				t.Fatal("Serve waited for the stream until its shutdown timeout")
			}
			if waited := time.Since(began); waited > 45*time.Second {
				t.Fatalf("shutdown took %s", waited)
			}
		})
	}
}

// TestAStreamOutlivesTheServersTimeouts runs the server Serve runs with
// its read and write timeouts cut to half a second: a stream goes on far
// longer and still delivers (each write moves the write deadline).
func TestAStreamOutlivesTheServersTimeouts(t *testing.T) {
	a := newApp(t, "sqlite", app.Options{Events: events.Config{KeepAlive: 50 * time.Millisecond}})
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := a.HTTPServer(context.Background())
	srv.ReadTimeout, srv.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	c := browser(t, base)
	id := userID(t, c, base)
	_, body := openStream(t, c, base)
	start := time.Now()
	for keepAlives := 0; keepAlives < 10 || time.Since(start) < 2*time.Second; {
		line, err := body.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended after %s: %v", time.Since(start), err)
		}
		if line == ": keep-alive\n" {
			keepAlives++
		}
	}
	var ws string // events are scoped to the member's workspace
	if err := a.DB.NewSelect().Table("workspace_members").Column("workspace_id").Where("user_id = ?", id).Limit(1).Scan(context.Background(), &ws); err != nil {
		t.Fatal(err)
	}
	err = a.Events.Publish(context.Background(), a.DB, events.Event{Scope: ws, Kind: events.KindNotification, Subject: id, Data: json.RawMessage(`{"title":"still here"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for published := time.Now(); time.Since(published) < 20*time.Second; {
		line, err := body.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, "still here") {
			return
		}
	}
	t.Fatal("the event never came (keep-alives did)")
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal(errors.New("not ready"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
