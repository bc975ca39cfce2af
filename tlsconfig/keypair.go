package tlsconfig

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// KeyPair parses a PEM certificate chain (leaf first, then any
// intermediates) and its PEM private key, the tls.crt and tls.key of a
// kubernetes.io/tls Secret, into a certificate with Leaf set.
//
// It accepts what tls.X509KeyPair accepts and, when it fails, says how to
// fix the inputs: switched certificate and key, a missing CERTIFICATE
// block, a key that belongs to no certificate or to one that is not first.
// An expired or not yet valid certificate is not an error: see
// CheckValidity to warn about it.
func KeyPair(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	return keyPair(certPEM, keyPEM, "certificate PEM", "key PEM")
}

// LoadKeyPairFiles reads a PEM certificate chain and a PEM private key from
// files and parses them as KeyPair does. Errors name the files.
func LoadKeyPairFiles(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: certificate file: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: key file: %w", err)
	}
	return keyPair(certPEM, keyPEM, certFile, keyFile)
}

// Expiry returns the time after which c's leaf certificate is no longer
// valid, or the zero time if c has no parsable leaf.
func Expiry(c *tls.Certificate) time.Time {
	if leaf := leafOf(c); leaf != nil {
		return leaf.NotAfter
	}
	return time.Time{}
}

// CheckValidity returns an error describing why c's leaf certificate is not
// valid at now (expired, or not valid yet), or nil if it is. The error is
// meant to be logged as a warning when the certificate is loaded: an
// expired certificate is still served, because refusing it would turn a
// warning in browsers into an outage.
func CheckValidity(c *tls.Certificate, now time.Time) error {
	leaf := leafOf(c)
	if leaf == nil {
		return fmt.Errorf("tlsconfig: certificate has no parsable leaf")
	}
	switch {
	case now.After(leaf.NotAfter):
		return fmt.Errorf("tlsconfig: certificate %s expired at %s, %s ago: renew it",
			describe(leaf), leaf.NotAfter.UTC().Format(time.RFC3339), now.Sub(leaf.NotAfter).Round(time.Second))
	case now.Before(leaf.NotBefore):
		return fmt.Errorf("tlsconfig: certificate %s is not valid before %s, %s from now: check the clock of the machine that issued it",
			describe(leaf), leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotBefore.Sub(now).Round(time.Second))
	}
	return nil
}

func keyPair(certPEM, keyPEM []byte, certName, keyName string) (*tls.Certificate, error) {
	if err := checkBlocks(certPEM, certName, "CERTIFICATE", "PRIVATE KEY"); err != nil {
		return nil, err
	}
	if err := checkBlocks(keyPEM, keyName, "PRIVATE KEY", "CERTIFICATE"); err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if hint := diagnose(certPEM, keyPEM); hint != "" {
			return nil, fmt.Errorf("tlsconfig: %s and %s: %s", certName, keyName, hint)
		}
		return nil, fmt.Errorf("tlsconfig: %s and %s: %w", certName, keyName, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tlsconfig: %s: %w", certName, err)
		}
	}
	return &cert, nil
}

// checkBlocks reports an input that holds no PEM block whose type ends in
// want, naming what it holds instead, and whether it looks like the other
// input (its first block's type ends in other).
func checkBlocks(data []byte, name, want, other string) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("tlsconfig: %s is empty: it must hold a PEM %q block", name, want)
	}
	var types []string
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.HasSuffix(b.Type, want) {
			return nil
		}
		types = append(types, fmt.Sprintf("%q", b.Type))
	}
	if len(types) == 0 {
		return fmt.Errorf("tlsconfig: %s holds no PEM block: it must hold a PEM %q block (\"-----BEGIN %s-----\"); DER, or PEM encoded once more in base64, is not accepted", name, want, want)
	}
	msg := fmt.Sprintf("tlsconfig: %s holds no %q block, only %s", name, want, strings.Join(types, ", "))
	switch first := strings.Trim(types[0], `"`); {
	case strings.HasSuffix(first, other):
		msg += ": the certificate and key inputs may have been switched"
	case first == "CERTIFICATE REQUEST":
		msg += ": a certificate signing request is not a certificate; use the certificate issued for it"
	}
	return errors.New(msg)
}

// diagnose explains why a chain and key that both have the right blocks do
// not make a key pair, or returns "" to keep crypto/tls's message.
func diagnose(certPEM, keyPEM []byte) string {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return ""
		}
		certs = append(certs, c)
	}
	key := parseKey(keyPEM)
	if key == nil || len(certs) == 0 {
		return ""
	}
	for i, c := range certs {
		pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(key.Public()) {
			continue
		}
		if i == 0 {
			return ""
		}
		return fmt.Sprintf("the key belongs to certificate %d of the chain, %s: the leaf certificate must come first, followed by its intermediates", i+1, describe(c))
	}
	return fmt.Sprintf("the private key does not match the certificate %s: the key belongs to another certificate (renewed, or from another Secret)", describe(certs[0]))
}

// parseKey returns the first private key in keyPEM that parses, or nil.
func parseKey(keyPEM []byte) crypto.Signer {
	for rest := keyPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if s, ok := k.(crypto.Signer); ok && err == nil {
			return s
		}
	}
}

// leafOf returns c's parsed leaf, parsing it if Leaf is not set.
func leafOf(c *tls.Certificate) *x509.Certificate {
	if c == nil {
		return nil
	}
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// describe names a certificate in messages by its names.
func describe(c *x509.Certificate) string {
	names := c.DNSNames
	for _, ip := range c.IPAddresses {
		names = append(names[:len(names):len(names)], ip.String())
	}
	switch {
	case len(names) > 0:
		return fmt.Sprintf("for %s", strings.Join(quoteAll(names), ", "))
	case c.Subject.CommonName != "":
		return fmt.Sprintf("with subject CN %q", c.Subject.CommonName)
	}
	return fmt.Sprintf("with serial %s", c.SerialNumber)
}

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}
