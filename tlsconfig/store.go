package tlsconfig

import (
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// Store holds the server certificates of a listener, bound to host names,
// and picks one per TLS handshake by SNI. It is safe for concurrent use.
//
// The zero value is an empty store, ready to use; a Store must not be copied
// after first use. Every update publishes a new immutable snapshot, so a
// handshake sees either the old set or the new one, never a mix, and
// updates never wait for handshakes.
//
// Host names come from configuration (an Ingress's spec.tls[].hosts), not
// from the certificates' subject alternative names: a certificate serves
// the names it is bound to, whatever it says. See the package documentation
// for the selection order.
type Store struct {
	snap atomic.Pointer[snapshot]
}

// snapshot is one immutable certificate set. Keys of hosts are normalised
// exact names ("foo.com") and wildcards ("*.foo.com").
type snapshot struct {
	hosts map[string]*tls.Certificate
	def   *tls.Certificate
}

var emptySnapshot = &snapshot{}

func (s *Store) load() *snapshot {
	if p := s.snap.Load(); p != nil {
		return p
	}
	return emptySnapshot
}

// update applies f to a copy of the current snapshot and publishes it,
// retrying if another update won the race.
func (s *Store) update(f func(*snapshot)) {
	for {
		old := s.snap.Load()
		cur := old
		if cur == nil {
			cur = emptySnapshot
		}
		next := &snapshot{hosts: maps.Clone(cur.hosts), def: cur.def}
		if next.hosts == nil {
			next.hosts = make(map[string]*tls.Certificate)
		}
		f(next)
		if s.snap.CompareAndSwap(old, next) {
			return
		}
	}
}

// Replace atomically swaps the whole certificate set for certs, keyed by
// host name, and the default certificate def (nil for none). A key is an
// exact name ("foo.com") or a wildcard of one label ("*.foo.com"); keys are
// compared case-insensitively and without a trailing dot. If a key is
// invalid (empty: use def instead; or a misplaced "*") or a certificate is
// nil, Replace returns an error and leaves the store unchanged. The store
// keeps the map's certificates, not the map.
func (s *Store) Replace(certs map[string]*tls.Certificate, def *tls.Certificate) error {
	next := &snapshot{hosts: make(map[string]*tls.Certificate, len(certs)), def: def}
	var errs []error
	for _, host := range slices.Sorted(maps.Keys(certs)) {
		key, err := storeKey(host)
		if err == nil && certs[host] == nil {
			err = fmt.Errorf("tlsconfig: host %q: nil certificate", host)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next.hosts[key] = certs[host]
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.snap.Store(next)
	return nil
}

// Set binds cert to host, replacing any certificate the host had. The host
// is as for Replace; a nil cert is an error (use Delete).
func (s *Store) Set(host string, cert *tls.Certificate) error {
	key, err := storeKey(host)
	if err != nil {
		return err
	}
	if cert == nil {
		return fmt.Errorf("tlsconfig: host %q: nil certificate (use Delete to remove a host)", host)
	}
	s.update(func(n *snapshot) { n.hosts[key] = cert })
	return nil
}

// Delete removes the certificate bound to host, if any. Clients asking for
// that name then get a wildcard or the default certificate.
func (s *Store) Delete(host string) {
	key := normalizeName(host)
	s.update(func(n *snapshot) { delete(n.hosts, key) })
}

// SetDefault sets the certificate served when no host certificate matches,
// including to clients that send no SNI (such as those that connect to an
// IP address). A nil cert removes the default: such handshakes then fail.
func (s *Store) SetDefault(cert *tls.Certificate) {
	s.update(func(n *snapshot) { n.def = cert })
}

// GetCertificate returns the certificate for hello.ServerName: the one
// bound to the exact name, else the one bound to the wildcard of its parent
// domain, else the default certificate. It has the signature of
// tls.Config.GetCertificate. It returns an error, which fails the
// handshake, when none applies.
func (s *Store) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	snap := s.load()
	name := normalizeName(hello.ServerName)
	if name != "" {
		if c := snap.lookup(name); c != nil {
			return c, nil
		}
	}
	if snap.def != nil {
		return snap.def, nil
	}
	if name == "" {
		return nil, errors.New("tlsconfig: no certificate for a client that sent no server name (SNI), such as one connecting to an IP address: set a default certificate")
	}
	return nil, fmt.Errorf("tlsconfig: no certificate for server name %q: bind one to the host (list it in an Ingress's spec.tls[].hosts with a secretName) or set a default certificate", name)
}

// Has reports whether host has a certificate of its own, exact or
// wildcard; the default certificate does not count. The host is a name
// without a port; case and a trailing dot do not matter. The proxy uses it
// to decide which hosts redirect HTTP to HTTPS.
func (s *Store) Has(host string) bool {
	name := normalizeName(host)
	return name != "" && s.load().lookup(name) != nil
}

// Hosts returns the normalised host names and wildcards that have a
// certificate, sorted.
func (s *Store) Hosts() []string {
	return slices.Sorted(maps.Keys(s.load().hosts))
}

// ServerConfig returns a new server configuration whose GetCertificate is
// bound to the store, with TLS 1.2 as the minimum version and ALPN
// protocols "h2" and "http/1.1". Callers may change the returned config
// (add client authentication, drop "h2", ...) before handing it to an
// http.Server or tls.NewListener; later store updates still take effect.
func (s *Store) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: s.GetCertificate,
	}
}

// lookup returns the certificate bound to the normalised, non-empty name
// exactly, else to the wildcard one label above it, else nil.
func (snap *snapshot) lookup(name string) *tls.Certificate {
	if c := snap.hosts[name]; c != nil {
		return c
	}
	if i := strings.IndexByte(name, '.'); i > 0 && i < len(name)-1 {
		return snap.hosts["*"+name[i:]]
	}
	return nil
}

// normalizeName lower-cases name (ASCII only, as routing does: Unicode
// folding would let "\u212Aoo.com", with a Kelvin sign, pick koo.com's
// certificate) and strips one trailing dot.
func normalizeName(name string) string {
	name = strings.TrimSuffix(name, ".")
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, name)
}

// storeKey normalises and checks a host key of Replace or Set.
func storeKey(host string) (string, error) {
	key := normalizeName(host)
	switch {
	case key == "":
		return "", errors.New(`tlsconfig: host "": a certificate for clients without a matching name is the default certificate, not a host`)
	case strings.Contains(strings.TrimPrefix(key, "*."), "*"):
		return "", fmt.Errorf(`tlsconfig: host %q: a wildcard must be "*." followed by a domain, such as "*.foo.com"`, host)
	case strings.HasPrefix(key, "*.") && len(key) == 2:
		return "", fmt.Errorf(`tlsconfig: host %q: a wildcard needs a domain after "*.", such as "*.foo.com"`, host)
	case strings.ContainsAny(key, ":/ "):
		return "", fmt.Errorf("tlsconfig: host %q: a host is a DNS name without port, scheme or spaces", host)
	}
	return key, nil
}
