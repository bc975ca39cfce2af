// Package testpki makes throw-away certificate authorities and certificates
// for tests and examples: a root CA, leaves for host names and IP addresses
// signed by it directly or through an intermediate, and their PEM
// encodings, as found in a kubernetes.io/tls Secret.
//
// Keys are ECDSA P-256, so a CA and a leaf take well under a millisecond.
// Certificates are valid from an hour ago for a day, unless stated
// otherwise, and every leaf may serve as both a server and a client
// certificate. The functions taking a testing.TB end the test through
// tb.Fatal on failure; New and CA.Leaf, for programs, return the error.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"testing"
	"time"
)

// CA is a self-signed root certificate authority and its key.
type CA struct {
	// Cert is the root certificate.
	Cert *x509.Certificate
	// Key is the root's private key.
	Key *ecdsa.PrivateKey
}

// New returns a new root CA whose subject common name is name.
func New(name string) (*CA, error) {
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, key, err := create(tmpl, nil, nil)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewCA is New for tests.
func NewCA(tb testing.TB, name string) *CA {
	tb.Helper()
	ca, err := New(name)
	if err != nil {
		tb.Fatal(err)
	}
	return ca
}

// Leaf is Issue for programs: it returns the error instead of failing a
// test.
func (ca *CA) Leaf(hosts ...string) (*tls.Certificate, error) {
	now := time.Now()
	return ca.issue(now.Add(-time.Hour), now.Add(24*time.Hour), hosts)
}

// Issue returns a leaf certificate for hosts signed by the CA itself. A host
// that parses as an IP address becomes an IP SAN, any other a DNS SAN; the
// first host is also the subject common name. The returned certificate has
// Leaf set and holds the leaf only.
func (ca *CA) Issue(tb testing.TB, hosts ...string) *tls.Certificate {
	tb.Helper()
	cert, err := ca.Leaf(hosts...)
	return must(tb, cert, err)
}

// IssueExpired is like Issue, but the certificate expired an hour ago.
func (ca *CA) IssueExpired(tb testing.TB, hosts ...string) *tls.Certificate {
	tb.Helper()
	now := time.Now()
	cert, err := ca.issue(now.Add(-48*time.Hour), now.Add(-time.Hour), hosts)
	return must(tb, cert, err)
}

// must ends the test on err.
func must(tb testing.TB, cert *tls.Certificate, err error) *tls.Certificate {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// IssueChain is like Issue, but the leaf is signed by a new intermediate CA
// signed by ca. The returned certificate holds the leaf and then the
// intermediate, as a server sends them; the chain up to the root is three
// certificates long.
func (ca *CA) IssueChain(tb testing.TB, hosts ...string) *tls.Certificate {
	tb.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: ca.Cert.Subject.CommonName + " intermediate"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	icert, ikey, err := create(tmpl, ca.Cert, ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	inter := &CA{Cert: icert, Key: ikey}
	leaf := inter.Issue(tb, hosts...)
	leaf.Certificate = append(leaf.Certificate, icert.Raw)
	return leaf
}

// Pool returns a new certificate pool holding the CA's root only.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// CertPEM returns the CA's root certificate in PEM, as in a ca.crt file.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// PEM returns the chain of cert as "CERTIFICATE" blocks, leaf first, and its
// private key as a PKCS #8 "PRIVATE KEY" block: the tls.crt and tls.key of a
// kubernetes.io/tls Secret. It panics if the key cannot be marshalled.
func PEM(cert *tls.Certificate) (certPEM, keyPEM []byte) {
	for _, der := range cert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		panic("testpki: " + err.Error())
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func (ca *CA) issue(notBefore, notAfter time.Time, hosts []string) (*tls.Certificate, error) {
	tmpl := &x509.Certificate{
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if len(hosts) > 0 {
		tmpl.Subject.CommonName = hosts[0]
	}
	for _, h := range hosts {
		if ip, err := netip.ParseAddr(h); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	cert, key, err := create(tmpl, ca.Cert, ca.Key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
}

// create signs tmpl with parentKey, or self-signs it when parent is nil.
func create(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: %w", err)
	}
	tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: %w", err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: %w", err)
	}
	return cert, key, nil
}
