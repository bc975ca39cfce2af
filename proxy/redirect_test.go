package proxy

import (
	"crypto/tls"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

func TestSSLRedirect(t *testing.T) {
	ca := testpki.NewCA(t, "CA")
	certs := new(tlsconfig.Store)
	if err := certs.Replace(map[string]*tls.Certificate{"projectdomain.com": ca.Issue(t, "projectdomain.com")}, nil); err != nil {
		t.Fatal(err)
	}
	be := newBackend(t, "a")
	up := upstreamOf("a", be)
	table := newTable(t,
		prefix("projectdomain.com", "/", &Route{Upstream: up, SSLRedirect: true}),
		prefix("nocert.com", "/", &Route{Upstream: up, SSLRedirect: true}),
		prefix("forced.com", "/", &Route{Upstream: up, ForceSSLRedirect: true}),
		prefix("off.projectdomain.com", "/", &Route{Upstream: up}),
	)
	h, _ := newHandler(t, Config{Table: table, Certificates: certs, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})

	for _, tt := range []struct {
		name   string
		host   string
		uri    string
		tls    bool
		remote string
		xfp    string
		code   int
		loc    string
	}{
		{"plain HTTP", "projectdomain.com", "/x?y=1", false, "", "", 308, "https://projectdomain.com/x?y=1"},
		{"port dropped", "ProjectDomain.com:8080", "/x?y=1", false, "", "", 308, "https://projectdomain.com/x?y=1"},
		{"raw URI kept", "projectdomain.com", "/a/../b%7E?q=%20", false, "", "", 308, "https://projectdomain.com/a/../b%7E?q=%20"},
		{"ACME challenge", "projectdomain.com", "/.well-known/acme-challenge/token", false, "", "", 200, ""},
		{"already TLS", "projectdomain.com", "/x", true, "", "", 200, ""},
		{"no certificate", "nocert.com", "/x", false, "", "", 200, ""},
		{"forced without certificate", "forced.com", "/x", false, "", "", 308, "https://forced.com/x"},
		{"not asked", "off.projectdomain.com", "/x", false, "", "", 200, ""},
		{"trusted X-Forwarded-Proto https", "projectdomain.com", "/x", false, "10.0.0.1:1", "https", 200, ""},
		{"trusted X-Forwarded-Proto http", "projectdomain.com", "/x", false, "10.0.0.1:1", "http", 308, "https://projectdomain.com/x"},
		{"untrusted X-Forwarded-Proto ignored", "projectdomain.com", "/x", false, "192.0.2.1:1", "https", 308, "https://projectdomain.com/x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.uri, nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.remote != "" {
				r.RemoteAddr = tt.remote
			}
			if tt.xfp != "" {
				r.Header.Set("X-Forwarded-Proto", tt.xfp)
			}
			w := serve(h, r)
			if w.Code != tt.code || w.Header().Get("Location") != tt.loc {
				t.Errorf("%s%s: %d Location %q, want %d %q", tt.host, tt.uri, w.Code, w.Header().Get("Location"), tt.code, tt.loc)
			}
		})
	}
}

func TestRedirectPort(t *testing.T) {
	for _, tt := range []struct {
		port int
		host string
		want string
	}{
		{0, "projectdomain.com:8080", "https://projectdomain.com/x?y=1"},
		{443, "projectdomain.com", "https://projectdomain.com/x?y=1"},
		{8443, "projectdomain.com:8080", "https://projectdomain.com:8443/x?y=1"},
		{8443, "[::1]:8080", "https://[::1]:8443/x?y=1"},
		{0, "[::1]:8080", "https://[::1]/x?y=1"},
	} {
		h := &Handler{cfg: Config{RedirectPort: tt.port}}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://"+tt.host+"/x?y=1", nil)
		h.redirectToHTTPS(rec, req, false)
		if got := rec.Header().Get("Location"); rec.Code != 308 || got != tt.want {
			t.Errorf("port %d host %q: %d %q, want 308 %q", tt.port, tt.host, rec.Code, got, tt.want)
		}
	}
}
