// Package mailer sends Botdeck's few emails (password-reset links) through
// the SMTP server of BOTDECK_SMTP_URL, with github.com/wneessen/go-mail.
//
// The URL is smtp://user:pass@host:587 (STARTTLS, required: the mail carries
// a link that signs someone in, so it never crosses the network in clear) or
// smtps://user:pass@host:465 (TLS from the first byte). The sender address
// is the from query parameter (smtp://…:587?from=bots@example.com), else the
// user name when it is an address, else botdeck@<host>.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Mailer sends plain-text mail. The zero value is not usable; use New.
type Mailer struct {
	host     string
	port     int
	implicit bool // smtps: TLS from the start instead of STARTTLS
	user     string
	pass     string
	from     string
	tls      *tls.Config
}

// Options adjust a Mailer; tests trust their own server's certificate with
// TLS.
type Options struct {
	TLS *tls.Config
}

// Parse checks an SMTP URL without building a mailer (for configuration).
func Parse(raw string) error {
	_, err := New(raw, Options{})
	return err
}

// New returns a mailer for raw (see the package comment).
func New(raw string, opts Options) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("smtp-url must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", port: 587}
	if m.implicit {
		m.port = 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil || m.port < 1 || m.port > 65535 {
			return nil, fmt.Errorf("smtp-url: bad port %q", p)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	m.from = u.Query().Get("from")
	if m.from == "" && strings.Contains(m.user, "@") {
		m.from = m.user
	}
	if m.from == "" {
		m.from = "botdeck@" + m.host
	}
	m.tls = &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
	if opts.TLS != nil {
		m.tls = opts.TLS.Clone()
		if m.tls.ServerName == "" {
			m.tls.ServerName = m.host
		}
	}
	return m, nil
}

// Send mails a plain-text message to one recipient.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("mail: from %q: %w", m.from, err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, body)

	opts := []mail.Option{mail.WithPort(m.port), mail.WithTLSConfig(m.tls), mail.WithTimeout(20 * time.Second)}
	if m.implicit {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s:%d: %w", m.host, m.port, err)
	}
	return nil
}
