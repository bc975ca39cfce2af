package proxy

import (
	"cmp"
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ingressmux/ingressmux/tlsconfig"
)

// Transport settings, sized for a proxy rather than for a client.
const (
	keepAlive           = 30 * time.Second
	maxIdleConnsPerHost = 512 // Go's default of 2 churns connections under load
	idleConnTimeout     = 90 * time.Second
	expectContinue      = 1 * time.Second
	h2PingAfter         = 30 * time.Second // probe an HTTP/2 connection idle this long
	h2PingTimeout       = 15 * time.Second
)

// transportKey is what makes two upstreams share an http.Transport: the
// same protocol, connect timeout and, for TLS protocols, equal TLS
// settings.
type transportKey struct {
	proto          Protocol
	connectTimeout time.Duration
	tls            tlsconfig.Client // zero for HTTP and GRPC
}

// keyOf returns the transport key of u spoken with proto: u.Protocol, or,
// for AutoHTTP, HTTP or HTTPS. defaultCAs (Config.BackendCAs) verify the
// backend when u names no RootCAs.
func keyOf(u *Upstream, proto Protocol, defaultCAs *x509.CertPool) transportKey {
	k := transportKey{proto: proto, connectTimeout: cmp.Or(u.ConnectTimeout, DefaultConnectTimeout)}
	if proto == HTTPS || proto == GRPCS {
		k.tls = u.TLS
		if k.tls.RootCAs == nil {
			k.tls.RootCAs = defaultCAs
		}
	}
	return k
}

func (k transportKey) equal(o transportKey) bool {
	return k.proto == o.proto && k.connectTimeout == o.connectTimeout && k.tls.Equal(o.tls)
}

// bucket is the comparable part of a key, for lookups.
type bucket struct {
	proto          Protocol
	connectTimeout time.Duration
	serverName     string
}

func (k transportKey) bucket() bucket {
	return bucket{k.proto, k.connectTimeout, k.tls.ServerName}
}

// transportSet holds distinct transports by key.
type transportSet struct {
	byBucket map[bucket][]*transportEntry
	all      []*transportEntry
	wrapped  []http.RoundTripper // what Config.WrapTransport returned
}

func (s *transportSet) find(k transportKey) *transportEntry {
	for _, te := range s.byBucket[k.bucket()] {
		if te.key.equal(k) {
			return te
		}
	}
	return nil
}

func (s *transportSet) add(te *transportEntry) {
	if s.byBucket == nil {
		s.byBucket = make(map[bucket][]*transportEntry)
	}
	b := te.key.bucket()
	s.byBucket[b] = append(s.byBucket[b], te)
	s.all = append(s.all, te)
}

func (s *transportSet) holds(te *transportEntry) bool {
	for _, x := range s.byBucket[te.key.bucket()] {
		if x == te {
			return true
		}
	}
	return false
}

// transportEntry is the transport of one key.
type transportEntry struct {
	key    transportKey
	scheme string // "http" or "https"
	t      *http.Transport
	// h1 is an HTTP/1.1-only transport for WebSocket handshakes, set only
	// when t dials TLS itself (DisableSNI): http.Transport then cannot keep
	// such requests off HTTP/2 as it does with its own TLS dialing.
	h1 *http.Transport
	// direct sends the requests that sendsDirect accepts, to plain-HTTP
	// backends and to HTTPS backends spoken to in HTTP/1.1 only; nil for
	// the other protocols.
	direct *directPool
}

func (te *transportEntry) closeIdle() {
	te.t.CloseIdleConnections()
	if te.h1 != nil {
		te.h1.CloseIdleConnections()
	}
	if te.direct != nil {
		te.direct.closeIdle()
	}
}

// newTransportEntry builds the transport for k.
func newTransportEntry(k transportKey) (*transportEntry, error) {
	d := &net.Dialer{Timeout: k.connectTimeout, KeepAlive: keepAlive}
	te := &transportEntry{key: k, scheme: "http", t: baseTransport(d, k.connectTimeout)}
	switch k.proto {
	case HTTP:
		if directPathSupported {
			te.direct = newDirectPool(d)
			te.direct.dial = timedDial(te.direct.dial)
		}
	case GRPC:
		// HTTP/2 with prior knowledge over TCP (h2c).
		te.t.Protocols = new(http.Protocols)
		te.t.Protocols.SetUnencryptedHTTP2(true)
	case HTTPS, GRPCS:
		te.scheme = "https"
		c := k.tls
		if len(c.NextProtos) == 0 {
			// HTTPS is HTTP/1.1 over TLS, as ingress-nginx's proxy_pass
			// https:// speaks it. Offering h2 as well would make every
			// request first look for an HTTP/2 connection to reuse, which
			// costs about a microsecond even when the backend never
			// agreed to HTTP/2 (measured over loopback, one core).
			c.NextProtos = []string{"http/1.1"}
			if k.proto == GRPCS {
				c.NextProtos = []string{"h2"}
			}
		}
		if slices.Contains(c.NextProtos, "h2") {
			te.t.ForceAttemptHTTP2 = true
		} else {
			te.t.Protocols = new(http.Protocols)
			te.t.Protocols.SetHTTP1(true)
			if k.proto == HTTPS && directPathSupported {
				// HTTP/1.1 only: the direct pool can send the bodiless
				// requests, over TLS connections of its own.
				dial, err := tlsDialer(c, d, k.connectTimeout)
				if err != nil {
					return nil, err
				}
				te.direct = newDirectPool(d)
				te.direct.dial = timedDial(dial)
			}
		}
		if !c.DisableSNI {
			cfg, err := c.Config()
			if err != nil {
				return nil, err
			}
			te.t.TLSClientConfig = cfg
			break
		}
		// http.Transport would send SNI from the dialed host; the tlsconfig
		// dialer sends none and still verifies ServerName.
		dial, err := tlsDialer(c, d, k.connectTimeout)
		if err != nil {
			return nil, err
		}
		te.t.DialTLSContext = dial
		if te.t.ForceAttemptHTTP2 && k.proto == HTTPS {
			c.NextProtos = []string{"http/1.1"}
			dial1, err := tlsDialer(c, d, k.connectTimeout)
			if err != nil {
				return nil, err
			}
			te.h1 = baseTransport(d, k.connectTimeout)
			te.h1.DialTLSContext = dial1
		}
	}
	return te, nil
}

// baseTransport returns a transport with the settings every protocol
// shares. Timeouts that depend on the route (read, send) are not here:
// routes with different timeouts share transports, so the handler enforces
// them per request.
func baseTransport(d *net.Dialer, connectTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // never an environment proxy
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   connectTimeout,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		MaxConnsPerHost:       0,
		IdleConnTimeout:       idleConnTimeout,
		DisableCompression:    true, // pass Accept-Encoding through untouched
		ExpectContinueTimeout: expectContinue,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: h2PingAfter,
			PingTimeout:     h2PingTimeout,
		},
	}
}

// tlsDialer returns c's own TLS dialer over d, bounded by timeout.
func tlsDialer(c tlsconfig.Client, d *net.Dialer, timeout time.Duration) (func(context.Context, string, string) (net.Conn, error), error) {
	dial, err := c.DialTLSContext(d.DialContext)
	if err != nil {
		return nil, err
	}
	return handshakeTimeout(dial, timeout), nil
}

// handshakeTimeout bounds a custom TLS dial, handshake included, since
// http.Transport applies TLSHandshakeTimeout to its own TLS dialing only.
func handshakeTimeout(dial func(context.Context, string, string) (net.Conn, error), d time.Duration) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return dial(ctx, network, addr)
	}
}

// roundTrip sends req once, with the transport chosen for the request,
// timing the answer when the upstream balances by EWMA.
func (rc *reqCtx) roundTrip(req *http.Request) (*http.Response, error) {
	if rc.info != nil {
		rc.beginAttempt(req.URL.Host)
	}
	var res *http.Response
	var err error
	if rc.up.lat != nil {
		res, err = rc.up.lat.measure(rc, req)
	} else {
		res, err = rc.send(req)
	}
	rc.record(req.URL.Host, err)
	if rc.info != nil {
		rc.endAttempt(res, err)
	}
	return res, err
}

// send sends req once, with the transport chosen for the request, or
// what Config.WrapTransport made of it.
func (rc *reqCtx) send(req *http.Request) (*http.Response, error) {
	if rt := rc.up.wrapped(rc.in.TLS != nil); rt != nil {
		return rt.RoundTrip(req)
	}
	return rc.te.send(req, rc.trace.Got1xxResponse)
}

// send sends req once: bodiless requests on the direct path where it
// applies, WebSocket handshakes over HTTP/1.1, the rest through the
// http.Transport. got1xx, if not nil, is given interim responses on the
// direct path (http.Transport finds them in req's client trace).
func (te *transportEntry) send(req *http.Request, got1xx func(int, textproto.MIMEHeader) error) (*http.Response, error) {
	if te.direct != nil && sendsDirect(req) {
		return te.direct.roundTrip(req, got1xx)
	}
	if te.h1 != nil && isWebSocket(req.Header) {
		return te.h1.RoundTrip(req)
	}
	return te.t.RoundTrip(req)
}

// entryTransport is the Handler's RoundTripper for one transport entry,
// as Config.WrapTransport is given it.
type entryTransport struct{ te *transportEntry }

// RoundTrip sends req as the Handler would without a WrapTransport.
func (t entryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var got1xx func(int, textproto.MIMEHeader) error
	if rc := requestState(req.Context()); rc != nil {
		got1xx = rc.trace.Got1xxResponse
	}
	return t.te.send(req, got1xx)
}

// CloseIdleConnections closes the entry's idle connections.
func (t entryTransport) CloseIdleConnections() { t.te.closeIdle() }

// timedDial wraps the direct path's dial so that a tracked request (see
// Info) learns how long its new connection took, as the client trace's
// GetConn and GotConn tell it for http.Transport.
func timedDial(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		rc := requestState(ctx)
		if rc == nil || rc.info == nil {
			return dial(ctx, network, addr)
		}
		rc.connecting(addr)
		c, err := dial(ctx, network, addr)
		if err == nil {
			rc.connected(httptrace.GotConnInfo{Conn: c})
		}
		return c, err
	}
}

// isWebSocket reports whether h asks for a WebSocket upgrade, which needs
// HTTP/1.1.
func isWebSocket(h http.Header) bool {
	return httpguts.HeaderValuesContainsToken(h["Connection"], "upgrade") &&
		httpguts.HeaderValuesContainsToken(h["Upgrade"], "websocket")
}

// keep adds the transports of up, kept from the previous table.
func (s *transportSet) keep(up *upstream) {
	for _, te := range []*transportEntry{up.te, up.teTLS} {
		if te != nil && !s.holds(te) {
			s.add(te)
		}
	}
	if w := up.wrappers; w != nil {
		for _, rt := range []http.RoundTripper{w.rt, w.rtTLS} {
			if rt != nil && !slices.Contains(s.wrapped, rt) {
				s.wrapped = append(s.wrapped, rt) // for Close
			}
		}
	}
}
