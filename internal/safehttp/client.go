// Package safehttp is the HTTP client for requests to addresses that users
// choose (the relay's target URL): it refuses private, loopback,
// link-local and other non-public destinations unless told to allow them,
// resolves a host name once and connects to exactly the address it checked
// (so a name that resolves to a public address at check time and to
// 127.0.0.1 at connect time — DNS rebinding — gets nowhere), ignores proxy
// settings, never follows redirects, and bounds the time and the size of
// what it reads.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// ErrNotAllowed is the cause of every refusal of a destination.
var ErrNotAllowed = errors.New("destination not allowed")

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Client.
type Options struct {
	AllowPrivate bool          // allow non-public destinations (tests, a bot server on the LAN)
	Timeout      time.Duration // bound of a whole request, body included (default 10s)
	MaxBody      int64         // bytes of a response body read at most (default 1 MiB)
	Resolver     Resolver      // default net.DefaultResolver
}

// Client sends requests to user-chosen URLs.
type Client struct {
	opts Options
	http *http.Client
}

// New returns a client for opts.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	c := &Client{opts: opts}
	dialer := &net.Dialer{Timeout: opts.Timeout}
	tr := &http.Transport{
		Proxy: nil, // a proxy would connect on our behalf to an address we never checked
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ip, port, err := c.resolve(ctx, addr)
			if err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		},
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, never followed
		},
	}
	return c
}

// Response is what a request got: status, headers and at most MaxBody
// bytes of the body (Truncated when there was more).
type Response struct {
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool
}

// Do sends req and reads the bounded answer.
func (c *Client) Do(req *http.Request) (*Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if int64(len(body)) > c.opts.MaxBody {
		out.Body, out.Truncated = body[:c.opts.MaxBody], true
	}
	return out, nil
}

// CheckURL says whether raw is an absolute http(s) URL whose host resolves
// only to allowed addresses. The answer can change with DNS; the client
// checks again (and connects to the checked address) on every request.
func (c *Client) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: not an absolute http(s) URL", ErrNotAllowed)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL", ErrNotAllowed)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	_, _, err = c.resolve(ctx, net.JoinHostPort(u.Hostname(), port))
	return err
}

// resolve looks addr's host up once and returns the address to dial: the
// first one, when every address the name has is allowed.
func (c *Client) resolve(ctx context.Context, addr string) (netip.Addr, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.Addr{}, "", fmt.Errorf("%w: %v", ErrNotAllowed, err)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		ips = []netip.Addr{ip}
	} else {
		lctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
		if ips, err = c.opts.Resolver.LookupNetIP(lctx, "ip", host); err != nil {
			return netip.Addr{}, "", fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(ips) == 0 {
			return netip.Addr{}, "", fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	if !c.opts.AllowPrivate {
		for _, ip := range ips {
			if !Public(ip) {
				return netip.Addr{}, "", fmt.Errorf("%w: %s resolves to %s, a private, loopback or link-local address", ErrNotAllowed, host, ip.Unmap())
			}
		}
	}
	return ips[0].Unmap(), port, nil
}

// nonPublic are ranges not covered by netip's predicates: shared address
// space (CGNAT), "this network", IETF protocol assignments, benchmarking,
// documentation, reserved, and NAT64 / 6to4 / Teredo, which embed an IPv4
// address that may be private.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("100::/64"),
}

// Public reports whether ip is a global unicast address outside every
// private, loopback, link-local and reserved range (IPv6 unique-local
// fc00::/7 included; IPv4-mapped addresses are judged as IPv4).
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
