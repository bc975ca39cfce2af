package proxy

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the address of the client that r came from, for IP
// lists, rate limits and external auth. It is the peer's address, unless
// the peer is a trusted proxy (Config.TrustedProxies): then it is the
// right-most X-Forwarded-For address that is not itself a trusted proxy
// (every trusted proxy appends the address it saw, so anything left of the
// last untrusted hop may be forged), else X-Real-IP, else the peer's. This
// is nginx's real_ip module with real_ip_recursive on.
//
// ok is false when the address cannot be known: the peer's address does not
// parse, or a forwarded address that would decide does not. IP lists then
// refuse the request, rather than guess.
func clientAddr(r *http.Request, p peer, trusted []netip.Prefix) (a netip.Addr, ok bool) {
	a, err := netip.ParseAddr(p.ip)
	if err != nil {
		return netip.Addr{}, false
	}
	if !p.trusted {
		return a, true
	}
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		var leftmost netip.Addr
		// Header lines are in order; walk them, and their lists, from the
		// right.
		for i := len(xff) - 1; i >= 0; i-- {
			list := xff[i]
			for len(list) > 0 {
				item := list
				if j := strings.LastIndexByte(list, ','); j >= 0 {
					item, list = list[j+1:], list[:j]
				} else {
					list = ""
				}
				item = strings.TrimSpace(item)
				if item == "" {
					continue
				}
				hop, err := parseForwardedAddr(item)
				if err != nil {
					return netip.Addr{}, false
				}
				if !contains(trusted, hop) {
					return hop, true
				}
				leftmost = hop
			}
		}
		if leftmost.IsValid() {
			return leftmost, true // every hop is trusted: the first one is the client
		}
	}
	if v := r.Header.Get("X-Real-Ip"); v != "" {
		hop, err := parseForwardedAddr(strings.TrimSpace(v))
		if err != nil {
			return netip.Addr{}, false
		}
		return hop, true
	}
	return a, true
}

// parseForwardedAddr parses one forwarded address: an IP, possibly with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711"), as some proxies write.
func parseForwardedAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			return netip.Addr{}, err
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), nil
}

// contains reports whether a is in one of the prefixes.
func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// sourceLists are a route's denylist-source-range and
// allowlist-source-range, checked in that order as nginx's deny and
// allow directives are.
type sourceLists struct {
	deny, allow []netip.Prefix
}

// permits reports whether a client at a may use the route: not in the deny
// list, and in the allow list when there is one. An unknown address is
// refused by either list.
func (s *sourceLists) permits(a netip.Addr, known bool) bool {
	if !known {
		return false
	}
	if contains(s.deny, a) {
		return false
	}
	return s.allow == nil || contains(s.allow, a)
}
