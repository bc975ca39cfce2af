package rewrite

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Redirect answers every request of a route with a redirect. With URL set
// the Location is always the same (ingress-nginx's permanent-redirect and
// temporal-redirect; the request's path is not appended). With URL empty
// the Location is the request's own URL with the parts Scheme, Hostname,
// Port and Path give replaced, as Gateway API's RequestRedirect filter
// builds it (see NewRequestRedirect and Location).
type Redirect struct {
	URL  string // the Location sent, as given; empty: built from the request
	Code int    // the 3xx status sent (see NewRedirect)
	// AppendQuery appends the request's query string to URL, as nginx
	// does when it redirects a path to the same path with a trailing
	// slash.
	AppendQuery bool

	// Scheme, when not empty, is the scheme of the Location: "http" or
	// "https". Empty keeps the request's.
	Scheme string
	// Hostname, when not empty, replaces the request's host name.
	Hostname string
	// Port, when not zero, is the port of the Location. Zero means the
	// well-known port of Scheme when it is set, else the port the client
	// addressed (its Host header's, else the default of its scheme). The
	// port is left out of the Location when it is the default of the
	// Location's scheme (80 for http, 443 for https).
	Port int
	// Path, when not nil, replaces the request's path or the prefix the
	// route matched; nil keeps the path. The query string is always kept.
	Path *PathModifier
}

// NewRedirect checks a redirect target: an absolute http or https URL, or
// an absolute path, without characters that would let a value smuggle
// anything else into the Location header. code must be a 3xx code in
// [lowest, highest]; out of range it becomes fallback, as ingress-nginx
// does (permanent: 300–308, else 301; temporal: 300–307, else 302).
func NewRedirect(target string, code, lowest, highest, fallback int) (*Redirect, error) {
	if strings.ContainsAny(target, " \t\r\n\"'<>\\`{}|^") || hasControl(target) {
		return nil, fmt.Errorf("rewrite: redirect %q contains characters that are not allowed in a URL", target)
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("rewrite: redirect %q: %w", target, err)
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//"):
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
	default:
		return nil, fmt.Errorf("rewrite: redirect %q must be an http(s) URL such as https://example.com/new or a path such as /new", target)
	}
	if code < lowest || code > highest {
		code = fallback
	}
	return &Redirect{URL: target, Code: code}, nil
}

// ServeHTTP answers with the redirect. A Location built from the request
// takes its scheme from req.TLS, its path as it is (a Path prefix
// replacement then finds no prefix to replace); a proxy that knows more
// calls Location itself.
func (r *Redirect) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	loc := r.URL
	switch {
	case loc == "":
		scheme := "http"
		if req.TLS != nil {
			scheme = "https"
		}
		var path, query string
		if req.URL != nil {
			path, query = req.URL.EscapedPath(), req.URL.RawQuery
		}
		loc = r.Location(scheme, req.Host, path, "", query)
	case r.AppendQuery && req.URL != nil && req.URL.RawQuery != "":
		loc += "?" + req.URL.RawQuery
	}
	r.Answer(w, loc)
}

// Answer writes the redirect to loc, with a short plain-text body.
func (r *Redirect) Answer(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(r.Code)
	fmt.Fprintf(w, "%d %s\n", r.Code, http.StatusText(r.Code))
}

// AppRoot is ingress-nginx's app-root: a request for exactly "/" is
// redirected with 302 to the application's root path on the same host and
// scheme; any other path is left alone. The query string of "/" is not
// carried over, as in ingress-nginx.
type AppRoot struct {
	Path string // the application's root path, such as "/app"
}

// NewAppRoot checks that root is an absolute path (not a URL).
func NewAppRoot(root string) (*AppRoot, error) {
	u, err := url.Parse(root)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(root, "/") || strings.HasPrefix(root, "//") {
		return nil, fmt.Errorf("rewrite: app-root %q must be an absolute path such as /app", root)
	}
	if strings.ContainsAny(root, " \t\r\n\"'<>\\`{}|^") || hasControl(root) {
		return nil, fmt.Errorf("rewrite: app-root %q contains characters that are not allowed in a URL path", root)
	}
	return &AppRoot{Path: root}, nil
}

// Applies reports whether the request path is the one app-root redirects.
func (a *AppRoot) Applies(path string) bool { return path == "/" }

// Location returns where to send a request for "/" arriving over scheme
// ("http" or "https") for host (the client's Host header, port included).
func (a *AppRoot) Location(scheme, host string) string {
	return scheme + "://" + host + a.Path
}

// hasControl reports whether s holds an ASCII control character. url.Parse
// refuses them before the fragment only, and a Location header must hold
// none anywhere.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
