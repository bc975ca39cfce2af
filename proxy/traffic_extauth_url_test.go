package proxy

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAuthURLExpand checks where variables may stand in an auth URL and
// what they expand to: the host only ever becomes the request's own host,
// and query values stay one query value each.
func TestAuthURLExpand(t *testing.T) {
	for _, tt := range []struct {
		url, host, target, scheme string
		want                      string // the expanded URL, or "error: ..." fragment
	}{
		{"http://auth.svc/check", "app.example.com", "/x", "http", "http://auth.svc/check"},
		{"https://$host/oauth2/auth", "App.Example.COM.", "/x", "http", "https://app.example.com/oauth2/auth"},
		{"https://${host}:8443/auth", "app.example.com:9999", "/", "http", "https://app.example.com:8443/auth"},
		{"$scheme://$host/auth", "app.example.com", "/", "https", "https://app.example.com/auth"},
		{"http://auth.svc/check?rd=$escaped_request_uri&u=$arg_u", "a.example", "/p?u=a%26admin%3D1&v=2", "http",
			"http://auth.svc/check?rd=%2Fp%3Fu%3Da%2526admin%253D1%26v%3D2&u=a%26admin%3D1"},
		{"http://auth.svc/check?h=$http_x_user", "a.example", "/", "http", "http://auth.svc/check?h=ann%26role%3Dadmin%23"},
		{"https://$host/auth", "a_b.example", "/", "http", "error: is not a DNS name"},
	} {
		a, err := parseAuthURL(tt.url)
		if err != nil {
			t.Fatalf("parseAuthURL(%q): %v", tt.url, err)
		}
		r := httptest.NewRequest("GET", "http://placeholder"+tt.target, nil)
		r.Host = tt.host
		r.Header.Set("X-User", "ann&role=admin#")
		got, err := a.expand(&reqInfo{r: r, scheme: tt.scheme})
		if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("expand(%q) for host %q = %q, %v; want an error containing %q", tt.url, tt.host, got, err, want)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) for host %q, %q = %q, %v; want %q", tt.url, tt.host, tt.target, got, err, tt.want)
		}
	}
}

func TestParseAuthURLRefuses(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"/oauth2/auth", "want an absolute http or https URL"},
		{"ftp://auth/x", "want an absolute http or https URL"},
		{"http://$http_host/auth", "the host may be a name or $host"},
		{"http://$server_name/auth", "the host may be a name or $host"},
		{"http://$host.evil.example/auth", "optionally with a port"},
		{"http://$host:$server_port/auth", "optionally with a port"},
		{"http://user@auth/x", "want an absolute http or https URL"},
		{"http://auth/$uri", "variables are not allowed in the path"},
		{"http://auth/x?u=$nope", "unknown variable $nope"},
		{"http://auth/x#frag", "without a fragment"},
		{"http://auth/x y", "want an absolute http or https URL"},
	} {
		if _, err := parseAuthURL(tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseAuthURL(%q) = %v, want an error containing %q", tt.url, err, tt.want)
		}
	}
}
