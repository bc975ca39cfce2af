package proxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ingressmux/ingressmux/route"
	"golang.org/x/net/http/httpguts"
)

// Rewrites of response headers: proxy-redirect-from/-to (Location and
// Refresh) and proxy-cookie-domain/-path (Set-Cookie attributes), as
// nginx's proxy_redirect, proxy_cookie_domain and proxy_cookie_path do.

// checkResponseRewrites returns what is wrong with rt's header rewrites:
// values that could not be sent in a header.
func checkResponseRewrites(rt *Route) []error {
	var errs []error
	for _, r := range []struct {
		name string
		r    Replace
	}{{"LocationRewrite", rt.LocationRewrite}, {"CookieDomain", rt.CookieDomain}, {"CookiePath", rt.CookiePath}} {
		if r.r.From == "" && r.r.To != "" {
			errs = append(errs, fmt.Errorf("%s: To is set without From", r.name))
		}
		for _, v := range []string{r.r.From, r.r.To} {
			if !httpguts.ValidHeaderFieldValue(v) || (r.name != "LocationRewrite" && strings.ContainsAny(v, ";, ")) {
				errs = append(errs, fmt.Errorf("%s: invalid value %q: not a valid header value", r.name, v))
			}
		}
	}
	return errs
}

// rewriteResponseHeaders applies the route's header rewrites to h, the
// headers of a response to in.
func (rt *Route) rewriteResponseHeaders(h http.Header, in *http.Request) {
	if lr := rt.LocationRewrite; lr.From != "" {
		for _, key := range []string{"Location", "Refresh"} {
			for i, v := range h[key] {
				h[key][i] = rewriteLocation(key, v, lr, in)
			}
		}
	}
	if rt.CookieDomain.From == "" && rt.CookiePath.From == "" {
		return
	}
	for i, v := range h["Set-Cookie"] {
		h["Set-Cookie"][i] = rewriteCookie(v, rt.CookieDomain, rt.CookiePath)
	}
}

// rewriteLocation replaces the From prefix of a Location value, or of the
// URL in a Refresh value ("5; url=..."), with To, in which $scheme and
// $host stand for the client's scheme and Host.
func rewriteLocation(key, v string, r Replace, in *http.Request) string {
	prefix, target := "", v
	if key == "Refresh" {
		i := strings.Index(strings.ToLower(v), "url=")
		if i < 0 {
			return v
		}
		prefix, target = v[:i+4], v[i+4:]
	}
	rest, ok := strings.CutPrefix(target, r.From)
	if !ok {
		return v
	}
	to := r.To
	if strings.Contains(to, "$") {
		scheme := "http"
		if in.TLS != nil {
			scheme = "https"
		}
		to = strings.ReplaceAll(strings.ReplaceAll(to, "$scheme", scheme), "$host", route.NormalizeHost(in.Host))
	}
	return prefix + to + rest
}

// rewriteCookie rewrites the Domain and Path attributes of one Set-Cookie
// value, leaving everything else as the backend wrote it. Domains compare
// case-insensitively and without a leading dot; paths by prefix.
func rewriteCookie(v string, domain, path Replace) string {
	parts := strings.Split(v, ";")
	changed := false
	for i := 1; i < len(parts); i++ {
		name, value, ok := strings.Cut(parts[i], "=")
		if !ok {
			continue
		}
		lead := name[:len(name)-len(strings.TrimLeft(name, " "))]
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "domain":
			if domain.From != "" && strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(value), "."), strings.TrimPrefix(domain.From, ".")) {
				parts[i], changed = lead+strings.TrimSpace(name)+"="+domain.To, true
			}
		case "path":
			if rest, ok := strings.CutPrefix(strings.TrimSpace(value), path.From); ok && path.From != "" {
				parts[i], changed = lead+strings.TrimSpace(name)+"="+path.To+rest, true
			}
		}
	}
	if !changed {
		return v
	}
	return strings.Join(parts, ";")
}

// validHost reports whether h is a host name, optionally with a port,
// fit for a Location header.
func validHost(h string) bool {
	return h != "" && httpguts.ValidHostHeader(h) && !strings.ContainsAny(h, "/?#@")
}
