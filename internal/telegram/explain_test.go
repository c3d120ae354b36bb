package telegram

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExplainSaysWhatToCheck(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "api.telegram.org", IsNotFound: true}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "x"}}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"dns (transport cause)", &Error{Description: "lookup api.telegram.org: no such host", cause: dns}, "its name does not resolve"},
		{"dns (text only)", &Error{Description: "dial tcp: lookup api.telegram.org on 10.0.0.2:53: no such host"}, "its name does not resolve"},
		{"refused", &Error{Description: "dial tcp 1.2.3.4:443: connect: connection refused", cause: errors.Join(refused, syscall.ECONNREFUSED)}, "connection is refused"},
		{"unreachable", &Error{Description: "connect: network is unreachable"}, "no route to the internet"},
		{"timeout", &Error{Description: context.DeadlineExceeded.Error(), cause: context.DeadlineExceeded}, "did not answer in time"},
		{"intercepting proxy", &Error{Description: "tls: failed to verify certificate: x509: certificate signed by unknown authority"}, "another certificate"},
		{"captive portal", &Error{Description: "unexpected answer: HTTP 200 (text/html)"}, "Something other than Telegram answered"},
		{"token", &Error{Code: 401, Description: "Unauthorized"}, "rejects this bot's token"},
		{"flood", &Error{Code: 429, Description: "Too Many Requests: retry after 7", RetryAfter: 7 * time.Second}, "waits 7s"},
		{"telegram down", &Error{Code: 502, Description: "Bad Gateway"}, "Telegram itself failed (error 502)"},
		{"refusal", &Error{Code: 400, Description: "Bad Request: chat not found"}, "Telegram refused it: chat not found."},
		{"not a telegram error", errors.New("boom"), "Something went wrong"},
	}
	for _, c := range cases {
		got := Explain(c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q does not say %q", c.name, got, c.want)
		}
		if strings.Contains(got, "dial tcp") || strings.Contains(got, "lookup ") {
			t.Errorf("%s: the plain words carry the technical text: %q", c.name, got)
		}
	}
	if Explain(nil) != "" {
		t.Error("no error, no words")
	}
}
