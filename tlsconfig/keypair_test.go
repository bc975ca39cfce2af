package tlsconfig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/internal/testpki"
)

func TestKeyPair(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	certPEM, keyPEM := testpki.PEM(ca.Issue(t, "foo.com"))
	chainPEM, chainKeyPEM := testpki.PEM(ca.IssueChain(t, "chain.com"))
	otherCertPEM, _ := testpki.PEM(ca.Issue(t, "other.com"))
	expiredPEM, expiredKeyPEM := testpki.PEM(ca.IssueExpired(t, "old.com"))

	// The same key in SEC 1 form ("EC PRIVATE KEY"), as openssl writes it.
	block, _ := pem.Decode(keyPEM)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	ecKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})

	// The chain with its intermediate first.
	var blocks [][]byte
	for rest := chainPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		blocks = append(blocks, pem.EncodeToMemory(b))
	}
	reversedPEM := bytes.Join([][]byte{blocks[1], blocks[0]}, nil)

	for _, tt := range []struct {
		name          string
		cert, key     []byte
		wantName      string // leaf DNS name on success
		wantChain     int
		wantErr       string
		wantErrSubstr string
	}{
		{name: "PKCS #8 key", cert: certPEM, key: keyPEM, wantName: "foo.com", wantChain: 1},
		{name: "SEC 1 key", cert: certPEM, key: ecKeyPEM, wantName: "foo.com", wantChain: 1},
		{name: "chain", cert: chainPEM, key: chainKeyPEM, wantName: "chain.com", wantChain: 2},
		{name: "expired is accepted", cert: expiredPEM, key: expiredKeyPEM, wantName: "old.com", wantChain: 1},
		{name: "switched", cert: keyPEM, key: certPEM,
			wantErr: `tlsconfig: certificate PEM holds no "CERTIFICATE" block, only "PRIVATE KEY": the certificate and key inputs may have been switched`},
		{name: "key given as cert too", cert: certPEM, key: certPEM,
			wantErr: `tlsconfig: key PEM holds no "PRIVATE KEY" block, only "CERTIFICATE": the certificate and key inputs may have been switched`},
		{name: "empty cert", cert: []byte("\n"), key: keyPEM, wantErr: `tlsconfig: certificate PEM is empty: it must hold a PEM "CERTIFICATE" block`},
		{name: "empty key", cert: certPEM, key: nil, wantErr: `tlsconfig: key PEM is empty: it must hold a PEM "PRIVATE KEY" block`},
		{name: "base64 of PEM", cert: []byte(base64.StdEncoding.EncodeToString(certPEM)), key: keyPEM,
			wantErrSubstr: "certificate PEM holds no PEM block"},
		{name: "CSR", cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1}}), key: keyPEM,
			wantErrSubstr: "a certificate signing request is not a certificate"},
		{name: "key of another certificate", cert: otherCertPEM, key: keyPEM,
			wantErr: `tlsconfig: certificate PEM and key PEM: the private key does not match the certificate for "other.com": the key belongs to another certificate (renewed, or from another Secret)`},
		{name: "leaf not first", cert: reversedPEM, key: chainKeyPEM,
			wantErrSubstr: `the key belongs to certificate 2 of the chain, for "chain.com": the leaf certificate must come first`},
		{name: "garbage certificate", cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), key: keyPEM,
			wantErrSubstr: "tlsconfig: certificate PEM and key PEM: "},
	} {
		got, err := KeyPair(tt.cert, tt.key)
		if tt.wantErr != "" || tt.wantErrSubstr != "" {
			switch {
			case err == nil:
				t.Errorf("%s: KeyPair() succeeded, want error", tt.name)
			case tt.wantErr != "" && err.Error() != tt.wantErr:
				t.Errorf("%s: KeyPair() error:\n got %s\nwant %s", tt.name, err, tt.wantErr)
			case !strings.Contains(err.Error(), tt.wantErrSubstr):
				t.Errorf("%s: KeyPair() error = %s, want it to contain %q", tt.name, err, tt.wantErrSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: KeyPair() = %v", tt.name, err)
			continue
		}
		if got.Leaf == nil || len(got.Leaf.DNSNames) != 1 || got.Leaf.DNSNames[0] != tt.wantName || len(got.Certificate) != tt.wantChain {
			t.Errorf("%s: KeyPair() = leaf %v, chain of %d; want leaf for %q, chain of %d", tt.name, got.Leaf, len(got.Certificate), tt.wantName, tt.wantChain)
		}
	}
}

func TestExpiryAndCheckValidity(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	cert := ca.Issue(t, "foo.com")
	now := time.Now()
	if got := Expiry(cert); !got.Equal(cert.Leaf.NotAfter) {
		t.Errorf("Expiry() = %v, want %v", got, cert.Leaf.NotAfter)
	}
	noLeaf := *cert
	noLeaf.Leaf = nil
	if got := Expiry(&noLeaf); !got.Equal(cert.Leaf.NotAfter) {
		t.Errorf("Expiry() without Leaf = %v, want %v", got, cert.Leaf.NotAfter)
	}
	if got := Expiry(nil); !got.IsZero() {
		t.Errorf("Expiry(nil) = %v, want zero", got)
	}
	for _, tt := range []struct {
		name    string
		at      time.Time
		wantErr string
	}{
		{"valid", now, ""},
		{"expired", cert.Leaf.NotAfter.Add(90 * time.Minute), `tlsconfig: certificate for "foo.com" expired at ` + cert.Leaf.NotAfter.UTC().Format(time.RFC3339) + `, 1h30m0s ago: renew it`},
		{"not yet valid", cert.Leaf.NotBefore.Add(-time.Minute), `is not valid before`},
	} {
		err := CheckValidity(cert, tt.at)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: CheckValidity() = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestLoadKeyPairFiles(t *testing.T) {
	certPEM, keyPEM := testpki.PEM(testpki.NewCA(t, "test CA").Issue(t, "foo.com"))
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for file, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := LoadKeyPairFiles(certFile, keyFile); err != nil || c.Leaf.DNSNames[0] != "foo.com" {
		t.Errorf("LoadKeyPairFiles() = %v, %v; want a certificate for foo.com", c, err)
	}
	if _, err := LoadKeyPairFiles(keyFile, certFile); err == nil || !strings.HasPrefix(err.Error(), "tlsconfig: "+keyFile+` holds no "CERTIFICATE" block`) {
		t.Errorf("LoadKeyPairFiles(switched) = %v, want an error naming %s", err, keyFile)
	}
	missing := filepath.Join(dir, "missing.key")
	if _, err := LoadKeyPairFiles(certFile, missing); err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadKeyPairFiles(missing) = %v, want a not-exist error naming %s", err, missing)
	}
}
