package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPTakesRightMostUntrustedForwardedAddress(t *testing.T) {
	private := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name, peer string
		xff        []string
		p          Proxies
		want       string
	}{
		{"headers not trusted", "203.0.113.9:4000", []string{"1.1.1.1"}, Proxies{Trusted: private}, "203.0.113.9"},
		{"peer is not a proxy of ours", "203.0.113.9:4000", []string{"1.1.1.1"}, Proxies{Trust: true, Trusted: private}, "203.0.113.9"},
		{"one proxy", "127.0.0.1:4000", []string{"198.51.100.4"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
		{"spoofed left entries are ignored", "127.0.0.1:4000", []string{"6.6.6.6, 10.0.0.1, 198.51.100.4"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
		{"chain of our proxies", "127.0.0.1:4000", []string{"6.6.6.6, 198.51.100.4, 10.0.0.7"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
		{"several headers are one chain", "127.0.0.1:4000", []string{"6.6.6.6", "198.51.100.4, 10.0.0.7"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
		{"spoofed trusted address left of the client", "127.0.0.1:4000", []string{"10.0.0.9, 198.51.100.4"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
		{"garbage stops the walk", "127.0.0.1:4000", []string{"198.51.100.4, nonsense, 10.0.0.7"}, Proxies{Trust: true, Trusted: private}, "10.0.0.7"},
		{"all trusted: left-most", "127.0.0.1:4000", []string{"10.1.2.3, 10.0.0.7"}, Proxies{Trust: true, Trusted: private}, "10.1.2.3"},
		{"no header", "127.0.0.1:4000", nil, Proxies{Trust: true, Trusted: private}, "127.0.0.1"},
		{"IPv6 peer", "[::1]:4000", []string{"2001:db8::5"}, Proxies{Trust: true, Trusted: private}, "2001:db8::5"},
		{"IPv4-mapped", "127.0.0.1:4000", []string{"::ffff:198.51.100.4"}, Proxies{Trust: true, Trusted: private}, "198.51.100.4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.p.ClientIP(r); got != c.want {
				t.Fatalf("ClientIP = %s, want %s", got, c.want)
			}
		})
	}
}
