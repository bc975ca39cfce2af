package main

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"time"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// certs is the one key pair every TLS endpoint of a run uses: the proxies'
// listeners and the backend's HTTPS port. One ECDSA P-256 certificate for
// all keeps the handshake cost the same whichever proxy terminates TLS.
type certs struct {
	CertPEM, KeyPEM   []byte
	CertFile, KeyFile string // the PEM files, for nginx and Caddy
	Pair              tls.Certificate
	Pool              *x509.CertPool // trusts the certificate, for clients
}

// newCerts generates the certificate and writes it to dir.
func newCerts(dir string) (*certs, error) {
	pair, err := tlsconfig.SelfSignedOptions{CommonName: "ingressmux bench", Validity: 24 * time.Hour}.
		Generate(tlsHost, plainHost, "*.bench.test", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM := testpki.PEM(pair)
	c := &certs{
		CertPEM:  certPEM,
		KeyPEM:   keyPEM,
		CertFile: filepath.Join(dir, "cert.pem"),
		KeyFile:  filepath.Join(dir, "key.pem"),
		Pair:     *pair,
		Pool:     x509.NewCertPool(),
	}
	c.Pool.AddCert(pair.Leaf) // self-signed: the certificate is its own root
	if err := os.WriteFile(c.CertFile, c.CertPEM, 0o644); err != nil {
		return nil, err
	}
	return c, os.WriteFile(c.KeyFile, c.KeyPEM, 0o600)
}

// clientTLS returns the load generator's TLS settings: HTTP/1.1 only (as
// wrk), X25519 only (what wrk's OpenSSL offers first, and cheaper than
// Go's default hybrid post-quantum key exchange, which nginx would not
// offer), and no session cache, so that every new connection is a full
// handshake.
func (c *certs) clientTLS(serverName string) *tls.Config {
	return &tls.Config{
		ServerName:       serverName,
		RootCAs:          c.Pool,
		NextProtos:       []string{"http/1.1"},
		CurvePreferences: []tls.CurveID{tls.X25519},
		MinVersion:       tls.VersionTLS12,
	}
}
