package safehttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return f[host], nil
}

func TestCheckURLRefusesNonPublicDestinations(t *testing.T) {
	res := fakeResolver{
		"public.example":  {netip.MustParseAddr("93.184.216.34")},
		"rebind.example":  {netip.MustParseAddr("127.0.0.1")},
		"mixed.example":   {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.1.2.3")},
		"mapped.example":  {netip.MustParseAddr("::ffff:192.168.1.1")},
		"ula.example":     {netip.MustParseAddr("fd12:3456::1")},
		"public6.example": {netip.MustParseAddr("2606:4700::1111")},
	}
	c := New(Options{Resolver: res})
	refused := []string{
		"http://127.0.0.1/hook", "http://[::1]:8080/", "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.0.10/",
		"http://169.254.169.254/latest/meta-data", "http://[fe80::1]/", "http://[fd00::1]/", "http://0.0.0.0/",
		"http://100.64.1.1/", "https://rebind.example/x", "https://mixed.example/", "https://mapped.example/",
		"https://ula.example/", "ftp://public.example/", "/relative", "https://user:pw@public.example/",
	}
	for _, u := range refused {
		if err := c.CheckURL(context.Background(), u); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("CheckURL(%q) = %v, want ErrNotAllowed", u, err)
		}
	}
	for _, u := range []string{"https://public.example/hook", "http://93.184.216.34:8443/", "https://public6.example/"} {
		if err := c.CheckURL(context.Background(), u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", u, err)
		}
	}
	// A real name resolving to loopback (from the hosts file).
	real := New(Options{})
	if err := real.CheckURL(context.Background(), "http://localhost:1/"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("localhost: %v, want ErrNotAllowed", err)
	}
}

func TestDialConnectsOnlyToTheCheckedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	// The name resolves to loopback: refused at connect time, even though
	// nothing was checked before.
	c := New(Options{Resolver: fakeResolver{"bot.example": {netip.MustParseAddr("127.0.0.1")}}})
	req, _ := http.NewRequest(http.MethodPost, "http://bot.example:"+port+"/", nil)
	if _, err := c.Do(req); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("Do to a loopback name = %v, want ErrNotAllowed", err)
	}
	// Allowed when private destinations are: and it dials the resolved address.
	c = New(Options{AllowPrivate: true, Resolver: fakeResolver{"bot.example": {netip.MustParseAddr("127.0.0.1")}}})
	req, _ = http.NewRequest(http.MethodPost, "http://bot.example:"+port+"/", nil)
	resp, err := c.Do(req)
	if err != nil || resp.Status != 200 || string(resp.Body) != "hi" {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
}

func TestNoRedirectsAndBoundedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
			return
		}
		w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxBody: 1000})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/redirect", nil)
	resp, err := c.Do(req)
	if err != nil || resp.Status != http.StatusFound {
		t.Fatalf("redirect: %+v, %v; want the 302 itself", resp, err)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/big", nil)
	resp, err = c.Do(req)
	if err != nil || len(resp.Body) != 1000 || !resp.Truncated {
		t.Fatalf("big body: len %d truncated %v err %v", len(resp.Body), resp.Truncated, err)
	}
}
