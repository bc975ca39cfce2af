package proxy

import (
	"testing"

	"github.com/ingressmux/ingressmux/rewrite"
)

// TestRedirectErrors checks that a Redirect the handler could not answer
// is refused by New rather than panicking (a status code outside 100-999
// makes net/http panic) or sending a Location no client can follow.
func TestRedirectErrors(t *testing.T) {
	up := &Upstream{Name: "a", Endpoints: []string{"127.0.0.1:80"}}
	for _, tc := range []struct {
		name     string
		redirect *rewrite.Redirect
		want     string
	}{
		{"zero code", &rewrite.Redirect{}, "Redirect.Code: invalid value 0: must be a 3xx status code"},
		{"zero code with URL", &rewrite.Redirect{URL: "https://a.test/"}, "Redirect.Code: invalid value 0"},
		{"2xx code", &rewrite.Redirect{URL: "https://a.test/", Code: 200}, "Redirect.Code: invalid value 200"},
		{"code beyond net/http", &rewrite.Redirect{Code: 3000}, "Redirect.Code: invalid value 3000"},
		{"scheme", &rewrite.Redirect{Code: 302, Scheme: "ftp"}, `Redirect.Scheme: invalid value "ftp": must be "http" or "https"`},
		{"negative port", &rewrite.Redirect{Code: 302, Port: -1}, "Redirect.Port: invalid value -1: must be from 0 (the request's port) to 65535"},
		{"hostname with a space", &rewrite.Redirect{Code: 302, Hostname: "a b"}, `Redirect.Hostname: invalid value "a b"`},
		{"hostname with a port", &rewrite.Redirect{Code: 302, Hostname: "a.test:80"}, `Redirect.Hostname: invalid value "a.test:80"`},
		{"port too large", &rewrite.Redirect{Code: 302, Port: 65536}, "Redirect.Port: invalid value 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantNewError(t, &Route{Upstream: up, Redirect: tc.redirect}, tc.want) })
	}
}

// TestZeroRewriteRefused checks that a Rewrite not made by rewrite.NewPath
// (the zero Path, which has no pattern) is refused by New rather than
// panicking on the first request.
func TestZeroRewriteRefused(t *testing.T) {
	up := &Upstream{Name: "a", Endpoints: []string{"127.0.0.1:80"}}
	wantNewError(t, &Route{Upstream: up, Rewrite: &rewrite.Path{}}, "Rewrite: not made by rewrite.NewPath")
}
