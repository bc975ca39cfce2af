package tlsconfig

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

// TestClientVerify dials a backend whose certificate, for
// project-domain.com, is signed by a test CA.
func TestClientVerify(t *testing.T) {
	ca, other := testpki.NewCA(t, "backend CA"), testpki.NewCA(t, "other CA")
	direct := &tls.Config{Certificates: []tls.Certificate{*ca.Issue(t, "project-domain.com")}}
	chained := &tls.Config{Certificates: []tls.Certificate{*ca.IssueChain(t, "project-domain.com")}}
	directAddr, directSeen := serveTLS(t, direct)
	chainAddr, chainSeen := serveTLS(t, chained)

	for _, tt := range []struct {
		name    string
		client  Client
		chain   bool   // dial the server with an intermediate
		wantSNI string // what the server sees
		wantErr string // "": success; else a verification error containing it
	}{
		{name: "verified", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool()}, wantSNI: "project-domain.com"},
		{name: "wrong name", client: Client{ServerName: "other.com", RootCAs: ca.Pool()}, wantSNI: "other.com", wantErr: "not other.com"},
		{name: "unknown CA", client: Client{ServerName: "project-domain.com", RootCAs: other.Pool()}, wantSNI: "project-domain.com", wantErr: "unknown authority"},
		{name: "system roots", client: Client{ServerName: "project-domain.com"}, wantSNI: "project-domain.com", wantErr: "x509: "},
		{name: "insecure", client: Client{ServerName: "other.com", InsecureSkipVerify: true}, wantSNI: "other.com"},
		{name: "no SNI, verified", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), DisableSNI: true}},
		{name: "no SNI, wrong name", client: Client{ServerName: "other.com", RootCAs: ca.Pool(), DisableSNI: true}, wantErr: "not other.com"},
		{name: "no SNI, unknown CA", client: Client{ServerName: "project-domain.com", RootCAs: other.Pool(), DisableSNI: true}, wantErr: "unknown authority"},
		{name: "no SNI, insecure", client: Client{DisableSNI: true, InsecureSkipVerify: true}},
		{name: "no SNI, intermediate", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), DisableSNI: true}, chain: true},
		{name: "depth 1, direct", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), VerifyDepth: 1}, wantSNI: "project-domain.com"},
		{name: "depth 1, intermediate", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), VerifyDepth: 1}, chain: true, wantSNI: "project-domain.com",
			wantErr: `tlsconfig: certificate chain of "project-domain.com" has 2 certificates above the leaf, more than the verify depth 1`},
		{name: "depth 2, intermediate", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), VerifyDepth: 2}, chain: true, wantSNI: "project-domain.com"},
		{name: "depth 0, intermediate", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool()}, chain: true, wantSNI: "project-domain.com"},
		{name: "depth 1, no SNI, intermediate", client: Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), VerifyDepth: 1, DisableSNI: true}, chain: true,
			wantErr: "more than the verify depth 1"},
		{name: "depth ignored when insecure", client: Client{ServerName: "project-domain.com", VerifyDepth: 1, InsecureSkipVerify: true}, chain: true, wantSNI: "project-domain.com"},
	} {
		cfg, err := tt.client.Config()
		if err != nil {
			t.Errorf("%s: Config() = %v", tt.name, err)
			continue
		}
		addr, seen := directAddr, directSeen
		if tt.chain {
			addr, seen = chainAddr, chainSeen
		}
		_, err = dialTLS(t, addr, cfg)
		srv := <-seen
		if srv.sni != tt.wantSNI {
			t.Errorf("%s: server saw SNI %q, want %q", tt.name, srv.sni, tt.wantSNI)
		}
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: handshake = %v, want success", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: handshake = %v, want error containing %q", tt.name, err, tt.wantErr)
		}
		if !IsVerificationError(err) {
			t.Errorf("%s: IsVerificationError(%v) = false, want true", tt.name, err)
		}
	}
}

// TestClientCertificate presents a client certificate to a backend that
// requires one (mTLS).
func TestClientCertificate(t *testing.T) {
	serverCA, clientCA := testpki.NewCA(t, "backend CA"), testpki.NewCA(t, "client CA")
	addr, seen := serveTLS(t, &tls.Config{
		Certificates: []tls.Certificate{*serverCA.Issue(t, "backend.svc")},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCA.Pool(),
	})
	clientCert := clientCA.Issue(t, "ingressmux-proxy")

	for _, tt := range []struct {
		name  string
		certs []tls.Certificate
		want  string // common name the server sees, "" for a failed handshake
	}{
		{"with client certificate", []tls.Certificate{*clientCert}, "ingressmux-proxy"},
		{"without", nil, ""},
	} {
		cfg, err := Client{ServerName: "backend.svc", RootCAs: serverCA.Pool(), Certificates: tt.certs}.Config()
		if err != nil {
			t.Fatal(err)
		}
		dialTLS(t, addr, cfg) // with TLS 1.3 the client learns of a refusal only when it reads
		srv := <-seen
		switch {
		case tt.want == "" && srv.err == nil:
			t.Errorf("%s: server accepted the handshake, want it to require a certificate", tt.name)
		case tt.want != "" && (srv.err != nil || len(srv.state.PeerCertificates) == 0):
			t.Errorf("%s: server handshake = %v, got %d client certificates", tt.name, srv.err, len(srv.state.PeerCertificates))
		case tt.want != "" && srv.state.PeerCertificates[0].Subject.CommonName != tt.want:
			t.Errorf("%s: server saw client %q, want %q", tt.name, srv.state.PeerCertificates[0].Subject.CommonName, tt.want)
		}
	}
}

// TestClientTransport checks DisableSNI through http.Transport: with
// TLSClientConfig the transport fills in the server name (and so sends
// SNI); with DialTLSContext none is sent.
func TestClientTransport(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	sni := make(chan string, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{*ca.Issue(t, "project-domain.com")},
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			sni <- hello.ServerName
			return nil, nil
		},
	}
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the wrong-name case fails a handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}

	c := Client{ServerName: "project-domain.com", RootCAs: ca.Pool(), DisableSNI: true, NextProtos: []string{"h2", "http/1.1"}}
	cfg, err := c.Config()
	if err != nil {
		t.Fatal(err)
	}
	dialTLS, err := c.DialTLSContext(dial)
	if err != nil {
		t.Fatal(err)
	}
	unset := Client{RootCAs: ca.Pool()} // ServerName from the URL
	dialUnset, err := unset.DialTLSContext(dial)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		tr       *http.Transport
		wantSNI  string
		wantBody string
	}{
		{"TLSClientConfig sends SNI", &http.Transport{TLSClientConfig: cfg, DialContext: dial, ForceAttemptHTTP2: true}, "project-domain.com", "HTTP/2.0"},
		{"DialTLSContext sends none", &http.Transport{DialTLSContext: dialTLS, ForceAttemptHTTP2: true}, "", "HTTP/2.0"},
		{"DialTLSContext, name from URL", &http.Transport{DialTLSContext: dialUnset}, "project-domain.com", "HTTP/1.1"},
	} {
		if got := get(t, tt.tr, "https://project-domain.com/"); got != tt.wantBody {
			t.Errorf("%s: GET = %q, want %q", tt.name, got, tt.wantBody)
		}
		if got := <-sni; got != tt.wantSNI {
			t.Errorf("%s: server saw SNI %q, want %q", tt.name, got, tt.wantSNI)
		}
		tt.tr.CloseIdleConnections()
	}

	// A verification failure surfaces through the transport.
	bad, err := Client{ServerName: "wrong.example", RootCAs: ca.Pool(), DisableSNI: true}.DialTLSContext(dial)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&http.Client{Transport: &http.Transport{DialTLSContext: bad}}).Get("https://project-domain.com/")
	<-sni
	if !IsVerificationError(err) {
		t.Errorf("GET with the wrong name: IsVerificationError(%v) = false, want true", err)
	}
}

func TestClientConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		client  Client
		wantErr string
	}{
		//lint:ignore SA1019 the test checks that the deprecated SSL 3.0 is refused
		{Client{MinVersion: tls.VersionSSL30}, "tlsconfig: MinVersion: unsupported TLS version 0x0300"},
		{Client{MaxVersion: 0x0305}, "tlsconfig: MaxVersion: unsupported TLS version 0x0305"},
		{Client{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS12}, "tlsconfig: MinVersion TLS 1.3 is above MaxVersion TLS 1.2"},
		{Client{VerifyDepth: -1}, "tlsconfig: VerifyDepth: invalid value -1"},
		{Client{DisableSNI: true}, "tlsconfig: DisableSNI needs a ServerName"},
	} {
		if _, err := tt.client.Config(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v.Config() = %v, want error containing %q", tt.client, err, tt.wantErr)
		}
		if _, err := tt.client.DialTLSContext(nil); err == nil {
			t.Errorf("%+v.DialTLSContext() succeeded, want an error", tt.client)
		}
	}

	// Config copies slices.
	c := Client{NextProtos: []string{"h2"}, ServerName: "x"}
	cfg, err := c.Config()
	if err != nil {
		t.Fatal(err)
	}
	c.NextProtos[0] = "changed"
	if cfg.NextProtos[0] != "h2" {
		t.Errorf("Config() shares NextProtos with the Client")
	}
}

func TestClientEqual(t *testing.T) {
	ca := testpki.NewCA(t, "CA")
	cert := ca.Issue(t, "client")
	certPEM, keyPEM := testpki.PEM(cert)
	reparsed, err := KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	base := Client{
		ServerName: "a", RootCAs: ca.Pool(), Certificates: []tls.Certificate{*cert},
		VerifyDepth: 2, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"},
	}
	for _, tt := range []struct {
		name   string
		change func(*Client)
		want   bool
	}{
		{"same", func(*Client) {}, true},
		{"pool with same contents", func(c *Client) { c.RootCAs = ca.Pool() }, true},
		{"reparsed certificate", func(c *Client) { c.Certificates = []tls.Certificate{*reparsed} }, true},
		{"ServerName", func(c *Client) { c.ServerName = "b" }, false},
		{"DisableSNI", func(c *Client) { c.DisableSNI = true }, false},
		{"InsecureSkipVerify", func(c *Client) { c.InsecureSkipVerify = true }, false},
		{"VerifyDepth", func(c *Client) { c.VerifyDepth = 1 }, false},
		{"MinVersion", func(c *Client) { c.MinVersion = tls.VersionTLS13 }, false},
		{"MaxVersion", func(c *Client) { c.MaxVersion = tls.VersionTLS13 }, false},
		{"NextProtos", func(c *Client) { c.NextProtos = []string{"http/1.1"} }, false},
		{"system roots", func(c *Client) { c.RootCAs = nil }, false},
		{"other pool", func(c *Client) { c.RootCAs = testpki.NewCA(t, "CA").Pool() }, false},
		{"other certificate", func(c *Client) { c.Certificates = []tls.Certificate{*ca.Issue(t, "client")} }, false},
		{"no certificate", func(c *Client) { c.Certificates = nil }, false},
	} {
		other := base
		tt.change(&other)
		if got := base.Equal(other); got != tt.want {
			t.Errorf("%s: Equal() = %v, want %v", tt.name, got, tt.want)
		}
		if got := other.Equal(base); got != tt.want {
			t.Errorf("%s: reversed Equal() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsVerificationError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection refused"), false},
		{x509.UnknownAuthorityError{}, true},
		{x509.HostnameError{}, true},
		{x509.CertificateInvalidError{Reason: x509.Expired}, true},
		{&tls.CertificateVerificationError{Err: errors.New("x")}, true},
		{fmt.Errorf("proxy: %w", &depthError{name: "a", depth: 2, max: 1}), true},
		{x509.SystemRootsError{}, true},
	} {
		if got := IsVerificationError(tt.err); got != tt.want {
			t.Errorf("IsVerificationError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// uncomparableKey is a private key type that == cannot compare and that
// has no Equal method, as a hardware-backed signer's might be.
type uncomparableKey []byte

// TestClientEqualKeysWithoutEqual: keys without an Equal method compare
// by ==, and keys that == cannot compare are different, not a panic.
func TestClientEqualKeysWithoutEqual(t *testing.T) {
	type pointerKey struct{ id int }
	shared := &pointerKey{1}
	withKey := func(key crypto.PrivateKey) Client {
		return Client{Certificates: []tls.Certificate{{Certificate: [][]byte{{1, 2, 3}}, PrivateKey: key}}}
	}
	for _, tt := range []struct {
		name string
		a, b crypto.PrivateKey
		want bool
	}{
		{"the same comparable key", shared, shared, true},
		{"two comparable keys", shared, &pointerKey{1}, false},
		{"uncomparable keys", uncomparableKey{1}, uncomparableKey{1}, false},
		{"an uncomparable key and a comparable one", uncomparableKey{1}, shared, false},
		{"no keys", nil, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := withKey(tt.a).Equal(withKey(tt.b)); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
		})
	}
}
