package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// IsVerificationError reports whether err, or an error it wraps, says that
// a peer's certificate failed verification: an unknown authority, a name
// mismatch, an invalid or expired certificate, a chain longer than
// Client.VerifyDepth, or system roots that could not be loaded. The proxy
// uses it to log, with a 502, which annotation fixes the problem:
// proxy-ssl-verify "off" to skip verification, or proxy-ssl-secret to
// trust the backend's CA.
func IsVerificationError(err error) bool {
	if err == nil {
		return false
	}
	var (
		tv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		sr x509.SystemRootsError
		de *depthError
	)
	return errors.As(err, &tv) || errors.As(err, &ua) || errors.As(err, &he) ||
		errors.As(err, &ci) || errors.As(err, &sr) || errors.As(err, &de)
}

// depthError says that every verified chain is longer than allowed.
type depthError struct {
	name  string
	depth int // shortest chain length beyond the leaf
	max   int
}

func (e *depthError) Error() string {
	return fmt.Sprintf("tlsconfig: certificate chain of %q has %d certificates above the leaf, more than the verify depth %d", e.name, e.depth, e.max)
}

// verifier checks a server's certificate in tls.Config.VerifyConnection.
type verifier struct {
	name     string         // name to verify against
	roots    *x509.CertPool // nil: system roots
	maxDepth int            // 0: unlimited
	full     bool           // crypto/tls did not verify: do it here
}

// verify is a tls.Config.VerifyConnection function.
func (v *verifier) verify(cs tls.ConnectionState) error {
	chains := cs.VerifiedChains
	if v.full {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tlsconfig: server sent no certificate")
		}
		opts := x509.VerifyOptions{
			DNSName:       v.name,
			Roots:         v.roots,
			Intermediates: x509.NewCertPool(),
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		var err error
		if chains, err = cs.PeerCertificates[0].Verify(opts); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
	}
	if v.maxDepth > 0 {
		shortest := -1
		for _, c := range chains {
			if d := len(c) - 1; shortest < 0 || d < shortest {
				shortest = d
			}
		}
		if shortest > v.maxDepth {
			name := v.name
			if name == "" {
				name = cs.ServerName
			}
			return &tls.CertificateVerificationError{
				UnverifiedCertificates: cs.PeerCertificates,
				Err:                    &depthError{name: name, depth: shortest, max: v.maxDepth},
			}
		}
	}
	return nil
}
