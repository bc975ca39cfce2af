package proxy

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ingressmux/ingressmux/route"
)

// acmeChallenge is where ACME HTTP-01 validation requests go; they must
// work over plain HTTP, so they are never redirected.
const acmeChallenge = "/.well-known/acme-challenge/"

// redirectsToHTTPS reports whether r, which matched rt, is to be answered
// with a redirect to HTTPS: the route asks for it (ForceSSLRedirect, or
// SSLRedirect and the host has its own certificate), the request came over
// plain HTTP (no TLS, and no "X-Forwarded-Proto: https" from a trusted
// peer), and its path is not an ACME challenge.
// redirect answers r with a redirect when its route asks for one, and
// reports whether it did. Redirects come before anything else, as in
// ingress-nginx: app-root (a server-level rule there), then the route's
// fixed redirect, a rewrite to an absolute URL or the host redirect, then
// the redirect to HTTPS.
//
// matched is the path of the rule r matched, whose prefix a redirect built
// from the request may replace.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, rt *Route, matched, cleanPath string, p peer) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	switch {
	case rt.AppRoot != nil && rt.AppRoot.Applies(cleanPath):
		w.Header().Set("Location", rt.AppRoot.Location(scheme, r.Host))
		writeError(w, http.StatusFound, "302 found")
	case rt.Redirect != nil && rt.Redirect.URL == "":
		rd := rt.Redirect
		rd.Answer(w, rd.Location(requestScheme(r, p.trusted), r.Host, cleanPath, matched, r.URL.RawQuery))
	case rt.Redirect != nil:
		rt.Redirect.ServeHTTP(w, r)
	case rt.Rewrite != nil && rt.Rewrite.Redirects() && h.rewriteRedirect(w, r, rt, cleanPath):
	case rt.HostRedirect != "":
		host := rt.HostRedirect
		if _, port, err := net.SplitHostPort(r.Host); err == nil && !strings.Contains(host, ":") {
			host = net.JoinHostPort(host, port)
		}
		w.Header().Set("Location", scheme+"://"+host+r.URL.RequestURI())
		writeError(w, http.StatusPermanentRedirect, "308 permanent redirect")
	case h.redirectsToHTTPS(rt, r, cleanPath, p.trusted):
		h.redirectToHTTPS(w, r, rt.PreserveTrailingSlash)
	default:
		return false
	}
	return true
}

func (h *Handler) redirectsToHTTPS(rt *Route, r *http.Request, cleanPath string, trusted bool) bool {
	if !rt.ForceSSLRedirect && !rt.SSLRedirect {
		return false
	}
	if r.TLS != nil || trusted && forwardedHTTPS(r.Header) {
		return false
	}
	if strings.HasPrefix(cleanPath, acmeChallenge) {
		return false
	}
	host := route.NormalizeHost(r.Host)
	if host == "" {
		return false // nowhere to redirect to
	}
	return rt.ForceSSLRedirect || h.cfg.Certificates != nil && h.cfg.Certificates.Has(host)
}

// forwardedHTTPS reports whether the first X-Forwarded-Proto value, the one
// set by the proxy closest to the client, is "https".
func forwardedHTTPS(h http.Header) bool {
	vv := h["X-Forwarded-Proto"]
	if len(vv) == 0 {
		return false
	}
	first, _, _ := strings.Cut(vv[0], ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

// redirectToHTTPS answers 308 with the same host, the HTTPS port when
// Config.RedirectPort names one other than 443, and the request URI as the
// client sent it, query included, less a trailing slash of its path unless
// preserveSlash (ingress-nginx strips it: /shop/ redirects to /shop). 308
// keeps the method and body, unlike 301.
func (h *Handler) redirectToHTTPS(w http.ResponseWriter, r *http.Request, preserveSlash bool) {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") { // absolute-form, or a handler test's request
		uri = r.URL.RequestURI()
	}
	if !preserveSlash {
		p, q, hasQuery := strings.Cut(uri, "?")
		if len(p) > 1 && strings.HasSuffix(p, "/") {
			uri = strings.TrimSuffix(p, "/")
			if hasQuery {
				uri += "?" + q
			}
		}
	}
	host := route.NormalizeHost(r.Host) // keeps an IPv6 literal's brackets
	if port := h.cfg.RedirectPort; port != 0 && port != 443 {
		host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port))
	}
	w.Header().Set("Location", "https://"+host+uri)
	writeError(w, http.StatusPermanentRedirect, "308 permanent redirect")
}

// rewriteRedirect answers r with a 302 when the route's Rewrite is to an
// absolute URL and matches the path, as nginx answers such a rewrite; the
// query string is appended. It reports whether it answered.
func (h *Handler) rewriteRedirect(w http.ResponseWriter, r *http.Request, rt *Route, cleanPath string) bool {
	target, matched := rt.Rewrite.Apply(cleanPath)
	if !matched {
		return false
	}
	if q := r.URL.RawQuery; q != "" {
		target += "?" + q
	}
	w.Header().Set("Location", target)
	writeError(w, http.StatusFound, "302 found")
	return true
}
