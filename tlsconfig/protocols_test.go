package tlsconfig

import (
	"crypto/tls"
	"strings"
	"testing"
)

func TestParseProtocols(t *testing.T) {
	for _, tt := range []struct {
		in       string
		min, max uint16
		wantErr  string
	}{
		{"", 0, 0, ""},
		{"  ", 0, 0, ""},
		{"TLSv1.2 TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"TLSv1.3 TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, ""},
		{"tlsv1.3", tls.VersionTLS13, tls.VersionTLS13, ""},
		{"TLSv1.2,TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, ""},
		{"TLSv1 TLSv1.1 TLSv1.2", tls.VersionTLS10, tls.VersionTLS12, ""},
		{"TLSv1.1 TLSv1.2 TLSv1.2", tls.VersionTLS11, tls.VersionTLS12, ""},
		{"SSLv3 TLSv1.2", 0, 0, `tlsconfig: protocols "SSLv3 TLSv1.2": "SSLv3" is not supported by Go's crypto/tls (nor safe): use TLSv1.2 or later`},
		{"SSLv2", 0, 0, `"SSLv2" is not supported`},
		{"TLSv1.4", 0, 0, `tlsconfig: protocols "TLSv1.4": unsupported value: "TLSv1.4": supported values: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"`},
		{"TLSv1 TLSv1.3", 0, 0, `tlsconfig: protocols "TLSv1 TLSv1.3": TLSv1.1 is missing: Go enables a range of versions, so list every version from TLSv1 to TLSv1.3`},
	} {
		min, max, err := ParseProtocols(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseProtocols(%q) = %v, want error %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || min != tt.min || max != tt.max {
			t.Errorf("ParseProtocols(%q) = %#x, %#x, %v; want %#x, %#x", tt.in, min, max, err, tt.min, tt.max)
		}
	}
}
