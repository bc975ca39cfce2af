package tlsconfig

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// protocols maps nginx protocol names to crypto/tls versions, oldest first.
var protocols = []struct {
	name    string
	version uint16
}{
	{"TLSv1", tls.VersionTLS10},
	{"TLSv1.1", tls.VersionTLS11},
	{"TLSv1.2", tls.VersionTLS12},
	{"TLSv1.3", tls.VersionTLS13},
}

// ParseProtocols parses a protocol list in nginx syntax, as in the
// proxy-ssl-protocols annotation ("TLSv1.2 TLSv1.3"), into the version
// range for Client.MinVersion and Client.MaxVersion. Names are separated by
// spaces or commas and compared case-insensitively.
//
// An empty list returns 0, 0: crypto/tls's defaults (TLS 1.2 to 1.3 for a
// client). SSLv2 and SSLv3 are rejected, since crypto/tls does not implement
// them. TLSv1 and TLSv1.1 are accepted only when listed, and are insecure:
// list them only for backends that cannot do better. crypto/tls enables a
// range of versions, not a set, so a list with a gap ("TLSv1 TLSv1.2") is
// rejected rather than silently widened.
func ParseProtocols(s string) (minVersion, maxVersion uint16, err error) {
	var listed [4]bool
	found := false
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		i := protocolIndex(f)
		if i < 0 {
			if strings.HasPrefix(strings.ToUpper(f), "SSLV") {
				return 0, 0, fmt.Errorf("tlsconfig: protocols %q: %q is not supported by Go's crypto/tls (nor safe): use TLSv1.2 or later", s, f)
			}
			return 0, 0, fmt.Errorf(`tlsconfig: protocols %q: unsupported value: %q: supported values: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"`, s, f)
		}
		listed[i], found = true, true
	}
	if !found {
		return 0, 0, nil
	}
	lo, hi := -1, -1
	for i, ok := range listed {
		if ok {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	for i := lo; i <= hi; i++ {
		if !listed[i] {
			return 0, 0, fmt.Errorf("tlsconfig: protocols %q: %s is missing: Go enables a range of versions, so list every version from %s to %s",
				s, protocols[i].name, protocols[lo].name, protocols[hi].name)
		}
	}
	return protocols[lo].version, protocols[hi].version, nil
}

func protocolIndex(name string) int {
	for i, p := range protocols {
		if strings.EqualFold(name, p.name) {
			return i
		}
	}
	return -1
}

// checkVersion reports a version that crypto/tls cannot use.
func checkVersion(field string, v uint16) error {
	if v == 0 {
		return nil
	}
	for _, p := range protocols {
		if p.version == v {
			return nil
		}
	}
	return fmt.Errorf("tlsconfig: %s: unsupported TLS version %#04x: use TLS 1.0 (%#04x) to 1.3 (%#04x), or 0 for the default", field, v, tls.VersionTLS10, tls.VersionTLS13)
}
