package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ingressmux bench"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // self-signed: it is its own root in Pool
		DNSNames:              []string{tlsHost, plainHost, "*.bench.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	c := &certs{
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		CertFile: filepath.Join(dir, "cert.pem"),
		KeyFile:  filepath.Join(dir, "key.pem"),
		Pool:     x509.NewCertPool(),
	}
	if c.Pair, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c.Pool.AddCert(leaf)
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
