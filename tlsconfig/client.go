package tlsconfig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
)

// Client is the TLS configuration of the proxy's connections to one HTTPS
// backend, in the terms of ingress-nginx's proxy-ssl-* annotations. It is
// plain data: Config validates it and builds a tls.Config, and Equal tells
// whether a backend's settings changed across a reload, so that its
// transport and connection pool can be kept.
type Client struct {
	// ServerName is the name sent as SNI and the name the backend's
	// certificate is verified against (proxy-ssl-name, else upstream-vhost,
	// else the backend's DNS name). If empty, the host being dialed is
	// used: http.Transport and DialTLSContext fill it in.
	ServerName string

	// DisableSNI sends no server name indication (proxy-ssl-server-name:
	// "off") while still verifying the certificate against ServerName,
	// which is then required unless InsecureSkipVerify is set. If false,
	// SNI is sent (except for IP addresses, which TLS never sends).
	// http.Transport fills an empty tls.Config.ServerName from the dialed
	// host, which sends SNI again: a transport for such a backend must
	// dial with DialTLSContext.
	DisableSNI bool

	// RootCAs are the authorities trusted to sign the backend's
	// certificate (the ca.crt of proxy-ssl-secret). If nil, the system
	// roots are used.
	RootCAs *x509.CertPool

	// Certificates are presented to backends that ask for a client
	// certificate (the tls.crt and tls.key of proxy-ssl-secret). If empty,
	// none is sent.
	Certificates []tls.Certificate

	// InsecureSkipVerify turns verification of the backend's certificate
	// off (proxy-ssl-verify: "off"). If false, the default, certificates
	// are verified. VerifyDepth has no effect when it is set.
	InsecureSkipVerify bool

	// VerifyDepth limits the verified chain as nginx's
	// proxy_ssl_verify_depth does: the number of certificates above the
	// leaf, root included, so 1 allows a leaf signed directly by a trusted
	// root and 2 one intermediate. If zero, the depth is not limited (nginx
	// defaults to 1; ingressmux does not). Negative values are invalid.
	VerifyDepth int

	// MinVersion and MaxVersion bound the TLS versions offered, as
	// tls.Config's fields do (see ParseProtocols for proxy-ssl-protocols).
	// If zero, crypto/tls's defaults apply: TLS 1.2 to TLS 1.3.
	MinVersion, MaxVersion uint16

	// NextProtos are the ALPN protocols offered, such as "h2" and
	// "http/1.1". If empty, none are offered by this config, but an
	// http.Transport with ForceAttemptHTTP2 adds "h2" and "http/1.1" to its
	// TLSClientConfig (not when it dials with DialTLSContext).
	NextProtos []string
}

// Config validates c and returns a new tls.Config for it. The result does
// not share slices with c. It returns an error for an unknown TLS version,
// a MinVersion above MaxVersion, a negative VerifyDepth, or DisableSNI
// without a ServerName to verify against.
//
// When DisableSNI is set and InsecureSkipVerify is not, the returned config
// has an empty ServerName, InsecureSkipVerify set, and a VerifyConnection
// that verifies the certificate fully instead; a positive VerifyDepth also
// sets VerifyConnection. Callers may adjust other fields, but must keep
// VerifyConnection.
func (c Client) Config() (*tls.Config, error) {
	var errs []error
	if err := checkVersion("MinVersion", c.MinVersion); err != nil {
		errs = append(errs, err)
	}
	if err := checkVersion("MaxVersion", c.MaxVersion); err != nil {
		errs = append(errs, err)
	}
	if c.MinVersion != 0 && c.MaxVersion != 0 && c.MinVersion > c.MaxVersion {
		errs = append(errs, fmt.Errorf("tlsconfig: MinVersion %s is above MaxVersion %s", tls.VersionName(c.MinVersion), tls.VersionName(c.MaxVersion)))
	}
	if c.VerifyDepth < 0 {
		errs = append(errs, fmt.Errorf("tlsconfig: VerifyDepth: invalid value %d: must be 0 (unlimited) or more", c.VerifyDepth))
	}
	if c.DisableSNI && c.ServerName == "" && !c.InsecureSkipVerify {
		errs = append(errs, errors.New("tlsconfig: DisableSNI needs a ServerName to verify the backend's certificate against (proxy-ssl-name), or InsecureSkipVerify"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	cfg := &tls.Config{
		ServerName:         c.ServerName,
		RootCAs:            c.RootCAs,
		Certificates:       slices.Clone(c.Certificates),
		InsecureSkipVerify: c.InsecureSkipVerify,
		MinVersion:         c.MinVersion,
		MaxVersion:         c.MaxVersion,
		NextProtos:         slices.Clone(c.NextProtos),
	}
	if c.InsecureSkipVerify {
		if c.DisableSNI {
			cfg.ServerName = ""
		}
		return cfg, nil
	}
	v := &verifier{name: c.ServerName, roots: c.RootCAs, maxDepth: c.VerifyDepth}
	if c.DisableSNI {
		// crypto/tls sends ServerName as SNI and verifies against it; it
		// cannot do one without the other. Send none, verify here.
		cfg.ServerName = ""
		cfg.InsecureSkipVerify = true
		v.full = true
	}
	if v.full || v.maxDepth > 0 {
		cfg.VerifyConnection = v.verify
	}
	return cfg, nil
}

// Equal reports whether c and other configure TLS identically: the same
// scalar fields and protocols, equal root pools (x509.CertPool.Equal; nil
// means system roots and equals only nil), and client certificates with the
// same raw bytes and equal private keys.
func (c Client) Equal(other Client) bool {
	if c.ServerName != other.ServerName || c.DisableSNI != other.DisableSNI ||
		c.InsecureSkipVerify != other.InsecureSkipVerify || c.VerifyDepth != other.VerifyDepth ||
		c.MinVersion != other.MinVersion || c.MaxVersion != other.MaxVersion ||
		!slices.Equal(c.NextProtos, other.NextProtos) || !c.RootCAs.Equal(other.RootCAs) ||
		len(c.Certificates) != len(other.Certificates) {
		return false
	}
	for i := range c.Certificates {
		a, b := &c.Certificates[i], &other.Certificates[i]
		if !slices.EqualFunc(a.Certificate, b.Certificate, bytes.Equal) {
			return false
		}
		if k, ok := a.PrivateKey.(interface{ Equal(crypto.PrivateKey) bool }); ok {
			if !k.Equal(b.PrivateKey) {
				return false
			}
		} else if !sameKey(a.PrivateKey, b.PrivateKey) {
			return false
		}
	}
	return true
}

// sameKey compares two private keys without an Equal method by ==, or,
// for a key that == cannot compare (a type holding a slice, say), reports
// them different rather than panicking: at worst an equal client gets a
// transport of its own.
func sameKey(a, b crypto.PrivateKey) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !reflect.ValueOf(a).Comparable() || !reflect.ValueOf(b).Comparable() {
		return false
	}
	return a == b
}

// DialTLSContext validates c like Config and returns a function for
// http.Transport.DialTLSContext that dials with dial (if nil, a zero
// net.Dialer) and completes the TLS handshake. Like a transport's own TLS
// dialing, it verifies against the dialed host when ServerName is empty;
// unlike it, it sends no SNI when DisableSNI is set, which http.Transport
// with TLSClientConfig cannot do. A transport that uses it ignores its
// TLSClientConfig and TLSHandshakeTimeout (bound the handshake with the
// request context or a dialer deadline), and negotiates HTTP/2 only if
// ForceAttemptHTTP2 is set and NextProtos offers "h2".
func (c Client) DialTLSContext(dial func(ctx context.Context, network, addr string) (net.Conn, error)) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	cfg, err := c.Config()
	if err != nil {
		return nil, err
	}
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	fill := cfg.ServerName == "" && !c.DisableSNI
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conf := cfg
		if fill {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			conf = cfg.Clone()
			conf.ServerName = host
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(conn, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}, nil
}
