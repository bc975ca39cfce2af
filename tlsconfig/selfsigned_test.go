package tlsconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSelfSigned(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cert, err := SelfSignedOptions{Now: func() time.Time { return now }}.Generate("Foo.com.", "*.foo.com", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if got, want := leaf.DNSNames, []string{"foo.com", "*.foo.com"}; !slices.Equal(got, want) {
		t.Errorf("DNSNames = %q, want %q", got, want)
	}
	if got := leaf.IPAddresses; len(got) != 2 || !got[0].Equal(net.ParseIP("127.0.0.1")) || !got[1].Equal(net.ParseIP("::1")) {
		t.Errorf("IPAddresses = %v, want [127.0.0.1 ::1]", got)
	}
	if want := now.Add(-time.Hour); !leaf.NotBefore.Equal(want) {
		t.Errorf("NotBefore = %v, want %v", leaf.NotBefore, want)
	}
	if want := now.Add(-time.Hour + 365*24*time.Hour); !leaf.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %v, want %v", leaf.NotAfter, want)
	}
	if k, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("PrivateKey = %T, want a P-256 *ecdsa.PrivateKey", cert.PrivateKey)
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || leaf.IsCA {
		t.Errorf("ExtKeyUsage = %v, IsCA = %v; want server auth, not a CA", leaf.ExtKeyUsage, leaf.IsCA)
	}

	// A client that trusts it can verify it.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"foo.com", "a.foo.com", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now}); err != nil {
			t.Errorf("Verify(%q) = %v", name, err)
		}
	}

	// The simple call works, and serves as a default certificate.
	def, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	var s Store
	s.SetDefault(def)
	addr, _ := serveTLS(t, s.ServerConfig())
	state, err := dialTLS(t, addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil || len(state.PeerCertificates) == 0 || !state.PeerCertificates[0].Equal(def.Leaf) {
		t.Errorf("handshake with a self-signed default = %v, want its certificate", err)
	}
	if d := time.Until(def.Leaf.NotAfter); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("SelfSigned() valid for %v more, want about a year", d)
	}

	for _, bad := range []string{"", "foo.com:443", "http://foo.com"} {
		if _, err := SelfSigned(bad); err == nil || !strings.HasPrefix(err.Error(), "tlsconfig: self-signed certificate: host") {
			t.Errorf("SelfSigned(%q) = %v, want a host error", bad, err)
		}
	}
}
