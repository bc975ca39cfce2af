package tlsconfig

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

// TestServerHandshake runs real handshakes against Store.ServerConfig.
func TestServerHandshake(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	apex, wild, def := ca.Issue(t, "foo.com"), ca.Issue(t, "*.foo.com"), ca.Issue(t, "default.example")
	var s Store
	if err := s.Replace(map[string]*tls.Certificate{"foo.com": apex, "*.foo.com": wild}, def); err != nil {
		t.Fatal(err)
	}
	addr, seen := serveTLS(t, s.ServerConfig())

	for _, tt := range []struct {
		name       string
		client     *tls.Config
		wantLeaf   *tls.Certificate // nil: the handshake fails
		wantALPN   string
		wantErrMsg string // in the client's error
	}{
		{name: "wildcard", client: &tls.Config{ServerName: "a.foo.com", RootCAs: ca.Pool()}, wantLeaf: wild},
		{name: "exact", client: &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool()}, wantLeaf: apex},
		{name: "upper case", client: &tls.Config{ServerName: "FOO.COM", RootCAs: ca.Pool()}, wantLeaf: apex},
		{name: "two labels get the default", client: &tls.Config{ServerName: "a.b.foo.com", InsecureSkipVerify: true}, wantLeaf: def},
		{name: "no SNI gets the default", client: &tls.Config{InsecureSkipVerify: true}, wantLeaf: def},
		{name: "ALPN h2", client: &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool(), NextProtos: []string{"h2", "http/1.1"}}, wantLeaf: apex, wantALPN: "h2"},
		{name: "ALPN http/1.1", client: &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool(), NextProtos: []string{"http/1.1"}}, wantLeaf: apex, wantALPN: "http/1.1"},
		{name: "TLS 1.2", client: &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool(), MaxVersion: tls.VersionTLS12}, wantLeaf: apex},
		{name: "TLS 1.1 refused", client: &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool(), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
			wantErrMsg: "protocol version"},
	} {
		state, err := dialTLS(t, addr, tt.client)
		srv := <-seen
		if tt.wantLeaf == nil {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrMsg) {
				t.Errorf("%s: handshake error = %v, want one containing %q", tt.name, err, tt.wantErrMsg)
			}
			if srv.err == nil {
				t.Errorf("%s: server handshake succeeded, want it to fail", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: handshake = %v", tt.name, err)
			continue
		}
		if !state.PeerCertificates[0].Equal(tt.wantLeaf.Leaf) {
			t.Errorf("%s: got certificate %q, want %q", tt.name, state.PeerCertificates[0].Subject.CommonName, leafName(tt.wantLeaf))
		}
		if state.NegotiatedProtocol != tt.wantALPN {
			t.Errorf("%s: negotiated %q, want %q", tt.name, state.NegotiatedProtocol, tt.wantALPN)
		}
	}

	// A reload takes effect for the next handshake, without a restart.
	renewed := ca.Issue(t, "foo.com")
	if err := s.Set("foo.com", renewed); err != nil {
		t.Fatal(err)
	}
	state, err := dialTLS(t, addr, &tls.Config{ServerName: "foo.com", RootCAs: ca.Pool()})
	<-seen
	if err != nil || !state.PeerCertificates[0].Equal(renewed.Leaf) {
		t.Errorf("after Set: handshake = %v, want the renewed certificate", err)
	}
}

// TestServerHTTP serves HTTP/2 and HTTP/1.1 through an http.Server.
func TestServerHTTP(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	var s Store
	if err := s.Set("*.foo.com", ca.Issue(t, "*.foo.com")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		TLSConfig: s.ServerConfig(),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.Proto+" "+r.TLS.ServerName)
		}),
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })

	for _, tt := range []struct {
		h2   bool
		want string
	}{
		{true, "HTTP/2.0 a.foo.com"},
		{false, "HTTP/1.1 a.foo.com"},
	} {
		tr := &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: ca.Pool()},
			ForceAttemptHTTP2: tt.h2,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, ln.Addr().String())
			},
		}
		if !tt.h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		got := get(t, tr, "https://a.foo.com/")
		if got != tt.want {
			t.Errorf("GET with h2 %v = %q, want %q", tt.h2, got, tt.want)
		}
		tr.CloseIdleConnections()
	}
}

// get fetches url with rt and returns the body, failing the test on error.
func get(tb testing.TB, rt http.RoundTripper, url string) string {
	tb.Helper()
	resp, err := (&http.Client{Transport: rt}).Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return string(b)
}
