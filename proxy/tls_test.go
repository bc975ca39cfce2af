package proxy

import (
	"crypto/tls"
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// newTLSBackend starts an echo backend on 127.0.0.1 serving cert, with
// HTTP/2 and HTTP/1.1.
func newTLSBackend(tb testing.TB, name string, cert *tls.Certificate) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(echoHandler(name))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point of some tests
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}, NextProtos: []string{"h2", "http/1.1"}}
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

func TestHTTPSBackend(t *testing.T) {
	ca, other := testpki.NewCA(t, "backend CA"), testpki.NewCA(t, "other CA")
	be := newTLSBackend(t, "tls", ca.Issue(t, "project-domain.com"))
	for _, tt := range []struct {
		name      string
		proto     Protocol
		tls       tlsconfig.Client
		code      int
		sni       string
		httpProto string
		log       string
	}{
		// HTTP/1.1 to a backend that offers h2 too, as ingress-nginx.
		{"verified", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool()}, 200, "project-domain.com", "HTTP/1.1", ""},
		{"HTTP/2 asked for", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), NextProtos: []string{"h2", "http/1.1"}}, 200, "project-domain.com", "HTTP/2.0", ""},
		{"GRPCS", GRPCS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool()}, 200, "project-domain.com", "HTTP/2.0", ""},
		{"no SNI, still verified", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), DisableSNI: true}, 200, "", "HTTP/1.1", ""},
		{"no SNI, HTTP/2 asked for", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), DisableSNI: true, NextProtos: []string{"h2", "http/1.1"}}, 200, "", "HTTP/2.0", ""},
		{"wrong CA", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: other.Pool()}, 502, "", "",
			`backend certificate rejected for project-domain.com`},
		{"wrong name", HTTPS, tlsconfig.Client{ServerName: "other.com", RootCAs: ca.Pool()}, 502, "", "", `proxy-ssl-verify: \"off\"`},
		{"IP not in certificate", HTTPS, tlsconfig.Client{RootCAs: ca.Pool()}, 502, "", "", `backend certificate rejected for 127.0.0.1`},
		{"verification off", HTTPS, tlsconfig.Client{ServerName: "project-domain.com", RootCAs: other.Pool(), InsecureSkipVerify: true}, 200, "project-domain.com", "HTTP/1.1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := &Upstream{Name: "tls", Protocol: tt.proto, Endpoints: []string{addr(be)}, TLS: tt.tls}
			h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up, Host: "project-domain.com"}))})
			r := httptest.NewRequest("GET", "/x", nil)
			r.Host = "client.example"
			w := serve(h, r)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d; body %q; log:\n%s", w.Code, tt.code, w.Body, logs)
			}
			if tt.log != "" && !logs.Contains(tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, logs)
			}
			if tt.code == 200 && tt.log == "" {
				s := decode(t, w.Body.Bytes())
				if s.ServerName != tt.sni || s.Host != "project-domain.com" || s.Proto != tt.httpProto {
					t.Errorf("backend saw SNI %q Host %q %s, want SNI %q Host %q %s", s.ServerName, s.Host, s.Proto, tt.sni, "project-domain.com", tt.httpProto)
				}
			}
		})
	}
}

// TestBackendCAsDefault checks that Config.BackendCAs verify HTTPS
// upstreams that name no RootCAs, and that an upstream's own RootCAs win.
func TestBackendCAsDefault(t *testing.T) {
	ca, other := testpki.NewCA(t, "backend CA"), testpki.NewCA(t, "other CA")
	be := newTLSBackend(t, "tls", ca.Issue(t, "project-domain.com"))
	for _, tt := range []struct {
		name     string
		own, def *testpki.CA
		wantCode int
	}{
		{"default verifies", nil, ca, 200},
		{"default refuses", nil, other, 502},
		{"own wins over default", ca, other, 200},
		{"own refuses despite default", other, ca, 502},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tlsconfig.Client{ServerName: "project-domain.com"}
			if tt.own != nil {
				c.RootCAs = tt.own.Pool()
			}
			up := &Upstream{Name: "tls", Protocol: HTTPS, Endpoints: []string{addr(be)}, TLS: c}
			h, logs := newHandler(t, Config{BackendCAs: tt.def.Pool(), Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
			if w := serve(h, httptest.NewRequest("GET", "/x", nil)); w.Code != tt.wantCode {
				t.Fatalf("status %d, want %d; log:\n%s", w.Code, tt.wantCode, logs)
			}
		})
	}
}
