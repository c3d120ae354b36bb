package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/dbtest"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestAdminCommands(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := "--database-url=" + dbtest.URL(t, d)
			key := "--secret-key-file=" + filepath.Join(t.TempDir(), "k")

			out, err := runCmd(t, "", "migrate", "status", db, key)
			if err != nil || !strings.Contains(out, "pending") {
				t.Fatalf("status before migrating: %v\n%s", err, out)
			}
			if out, err = runCmd(t, "", "migrate", "up", db, key); err != nil || !strings.Contains(out, "applied") {
				t.Fatalf("migrate up: %v\n%s", err, out)
			}
			if out, err = runCmd(t, "", "migrate", "up", db, key); err != nil || !strings.Contains(out, "up to date") {
				t.Fatalf("second migrate up: %v\n%s", err, out)
			}

			if _, err = runCmd(t, "", "user", "create", "--email", "ops@example.com", db, key); err == nil {
				t.Fatal("user create without --password-stdin must fail")
			}
			if _, err = runCmd(t, "short\n", "user", "create", "--email", "ops@example.com", "--password-stdin", db, key); err == nil {
				t.Fatal("a short password must be refused")
			}
			out, err = runCmd(t, "a long enough password\n", "user", "create", "--email", "ops@example.com", "--name", "Ops", "--password-stdin", db, key)
			if err != nil || !strings.Contains(out, "created user ops@example.com") {
				t.Fatalf("user create: %v\n%s", err, out)
			}
			out, err = runCmd(t, "", "apikey", "create", "--email", "ops@example.com", "--name", "deploy", db, key)
			if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "bdk_") {
				t.Fatalf("apikey create: %v\n%s", err, out)
			}
			if _, err = runCmd(t, "", "apikey", "create", "--email", "nobody@example.com", "--name", "x", db, key); err == nil {
				t.Fatal("a key for an unknown account must fail")
			}
			out, err = runCmd(t, "", "user", "reset-password", "--email", "OPS@example.com", "--base-url", "https://bots.example.com/", db, key)
			if err != nil || !regexp.MustCompile(`^https://bots\.example\.com/password-reset/[a-z2-7]{52}\n`).MatchString(out) {
				t.Fatalf("user reset-password: %v\n%s", err, out)
			}
			if _, err = runCmd(t, "", "user", "reset-password", "--email", "nobody@example.com", db, key); err == nil {
				t.Fatal("a link for an unknown account must fail")
			}
			if out, err = runCmd(t, "", "migrate", "down", db, key); err != nil || !strings.Contains(out, "rolled back") {
				t.Fatalf("migrate down: %v\n%s", err, out)
			}
		})
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	dir := t.TempDir()
	out := &lockedBuffer{}
	go func() {
		done <- run(ctx, []string{"serve", "--addr=127.0.0.1:0", "--database-url=sqlite:" + filepath.Join(dir, "db"),
			"--secret-key-file=" + filepath.Join(dir, "key")}, strings.NewReader(""), out, out)
	}()
	// Wait until it has migrated and serves (slow on a loaded machine).
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(out.String(), "applied migrations"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start within 60 s:\n%s", out.String())
		}
	}
	cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5 s")
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("an unknown command must fail")
	}
	out, err := runCmd(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "botdeck ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
