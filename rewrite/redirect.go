package rewrite

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Redirect answers every request of a route with the same Location and
// status code: ingress-nginx's permanent-redirect and temporal-redirect. The
// request's path is not appended; the URL is used as given.
type Redirect struct {
	URL  string // the Location sent, as given
	Code int    // the 3xx status sent (see NewRedirect)
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

// ServeHTTP answers with the redirect.
func (r *Redirect) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", r.URL)
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
