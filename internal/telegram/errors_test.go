package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

// classes are the sentinels every Client error is matched against; each
// error must match exactly the expected one.
var classes = map[string]error{
	"bad request":    telegram.ErrBadRequest,
	"unauthorized":   telegram.ErrUnauthorized,
	"forbidden":      telegram.ErrForbidden,
	"not found":      telegram.ErrNotFound,
	"conflict":       telegram.ErrConflict,
	"too many":       telegram.ErrTooManyRequests,
	"server":         telegram.ErrServer,
	"network":        telegram.ErrNetwork,
	"file too large": telegram.ErrFileTooLarge,
}

// TestErrorClassesNeverLeakToken forces every error path the client has and
// checks the class, and that the token appears nowhere in the error text —
// neither in Error() nor in anything it wraps.
func TestErrorClassesNeverLeakToken(t *testing.T) {
	f := newFixture(t)
	tok := f.bot.Token
	secret := strings.SplitN(tok, ":", 2)[1]

	// A port nothing listens on, for "connection refused".
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := ln.Addr().String()
	_ = ln.Close()
	dead, _ := telegram.New(telegram.Options{BaseURL: "http://" + deadAddr})
	slow, _ := telegram.New(telegram.Options{BaseURL: f.srv.URL(), Timeout: 100 * time.Millisecond})

	sendMessage := func(c *telegram.Client) func() error {
		return func() error {
			_, err := c.SendMessage(f.ctx, tok, 42, "hi", telegram.SendOptions{})
			return err
		}
	}
	failNext := func(spec telegramtest.FailSpec) {
		spec.Times = 1
		if err := f.srv.Fail(tok, "sendMessage", spec); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		name  string
		class string
		setup func()
		call  func() error
		check func(t *testing.T, e *telegram.Error)
	}{
		{name: "400 bad request", class: "bad request",
			setup: func() { failNext(telegramtest.FailSpec{Code: 400, Description: "Bad Request: chat not found"}) },
			call:  sendMessage(f.client)},
		{name: "401 unauthorized", class: "unauthorized",
			setup: func() { failNext(telegramtest.FailSpec{Code: 401}) },
			call:  sendMessage(f.client)},
		{name: "403 forbidden", class: "forbidden",
			setup: func() { failNext(telegramtest.FailSpec{Code: 403, Description: "Forbidden: user is deactivated"}) },
			call:  sendMessage(f.client)},
		{name: "404 unknown method", class: "not found",
			call: func() error { _, err := f.client.Call(f.ctx, tok, "noSuchMethod", nil); return err }},
		{name: "409 conflict", class: "conflict",
			setup: func() { failNext(telegramtest.FailSpec{Code: 409}) },
			call:  sendMessage(f.client)},
		{name: "429 with retry_after", class: "too many",
			setup: func() { failNext(telegramtest.FailSpec{Code: 429, RetryAfter: 7}) },
			call:  sendMessage(f.client),
			check: func(t *testing.T, e *telegram.Error) {
				if e.RetryAfter != 7*time.Second || e.Description != "Too Many Requests: retry after 7" {
					t.Errorf("429 = %+v", e)
				}
			}},
		{name: "500 JSON answer", class: "server",
			setup: func() { failNext(telegramtest.FailSpec{Code: 500}) },
			call:  sendMessage(f.client)},
		{name: "502 HTML from a proxy", class: "network",
			setup: func() { failNext(telegramtest.FailSpec{Code: 502, RawBody: "<html>Bad Gateway " + tok + "</html>"}) },
			call:  sendMessage(f.client)},
		{name: "connection closed without answer", class: "network",
			setup: func() { failNext(telegramtest.FailSpec{Network: true}) },
			call:  sendMessage(f.client)},
		{name: "connection refused", class: "network",
			call: sendMessage(dead)},
		{name: "client timeout", class: "network",
			setup: func() { failNext(telegramtest.FailSpec{Delay: time.Second}) },
			call:  sendMessage(slow),
			check: func(t *testing.T, e *telegram.Error) {
				if !errors.Is(e, context.DeadlineExceeded) {
					t.Errorf("timeout should unwrap to context.DeadlineExceeded: %v", e)
				}
			}},
		{name: "cancelled context", class: "network",
			call: func() error {
				ctx, cancel := context.WithCancel(f.ctx)
				cancel()
				_, err := f.client.GetMe(ctx, tok)
				return err
			},
			check: func(t *testing.T, e *telegram.Error) {
				if !errors.Is(e, context.Canceled) {
					t.Errorf("cancel should unwrap to context.Canceled: %v", e)
				}
			}},
		{name: "revoked token", class: "unauthorized",
			call: func() error {
				b := f.srv.AddBot(telegramtest.BotSpec{})
				f.srv.RevokeToken(b.Token)
				_, err := f.client.GetMe(f.ctx, b.Token)
				return err
			}},
		{name: "malformed token", class: "unauthorized",
			call: func() error { _, err := f.client.GetMe(f.ctx, tok+"x"); return err }},
		{name: "invalid method name", class: "bad request",
			call: func() error { _, err := f.client.Call(f.ctx, tok, "../x", nil); return err }},
		{name: "download: missing file", class: "not found",
			call: func() error { _, _, err := f.client.DownloadFile(f.ctx, tok, "photos/none.png", 0); return err }},
		{name: "download: network", class: "network",
			// Until cleared: net/http retries an idempotent GET once when a
			// reused connection dies before answering.
			setup: func() { _ = f.srv.Fail(tok, telegramtest.DownloadMethod, telegramtest.FailSpec{Network: true}) },
			call: func() error {
				defer f.srv.ClearFailures(tok)
				_, _, err := f.client.DownloadFile(f.ctx, tok, "photos/none.png", 0)
				return err
			}},
		{name: "download: connection refused", class: "network",
			call: func() error { _, _, err := dead.DownloadFile(f.ctx, tok, "photos/x.png", 0); return err }},
		{name: "download: too large", class: "file too large",
			call: func() error {
				u := f.srv.AddUser(telegramtest.UserSpec{WithPhoto: true})
				photos, err := f.client.GetUserProfilePhotos(f.ctx, tok, u.ID, 1)
				if err != nil {
					return err
				}
				file, err := f.client.GetFile(f.ctx, tok, photos.Photos[0][2].FileID)
				if err != nil {
					return err
				}
				_, _, err = f.client.DownloadFile(f.ctx, tok, file.FilePath, 16)
				return err
			}},
		{name: "getUpdates: webhook conflict", class: "conflict",
			setup: func() { _ = f.srv.Fail(tok, "getUpdates", telegramtest.FailSpec{Code: 409, Times: 1}) },
			call:  func() error { _, err := f.client.GetUpdatesRaw(f.ctx, tok, 0, 1, 0, nil); return err }},
		{name: "getUpdates: network", class: "network",
			call: func() error { _, err := dead.GetUpdatesRaw(f.ctx, tok, 0, 1, 1, nil); return err }},
		{name: "setWebhook with empty list: forbidden", class: "forbidden",
			setup: func() { _ = f.srv.Fail(tok, "setWebhook", telegramtest.FailSpec{Code: 403, Times: 1}) },
			call: func() error {
				return f.client.SetWebhook(f.ctx, tok, telegram.WebhookParams{URL: "https://x.test/", AllowedUpdates: []string{}})
			}},
		{name: "every typed method: 401", class: "unauthorized",
			setup: func() { _ = f.srv.Fail(tok, "*", telegramtest.FailSpec{Code: 401, Times: 1}) },
			call:  func() error { _, err := f.client.GetChat(f.ctx, tok, -1); return err }},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			err := tc.call()
			if err == nil {
				t.Fatal("expected an error")
			}
			var e *telegram.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *telegram.Error: %v", err, err)
			}
			for name, sentinel := range classes {
				if got, want := errors.Is(err, sentinel), name == tc.class; got != want {
					t.Errorf("errors.Is(err, %s) = %v, want %v (err: %v)", name, got, want, err)
				}
			}
			for unwrapped := error(e); unwrapped != nil; unwrapped = errors.Unwrap(unwrapped) {
				for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
					text := fmt.Sprintf(format, unwrapped)
					if strings.Contains(text, tok) || strings.Contains(text, secret) {
						t.Fatalf("token leaked through %s: %s", format, text)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

func TestIsTemporary(t *testing.T) {
	f := newFixture(t)
	_ = f.srv.Fail(f.bot.Token, "getMe", telegramtest.FailSpec{Code: 403, Times: 1})
	_, err := f.client.GetMe(f.ctx, f.bot.Token)
	if telegram.IsTemporary(err) {
		t.Fatalf("403 reported temporary: %v", err)
	}
	_ = f.srv.Fail(f.bot.Token, "getMe", telegramtest.FailSpec{Code: 502, Times: 1})
	_, err = f.client.GetMe(f.ctx, f.bot.Token)
	if !telegram.IsTemporary(err) || !errors.Is(err, telegram.ErrServer) {
		t.Fatalf("502 JSON answer: %v", err)
	}
}
