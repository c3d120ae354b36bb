package mailer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/mailer"
	"github.com/botdeck/botdeck/internal/mailer/mailtest"
)

func TestSendsOverSTARTTLSWithAuth(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.New(srv.URL()+"?from=bots@example.com", mailer.Options{TLS: srv.TLS})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "ann@example.com", "Reset your password", "Open https://botdeck.example.com/password-reset/abc\n"); err != nil {
		t.Fatal(err)
	}
	got := srv.Next(t, 10*time.Second)
	if !got.TLS || got.From != "bots@example.com" || len(got.To) != 1 || got.To[0] != "ann@example.com" ||
		got.Subject != "Reset your password" || !strings.Contains(got.Body, "https://botdeck.example.com/password-reset/abc") {
		t.Fatalf("unexpected mail: %+v", got)
	}
}

// A server whose certificate is not trusted gets nothing: the link in the
// mail must not cross the network in clear or to an impostor.
func TestRefusesUntrustedServer(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.New(srv.URL(), mailer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "ann@example.com", "x", "y"); err == nil {
		t.Fatal("sent to a server with an untrusted certificate")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages leaked", n)
	}
}

func TestWrongPasswordFails(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.New(strings.Replace(srv.URL(), "smtp%20secret", "wrong", 1), mailer.Options{TLS: srv.TLS})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "ann@example.com", "x", "y"); err == nil {
		t.Fatal("sent with a wrong password")
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"", "http://host", "smtp://", "smtp://host:99999", "mailto:a@b"} {
		if mailer.Parse(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"smtp://user:pass@mail.example.com:587", "smtps://mail.example.com", "smtp://mail.example.com?from=a@b.c"} {
		if err := mailer.Parse(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}
