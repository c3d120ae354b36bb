package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies says whose X-Forwarded-For to believe. The zero value believes
// nobody: the client is the peer of the connection.
type Proxies struct {
	Trust   bool           // read X-Forwarded-For at all
	Trusted []netip.Prefix // addresses of the operator's own proxies
}

// ClientIP returns the client address of r. Without Trust it is the peer.
// With Trust, and only when the peer is one of the trusted proxies, it walks
// the X-Forwarded-For chain from the right (each proxy appends the address
// it saw) and takes the first address that is not a trusted proxy: entries
// to the left of it were written by the client and prove nothing. When
// every entry is trusted, the left-most is the client.
func (p Proxies) ClientIP(r *http.Request) string {
	peer := peerAddr(r)
	if !p.Trust {
		return peer
	}
	if ip, err := netip.ParseAddr(peer); err != nil || !p.trusted(ip) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop ends what can be believed
		}
		client = ip.Unmap().String()
		if !p.trusted(ip) {
			break
		}
	}
	return client
}

func (p Proxies) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, pre := range p.Trusted {
		if pre.Contains(ip) {
			return true
		}
	}
	return false
}

func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
