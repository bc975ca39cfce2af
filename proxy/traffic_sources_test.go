package proxy

import (
	"net/netip"
	"testing"
)

func TestTrafficSources(t *testing.T) {
	be := newTrafficBackend(t, nil)
	prefixes := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	both := trafficHandler(t, be, &Traffic{
		AllowSources: prefixes("10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"),
		DenySources:  prefixes("10.1.0.0/16", "2001:db8:bad::/48"),
	}, "172.16.0.0/12")
	denyOnly := trafficHandler(t, be, &Traffic{DenySources: prefixes("10.1.0.0/16")})
	mapped := trafficHandler(t, be, &Traffic{AllowSources: prefixes("::ffff:10.0.0.0/104")})

	for _, tt := range []struct {
		name    string
		h       *Handler
		remote  string
		headers []string
		status  int
	}{
		{"allowed IPv4", both, "10.2.3.4:1234", nil, 200},
		{"bare address", both, "192.0.2.7:1234", nil, 200},
		{"next to the bare address", both, "192.0.2.8:1234", nil, 403},
		{"denied inside allowed", both, "10.1.2.3:1234", nil, 403},
		{"not allowed", both, "198.51.100.1:1234", nil, 403},
		{"allowed IPv6", both, "[2001:db8::1]:1234", nil, 200},
		{"denied IPv6", both, "[2001:db8:bad::1]:1234", nil, 403},
		{"IPv4-mapped peer", both, "[::ffff:10.2.3.4]:1234", nil, 200},
		{"IPv6 zone dropped", both, "[2001:db8::1%eth0]:1234", nil, 200},
		{"untrusted peer cannot claim an address", both, "198.51.100.1:1", []string{"X-Forwarded-For: 10.2.3.4", "X-Real-IP: 10.2.3.4"}, 403},
		{"untrusted peer cannot hide its address", both, "10.1.2.3:1", []string{"X-Forwarded-For: 10.2.3.4"}, 403},
		{"trusted proxy: X-Forwarded-For", both, "172.16.0.1:1", []string{"X-Forwarded-For: 10.2.3.4"}, 200},
		{"trusted proxy: right-most untrusted hop", both, "172.16.0.1:1", []string{"X-Forwarded-For: 10.2.3.4, 198.51.100.1, 172.16.0.2"}, 403},
		{"trusted proxy: forged left part ignored", both, "172.16.0.1:1", []string{"X-Forwarded-For: 198.51.100.1, 10.2.3.4"}, 200},
		{"trusted proxy: several header lines", both, "172.16.0.1:1", []string{"X-Forwarded-For: 10.2.3.4", "X-Forwarded-For: 10.1.0.1"}, 403},
		{"trusted proxy: port in the address", both, "172.16.0.1:1", []string{"X-Forwarded-For: [2001:db8::5]:443"}, 200},
		{"trusted proxy: only trusted hops, the first is the client", both, "172.16.0.1:1", []string{"X-Forwarded-For: 172.16.9.9, 172.16.0.2"}, 403},
		{"trusted proxy: X-Real-IP", both, "172.16.0.1:1", []string{"X-Real-IP: 10.2.3.4"}, 200},
		{"trusted proxy: X-Forwarded-For wins over X-Real-IP", both, "172.16.0.1:1", []string{"X-Forwarded-For: 198.51.100.1", "X-Real-IP: 10.2.3.4"}, 403},
		{"trusted proxy: garbage is refused", both, "172.16.0.1:1", []string{"X-Forwarded-For: 10.2.3.4, unknown"}, 403},
		{"trusted proxy: no header, its own address", both, "172.16.0.1:1", nil, 403},
		{"unparseable peer", both, "pipe", nil, 403},
		{"deny only: others pass", denyOnly, "198.51.100.1:1", nil, 200},
		{"deny only: denied", denyOnly, "10.1.0.9:1", nil, 403},
		{"mapped prefix matches IPv4 clients", mapped, "10.9.9.9:1", nil, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.h, req("GET", "/", tt.remote, tt.headers...))
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.status == 403 && w.Body.String() != "403 forbidden\n" {
				t.Errorf("body %q", w.Body)
			}
		})
	}
}
