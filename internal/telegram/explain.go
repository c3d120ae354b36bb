package telegram

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Explain says in plain words what went wrong talking to Telegram, for an
// owner who is not a network engineer: what happened and what to check. The
// technical text (err.Error(), never carrying a token) belongs in a folded
// "details" beside it. Errors that did not come from the Bot API client are
// described as "Something went wrong".
func Explain(err error) string {
	var te *Error
	if err == nil {
		return ""
	}
	if !errors.As(err, &te) {
		return "Something went wrong talking to Telegram."
	}
	switch {
	case te.Code == 0:
		return explainNetwork(te)
	case errors.Is(te, ErrUnauthorized):
		return "Telegram rejects this bot's token: it was revoked or replaced in @BotFather. Connect the bot again with its new token."
	case errors.Is(te, ErrTooManyRequests):
		if te.RetryAfter > 0 {
			return fmt.Sprintf("Telegram asked to slow down (too many requests); Botdeck waits %s and tries again.", te.RetryAfter)
		}
		return "Telegram asked to slow down (too many requests); Botdeck waits and tries again."
	case errors.Is(te, ErrServer):
		return fmt.Sprintf("Telegram itself failed (error %d); this is usually brief and Botdeck tries again.", te.Code)
	case te.Description != "":
		return "Telegram refused it: " + strings.TrimPrefix(te.Description, "Bad Request: ") + "."
	}
	return fmt.Sprintf("Telegram refused it (error %d).", te.Code)
}

// explainNetwork classifies a failure to get any Bot API answer. Errors
// from the raw caller keep their transport cause; others only their text,
// so both are looked at.
func explainNetwork(te *Error) string {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		netErr  net.Error
	)
	text := strings.ToLower(te.Description)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	switch {
	case errors.As(te, &dnsErr) || has("no such host", "server misbehaving", "temporary failure in name resolution"):
		return "This server can't reach Telegram: its name does not resolve. Check the server's internet access, DNS or proxy."
	case errors.As(te, &certErr) || errors.As(te, &unknown) || has("x509:", "tls:", "certificate"):
		return "This server can't talk to Telegram securely: something between them (a proxy or firewall inspecting HTTPS) presents another certificate. Check the proxy settings."
	case errors.Is(te, syscall.ECONNREFUSED) || has("connection refused"):
		return "This server can't reach Telegram: the connection is refused. Check its internet access, proxy or firewall."
	case errors.Is(te, syscall.ENETUNREACH) || errors.Is(te, syscall.EHOSTUNREACH) || has("network is unreachable", "no route to host"):
		return "This server can't reach Telegram: it has no route to the internet. Check its network, proxy or firewall."
	case errors.As(te, &netErr) && netErr.Timeout() || has("timeout", "deadline exceeded"):
		return "Telegram did not answer in time. Check this server's internet access, proxy or firewall; Botdeck tries again."
	case has("not a bot api answer", "unexpected answer", "invalid character"):
		return "Something other than Telegram answered (a proxy or captive portal?). Check the server's proxy settings and BOTDECK_TELEGRAM_API_URL."
	}
	return "This server can't reach Telegram. Check its internet access, proxy or firewall."
}
