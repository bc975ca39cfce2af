package tlsconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"time"
)

// SelfSigned returns a new self-signed certificate for hosts, valid from an
// hour ago for a year, with an ECDSA P-256 key. A host that parses as an IP
// address becomes an IP address SAN, any other a DNS SAN ("*.foo.com" is
// allowed); with no hosts the certificate names nothing. It is meant as the
// default certificate when none is configured, like ingress-nginx's "fake
// certificate": clients will not trust it.
func SelfSigned(hosts ...string) (*tls.Certificate, error) {
	return SelfSignedOptions{}.Generate(hosts...)
}

// SelfSignedOptions adjusts SelfSigned, for instance to make its validity
// period predictable in tests.
type SelfSignedOptions struct {
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Validity is the length of the validity period, which starts one
	// hour before Now to allow for clients whose clocks lag behind. If
	// zero, it is one year (365 days).
	Validity time.Duration
	// CommonName is the subject common name. If empty, it is
	// "ingressmux self-signed certificate".
	CommonName string
}

// Generate returns a new self-signed certificate for hosts, as SelfSigned
// does, with the options applied. The key is always drawn from
// crypto/rand: since Go 1.26 crypto/ecdsa ignores other sources (tests that
// need fixed keys use testing/cryptotest.SetGlobalRandom).
func (o SelfSignedOptions) Generate(hosts ...string) (*tls.Certificate, error) {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	validity := o.Validity
	if validity == 0 {
		validity = 365 * 24 * time.Hour
	}
	if validity < 0 {
		return nil, fmt.Errorf("tlsconfig: self-signed certificate: negative validity %s", validity)
	}
	cn := o.CommonName
	if cn == "" {
		cn = "ingressmux self-signed certificate"
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: self-signed certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(-time.Hour + validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		h = strings.TrimSuffix(h, ".")
		if ip, err := netip.ParseAddr(h); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
			continue
		}
		if h == "" || strings.ContainsAny(h, ":/ ") {
			return nil, fmt.Errorf("tlsconfig: self-signed certificate: host %q is neither a DNS name nor an IP address", h)
		}
		tmpl.DNSNames = append(tmpl.DNSNames, strings.ToLower(h))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: self-signed certificate: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: self-signed certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: self-signed certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
