package proxy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestHostileFraming sends requests whose framing is ambiguous — the
// classic request smuggling shapes — or whose header lines are malformed.
// net/http refuses most before the handler runs; for the rest, the
// backend must receive one well-framed request (never Content-Length and
// Transfer-Encoding together, never a second request hidden in a body),
// and nothing reaches the reserved route.
func TestHostileFraming(t *testing.T) {
	rig := newHostileRig(t, Config{})
	const post = "POST /static/upload HTTP/1.1\r\nHost: example.com\r\n"
	const smuggled = "GET /admin/users HTTP/1.1\r\nHost: example.com\r\n\r\n"
	for _, tt := range []struct {
		name, request string
		code          int
		bodies        []string // what static receives, one per request; nil: nothing
	}{
		{"conflicting Content-Length", post + "Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc", 400, nil},
		{"Content-Length list", post + "Content-Length: 3, 30\r\n\r\nabc", 400, nil},
		{"signed Content-Length", post + "Content-Length: +3\r\n\r\nabc", 400, nil},
		{"chunked twice", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, nil},
		{"chunked then identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 501, nil},
		{"unknown coding", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501, nil},
		{"space before colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, nil},
		{"CR inside a value", post + "X-Note: a\rb\r\nContent-Length: 0\r\n\r\n", 400, nil},
		{"NUL inside a value", post + "X-Note: a\x00b\r\nContent-Length: 0\r\n\r\n", 400, nil},
		{"CR inside a name", post + "X-No\rte: a\r\nContent-Length: 0\r\n\r\n", 400, nil},
		{"space inside a name", post + "X Note: a\r\nContent-Length: 0\r\n\r\n", 400, nil},
		{"request line with a bare CR", "GET /static\rX HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, nil},
		// Well-formed, but a smuggler's favourites: each body is what it
		// says it is, and what follows it is a request of its own, which
		// meets the guard of the reserved route.
		{"chunked with a request after it", post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + smuggled, 200, []string{"abc"}},
		{"Content-Length with a request after it", post + "Content-Length: 3\r\n\r\nabc" + smuggled, 200, []string{"abc"}},
		{"chunk extension and trailer", post + "Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n", 200, []string{"abc"}},
		// RFC 9112 lets a recipient read these; net/http does, and the
		// backend gets them re-framed: Content-Length dropped for chunked
		// (section 6.3), Transfer-Encoding ignored in HTTP/1.0 (section
		// 6.1), obs-fold replaced by a space (section 5.2).
		{"Content-Length with chunked", post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, []string{"abc"}},
		{"chunked in HTTP/1.0", "POST /static/upload HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n", 200, []string{"0\r\n"}},
		{"obs-fold", post + "Content-Length: 3\r\nX-Note: a\r\n b\r\n\r\nabc", 200, []string{"abc"}},
		{"obs-fold on Transfer-Encoding", post + "Transfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, []string{"abc"}},
		{"h2c prior knowledge", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rig.send(t, tt.request)
			got := rig.takeAll()
			rig.checkAgreement(t, tt.name, got)
			if res.StatusCode != tt.code {
				t.Errorf("status %d, want %d (%q)", res.StatusCode, tt.code, body)
			}
			if n := len(got[rig.web]); n > 0 {
				t.Errorf("web was reached: %v", got[rig.web])
			}
			st := got[rig.static]
			if len(st) != len(tt.bodies) {
				t.Fatalf("static received %d requests, want %d: %v", len(st), len(tt.bodies), st)
			}
			for i, r := range st {
				if r.Body != tt.bodies[i] {
					t.Errorf("static received body %q, want %q", r.Body, tt.bodies[i])
				}
				if _, both := r.Header["Content-Length"]; both && len(r.TransferEncoding) > 0 {
					t.Errorf("static received both Content-Length and Transfer-Encoding: %v", r)
				}
				for k, vv := range r.Header {
					for _, v := range vv {
						if strings.ContainsAny(k+v, "\r\n\x00") {
							t.Errorf("static received header %q: %q", k, v)
						}
					}
				}
				if !hasAll(r.Header.Values("X-Proxy-Verified"), "static-route") {
					t.Errorf("static received X-Proxy-Verified %q, want the route's value", r.Header.Values("X-Proxy-Verified"))
				}
			}
		})
	}
}

// TestHostileDesync sends the two request smuggling shapes, CL.TE and
// TE.CL, each hiding a request for the reserved route where a front proxy
// that framed by the other header would see body bytes. The proxy frames
// by Transfer-Encoding, so in CL.TE the hidden request is read as a
// request of its own, routed and refused by the guard like any other, and
// in TE.CL it is body. Either way no backend ever receives bytes the proxy
// did not parse as one request: the backend connection carries requests
// that the proxy wrote itself.
func TestHostileDesync(t *testing.T) {
	rig := newHostileRig(t, Config{})
	const hidden = "GET /admin/users HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"
	clte := "POST /static/upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n" +
		"Content-Length: " + strconv.Itoa(len("0\r\n\r\n"+hidden)) + "\r\n\r\n0\r\n\r\n" + hidden
	chunk := hidden + "X: "
	tecl := "POST /static/upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strconv.FormatInt(int64(len(chunk)), 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
	for _, tt := range []struct {
		name, request string
		codes         []int // the responses on the connection, in order
		body          string
	}{
		{"CL.TE", clte, []int{200, 403}, ""},
		{"TE.CL", tecl + "GET /static/next HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", []int{200, 200}, chunk},
	} {
		t.Run(tt.name, func(t *testing.T) {
			codes := rig.sendAll(t, tt.request)
			got := rig.takeAll()
			rig.checkAgreement(t, tt.name, got)
			// net/http may also close the connection after the first
			// response (RFC 9112 asks for it); it must never answer the
			// hidden request from the reserved route's backend.
			if len(codes) == 0 || codes[0] != 200 || !slices.Equal(codes, tt.codes[:len(codes)]) {
				t.Errorf("responses %v, want %v or a prefix of it", codes, tt.codes)
			}
			if len(got[rig.web]) > 0 {
				t.Errorf("the hidden request reached web: %v", got[rig.web])
			}
			if st := got[rig.static]; len(st) == 0 || st[0].Body != tt.body {
				t.Errorf("static received %v, want a first request with body %q", st, tt.body)
			}
		})
	}
}

// TestHostileForwardingHeaders: a client that is not a trusted proxy
// cannot choose the forwarding headers the backend gets, nor have the
// proxy drop them, or drop a header the route's policy sets, by naming
// them in Connection; it cannot pass an IP allowlist by claiming an
// address, nor skip the HTTPS redirect by claiming HTTPS.
func TestHostileForwardingHeaders(t *testing.T) {
	rig := newHostileRig(t, Config{})
	spoof := "X-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\nX-Real-IP: 10.0.0.1\r\n" +
		"X-Forwarded-Proto: https\r\nX-Forwarded-Host: admin.example.com\r\nX-Forwarded-Port: 443\r\n" +
		"Forwarded: for=10.0.0.1;proto=https;host=admin.example.com\r\nX-Proxy-Verified: forged\r\n"
	strip := "Connection: close, X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, " +
		"X-Forwarded-Port, X-Request-ID, X-Proxy-Verified\r\n"
	for _, tt := range []struct {
		name, headers string
	}{
		{"spoofed", spoof + "Connection: close\r\n"},
		{"stripped", strip},
		{"spoofed and stripped", spoof + strip},
		{"stripped in several Connection lines", "Connection: X-Forwarded-For\r\nConnection: X-Proxy-Verified, close\r\nConnection: X-Real-IP\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rig.send(t, "GET /static/x HTTP/1.1\r\nHost: example.com\r\n"+tt.headers+"\r\n")
			got := rig.takeAll()
			rig.checkAgreement(t, tt.name, got)
			if res.StatusCode != 200 || len(got[rig.static]) != 1 {
				t.Fatalf("status %d (%q), static received %v", res.StatusCode, body, got[rig.static])
			}
			h := got[rig.static][0].Header
			for k, want := range map[string]string{
				"X-Forwarded-For":   "127.0.0.1",
				"X-Real-Ip":         "127.0.0.1",
				"X-Forwarded-Proto": "http",
				"X-Forwarded-Host":  "example.com",
				"X-Proxy-Verified":  "static-route",
			} {
				if v := h.Values(k); len(v) != 1 || v[0] != want {
					t.Errorf("backend got %s %q, want %q", k, v, want)
				}
			}
			port := rig.addr[strings.LastIndexByte(rig.addr, ':')+1:]
			if v := h.Values("X-Forwarded-Port"); len(v) != 1 || v[0] != port {
				t.Errorf("backend got X-Forwarded-Port %q, want %q", v, port)
			}
			if v := h.Values("X-Request-Id"); len(v) != 1 || !isGeneratedID(v[0]) {
				t.Errorf("backend got X-Request-Id %q, want one generated ID", v)
			}
			if v := h.Values("Forwarded"); len(v) > 0 {
				t.Errorf("backend got Forwarded %q from an untrusted client", v)
			}
		})
	}

	// The address and scheme a client claims decide nothing.
	for _, tt := range []struct {
		target string
		code   int
	}{
		{"/admin/users", 403},
		{"/secure/page", 308},
	} {
		res, _ := rig.send(t, "GET "+tt.target+" HTTP/1.1\r\nHost: example.com\r\n"+spoof+"Connection: close\r\n\r\n")
		if res.StatusCode != tt.code {
			t.Errorf("GET %s with forged forwarding headers: status %d, want %d", tt.target, res.StatusCode, tt.code)
		}
		if got := rig.takeAll(); len(got[rig.web])+len(got[rig.static]) > 0 {
			t.Errorf("GET %s with forged forwarding headers reached a backend: %v", tt.target, got)
		}
	}
}

// TestHostileAuthHeaders: the user an auth service vouches for reaches
// the backend however the client tries to forge it or have it dropped.
func TestHostileAuthHeaders(t *testing.T) {
	rig := newHostileRig(t, Config{})
	for _, headers := range []string{
		"X-Auth-Request-User: mallory\r\nConnection: close\r\n",
		"Connection: close, X-Auth-Request-User\r\n",
		"X-Auth-Request-User: mallory\r\nConnection: X-Auth-Request-User\r\nConnection: close\r\n",
	} {
		res, _ := rig.send(t, "GET /account/me HTTP/1.1\r\nHost: example.com\r\n"+headers+"\r\n")
		got := rig.takeAll()
		if res.StatusCode != 200 || len(got[rig.static]) != 1 {
			t.Fatalf("%q: status %d, static received %v", headers, res.StatusCode, got[rig.static])
		}
		if v := got[rig.static][0].Header.Values("X-Auth-Request-User"); len(v) != 1 || v[0] != "alice" {
			t.Errorf("%q: backend got X-Auth-Request-User %q, want the auth service's \"alice\"", headers, v)
		}
	}
}

// TestHostileTrustedPeer: a trusted peer's forwarding headers are
// believed, but an allowlist still judges the address the trusted peer
// saw, not one its client wrote further left.
func TestHostileTrustedPeer(t *testing.T) {
	rig := newHostileRig(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	// The load balancer (127.0.0.1) saw 192.0.2.7, whose request claimed
	// 10.0.0.1 first.
	res, _ := rig.send(t, "GET /admin/users HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 10.0.0.1, 192.0.2.7\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 403 {
		t.Errorf("allowlist judged a forged hop: status %d, want 403", res.StatusCode)
	}
	res, _ = rig.send(t, "GET /static/x HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 192.0.2.7\r\nConnection: close\r\n\r\n")
	got := rig.takeAll()
	if res.StatusCode != 200 || len(got[rig.static]) != 1 {
		t.Fatalf("status %d, static received %v", res.StatusCode, got[rig.static])
	}
	if v := got[rig.static][0].Header.Get("X-Forwarded-For"); v != "192.0.2.7, 127.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want the trusted list extended with the peer", v)
	}
}

// TestHostileUpgrade: an "Upgrade: h2c" request is never forwarded as an
// upgrade. A backend that accepted it would turn the connection into an
// HTTP/2 tunnel straight to itself, in which the client could ask for any
// path, reserved ones included, without the proxy seeing a request (h2c
// smuggling). The request is proxied as a plain request instead, as an
// HTTP/1.1 server that does not speak h2c would answer it.
func TestHostileUpgrade(t *testing.T) {
	rig := newHostileRig(t, Config{})
	for _, tt := range []struct{ name, headers string }{
		{"h2c", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n"},
		{"h2c with the settings not listed", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade\r\n"},
		{"h2c among others", "Upgrade: websocket, H2C\r\nConnection: upgrade\r\n"},
		{"h2c in a second line", "Upgrade: foo\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rig.send(t, "GET /static/x HTTP/1.1\r\nHost: example.com\r\n"+tt.headers+"\r\n")
			got := rig.takeAll()
			rig.checkAgreement(t, tt.name, got)
			if res.StatusCode != 200 || len(got[rig.static]) != 1 {
				t.Fatalf("status %d (%q), static received %v", res.StatusCode, body, got[rig.static])
			}
			h := got[rig.static][0].Header
			for _, k := range []string{"Upgrade", "Http2-Settings"} {
				if v := h.Values(k); len(v) > 0 {
					t.Errorf("backend got %s %q", k, v)
				}
			}
		})
	}
}

// TestHostileSizes: header sections and request targets over the
// server's MaxHeaderBytes get 431 and reach no backend; a malformed or
// oversized X-Request-ID is replaced rather than passed on to logs.
func TestHostileSizes(t *testing.T) {
	rig := newHostileRig(t, Config{})
	big := strings.Repeat("a", 32<<10)
	for _, tt := range []struct{ name, request string }{
		{"long target", "GET /static/" + big + " HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{"long header", "GET /static/ HTTP/1.1\r\nHost: example.com\r\nX-Big: " + big + "\r\n\r\n"},
		{"many headers", "GET /static/ HTTP/1.1\r\nHost: example.com\r\n" + strings.Repeat("X-Many: 1\r\n", 4<<10) + "\r\n"},
	} {
		res, _ := rig.send(t, tt.request)
		if res.StatusCode != 431 {
			t.Errorf("%s: status %d, want 431", tt.name, res.StatusCode)
		}
		if got := rig.takeAll(); len(got[rig.web])+len(got[rig.static]) > 0 {
			t.Errorf("%s reached a backend", tt.name)
		}
	}
	for _, id := range []string{strings.Repeat("x", 129), "a b", "id\"<script>", strconv.Quote("x")} {
		res, _ := rig.send(t, "GET /static/ HTTP/1.1\r\nHost: example.com\r\nX-Request-ID: "+id+"\r\nConnection: close\r\n\r\n")
		got := rig.takeAll()
		if res.StatusCode != 200 || len(got[rig.static]) != 1 {
			t.Fatalf("X-Request-ID %q: status %d", id, res.StatusCode)
		}
		if v := got[rig.static][0].Header.Get("X-Request-Id"); !isGeneratedID(v) {
			t.Errorf("X-Request-ID %q reached the backend as %q, want a generated one", id, v)
		}
	}
}
