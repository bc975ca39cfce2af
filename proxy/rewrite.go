package proxy

import (
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// rewrite addresses out, the request to send for the client's request in,
// to the chosen endpoint and sets its forwarding headers. outgoingHeader
// has left out hop-by-hop headers, those the client listed in Connection,
// and Forwarded and X-Forwarded-For, -Host and -Proto; the forwarding
// headers are set here, after that, so a client cannot strip them.
func (h *Handler) rewrite(rc *reqCtx, in, out *http.Request) {
	out.URL.Scheme = rc.te.scheme
	out.URL.Host = rc.endpoint
	if rw := rc.rt.route.Rewrite; rw != nil {
		// A rewrite works on the path that was matched, so that the
		// pattern sees what the route saw.
		p, rewritten := rw.Apply(rc.path)
		setPath(out.URL, p)
		if prefix := rc.rt.route.ForwardedPrefix; rewritten && prefix != "" {
			out.Header["X-Forwarded-Prefix"] = []string{prefix}
		}
	} else if pm := rc.rt.route.ReplacePath; pm != nil {
		setPath(out.URL, pm.Apply(rc.path, rc.prefix))
	} else if !h.cfg.KeepRawPath {
		setPath(out.URL, rc.path)
	}
	// The query is the backend's business: it goes through unchanged,
	// even parameters Go cannot parse (with ";"), which
	// httputil.ReverseProxy would drop.
	out.URL.RawQuery = in.URL.RawQuery
	if host := rc.rt.route.Host; host != "" {
		out.Host = host
	}
	// Before the forwarding headers, which win over the route's.
	keepPolicyHeaders(rc.rt.traffic, in.Header, out.Header)
	if rc.rt.backendRules != nil && rc.backend >= 0 && rc.up.origin == rc.rt.backends[rc.backend] {
		rc.rt.backendRules[rc.backend].apply(out.Header)
	}
	h.setForwarded(rc, in, out.Header)
	dropH2CUpgrade(in.Header, out.Header)
	if rc.up.origin == rc.rt.fallback {
		// The default backend serves because the backend has no endpoint.
		rc.setErrorHeaders(out.Header, http.StatusServiceUnavailable)
	}
	if rc.rt.route.CloseConnection {
		out.Close = true
	}
}

// keepPolicyHeaders puts back on out the request headers that the route's
// traffic policy set on in (RequestHeaders.Set and Add, the auth service's
// answer) and that outgoingHeader left out because the client named them
// in Connection: a client must not be able to drop what the proxy vouches
// for, such as an authenticated user's name.
func keepPolicyHeaders(t *trafficState, in, out http.Header) {
	if t == nil {
		return
	}
	for _, hvs := range [2][]headerValue{t.req.set, t.req.add} {
		for _, hv := range hvs {
			if v, ok := in[hv.key]; ok {
				out[hv.key] = v
			}
		}
	}
	if t.ext != nil {
		for _, k := range t.ext.responseHeaders {
			if v, ok := in[k]; ok {
				out[k] = v
			}
		}
	}
}

// dropH2CUpgrade turns a request to upgrade to h2c into a plain request, as
// an HTTP/1.1 server that does not speak h2c answers it. Forwarded, an
// upgrade a backend accepted would make the connection an HTTP/2 tunnel
// straight to the backend, in which the client could send requests for
// any path without the proxy routing or checking them (h2c smuggling).
// Should the backend switch protocols anyway, serveUpgrade refuses the
// switch, since the request it sent asked for none.
func dropH2CUpgrade(in, out http.Header) {
	if httpguts.HeaderValuesContainsToken(in["Upgrade"], "h2c") {
		delete(out, "Upgrade")
		delete(out, "Connection")
		delete(out, "Http2-Settings")
	}
}

// setPath makes u's path the cleaned, escaped path p.
func setPath(u *url.URL, p string) {
	if strings.IndexByte(p, '%') < 0 {
		u.Path, u.RawPath = p, ""
		return
	}
	// CleanPath's output always unescapes.
	dec, _ := url.PathUnescape(p)
	u.Path, u.RawPath = dec, p
}

// The forwarding headers, in the order of reqCtx.hdr.
const (
	hdrFor = iota
	hdrRealIP
	hdrProto
	hdrHost
	hdrPort
	hdrRequestID
	forwardedHeaders
)

// setForwarded sets the forwarding headers of out from in and the peer.
// From a trusted peer, incoming X-Forwarded-For is extended with the peer's
// address and the other headers are kept when present; from any other
// peer they are replaced, and Forwarded is removed.
func (h *Handler) setForwarded(rc *reqCtx, in *http.Request, out http.Header) {
	v := &rc.hdr
	trusted := rc.peer.trusted
	set := func(i int, key, val string) {
		if val != "" {
			v[i] = val
			out[key] = v[i : i+1 : i+1]
		}
	}
	incoming := func(key string) string {
		if !trusted {
			return ""
		}
		if vv := in.Header[key]; len(vv) > 0 {
			return vv[0]
		}
		return ""
	}

	xff := rc.peer.ip
	if prior := in.Header["X-Forwarded-For"]; trusted && len(prior) > 0 {
		xff = strings.Join(prior, ", ")
		if rc.peer.ip != "" {
			xff += ", " + rc.peer.ip
		}
	}
	set(hdrFor, "X-Forwarded-For", xff)

	realIP := incoming("X-Real-Ip")
	if realIP == "" && trusted {
		// Behind a trusted proxy the client is the one IP lists and rate
		// limits judge (nginx's realip module), not the proxy.
		if a, ok := clientAddr(in, rc.peer, h.cfg.TrustedProxies); ok {
			realIP = a.String()
		}
	}
	if realIP == "" {
		realIP = rc.peer.ip
	}
	delete(out, "X-Real-Ip")
	set(hdrRealIP, "X-Real-Ip", realIP)

	proto := incoming("X-Forwarded-Proto")
	if proto == "" {
		proto = "http"
		if in.TLS != nil {
			proto = "https"
		}
	}
	set(hdrProto, "X-Forwarded-Proto", proto)

	host := incoming("X-Forwarded-Host")
	if host == "" {
		host = in.Host
	}
	set(hdrHost, "X-Forwarded-Host", host)

	port := incoming("X-Forwarded-Port")
	if port == "" {
		port = h.localPort(in)
	}
	set(hdrPort, "X-Forwarded-Port", port)

	id := ""
	if vv := in.Header["X-Request-Id"]; len(vv) > 0 && validRequestID(vv[0]) {
		id = vv[0]
	} else {
		id = newRequestID()
	}
	set(hdrRequestID, "X-Request-Id", id)

	if fwd := in.Header["Forwarded"]; trusted && len(fwd) > 0 {
		out["Forwarded"] = append([]string(nil), fwd...)
	} else {
		delete(out, "Forwarded")
	}
}

// peer is the address a request came from.
type peer struct {
	ip      string // for X-Forwarded-For and X-Real-IP; RemoteAddr as-is if unparseable
	trusted bool   // its forwarding headers are believed
}

// parsePeer parses remoteAddr ("ip:port") and tells whether it is in one
// of the trusted prefixes. An address that does not parse is not trusted
// and is used as it is.
func parsePeer(remoteAddr string, trusted []netip.Prefix) peer {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return peer{ip: remoteAddr}
	}
	a := ap.Addr()
	var p peer
	if a.Is4In6() || a.Zone() != "" {
		a = a.Unmap().WithZone("")
		p.ip = a.String()
	} else {
		// The address part of remoteAddr, without allocating.
		p.ip = remoteAddr[:strings.LastIndexByte(remoteAddr, ':')]
		p.ip = strings.TrimSuffix(strings.TrimPrefix(p.ip, "["), "]")
	}
	for _, pfx := range trusted {
		if pfx.Contains(a) {
			p.trusted = true
			break
		}
	}
	return p
}

// localPort returns the port the request came in on, from the server's
// local address, else the scheme's default port.
func (h *Handler) localPort(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		port := -1
		switch a := a.(type) {
		case *net.TCPAddr:
			port = a.Port
		default:
			if ap, err := netip.ParseAddrPort(a.String()); err == nil {
				port = int(ap.Port())
			}
		}
		if port > 0 {
			return h.portString(port)
		}
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// portName caches the spelling of the last local port seen: servers listen
// on a port or two, so this saves an allocation per request.
type portName struct {
	port int
	name string
}

func (h *Handler) portString(port int) string {
	if pn := h.lastPort.Load(); pn != nil && pn.port == port {
		return pn.name
	}
	pn := &portName{port, strconv.Itoa(port)}
	h.lastPort.Store(pn)
	return pn.name
}

// validRequestID reports whether an incoming X-Request-ID is kept: 1 to
// 128 HTTP token characters, which covers UUIDs, hex and base64url IDs.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !httpguts.IsTokenRune(rune(s[i])) {
			return false
		}
	}
	return true
}

// newRequestID returns 32 random hex digits, like nginx's $request_id.
// math/rand/v2's global generator is seeded from the system and lock-free,
// which is unique enough for correlating logs and far cheaper than a
// system call per request.
func newRequestID() string {
	const hexDigits = "0123456789abcdef"
	var b [32]byte
	for i, x := range [2]uint64{rand.Uint64(), rand.Uint64()} {
		for j := range 16 {
			b[i*16+j] = hexDigits[x>>(60-4*j)&0xf]
		}
	}
	return string(b[:])
}
