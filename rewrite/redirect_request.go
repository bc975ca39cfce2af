package rewrite

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// NewRequestRedirect checks the parts of a redirect built from the request,
// Gateway API's RequestRedirect filter: scheme "", "http" or "https";
// hostname empty or a host name or IP address without a port; port 0 (derived,
// see Redirect.Port) to 65535; path nil or a valid PathModifier; code 301,
// 302, 303, 307 or 308, or 0 for the filter's default, 302.
func NewRequestRedirect(scheme, hostname string, port int, path *PathModifier, code int) (*Redirect, error) {
	switch code {
	case 0:
		code = 302
	case 301, 302, 303, 307, 308:
	default:
		return nil, fmt.Errorf("rewrite: redirect status code %d: must be 301, 302, 303, 307 or 308", code)
	}
	r := &Redirect{Code: code, Scheme: scheme, Hostname: hostname, Port: port, Path: path}
	if errs := r.Check(); len(errs) > 0 {
		return nil, fmt.Errorf("rewrite: %w", errors.Join(errs...))
	}
	return r, nil
}

// Check returns what is wrong with r: a code that is not a redirect (or
// that net/http would panic on), and, for a redirect built from the
// request, the parts of a Location no client could follow.
func (r *Redirect) Check() []error {
	var errs []error
	if r.Code < 300 || r.Code > 399 {
		errs = append(errs, fmt.Errorf("Redirect.Code: invalid value %d: must be a 3xx status code", r.Code))
	}
	if r.URL != "" {
		return errs
	}
	if r.Scheme != "" && r.Scheme != "http" && r.Scheme != "https" {
		errs = append(errs, fmt.Errorf(`Redirect.Scheme: invalid value %q: must be "http" or "https"`, r.Scheme))
	}
	if r.Hostname != "" && !validHostname(r.Hostname) {
		errs = append(errs, fmt.Errorf("Redirect.Hostname: invalid value %q: must be a host name or an IP address, without a port", r.Hostname))
	}
	if r.Port < 0 || r.Port > 65535 {
		errs = append(errs, fmt.Errorf("Redirect.Port: invalid value %d: must be from 0 (the request's port) to 65535", r.Port))
	}
	if r.Path != nil {
		if err := r.Path.Check(); err != nil {
			errs = append(errs, fmt.Errorf("Redirect.Path: %w", err))
		}
	}
	return errs
}

// validHostname reports whether h is a DNS name (letters, digits and "-"
// in labels; a wildcard refused) or an IP address, IPv6 with or without
// brackets.
func validHostname(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		ip := net.ParseIP(h[1 : len(h)-1])
		return ip != nil && ip.To4() == nil // only IPv6 goes in brackets
	}
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Location returns where a request is redirected when URL is empty. The
// request came over scheme ("http" or "https") with Host header host
// (port included when the client sent one) for the escaped path, which
// matched the route prefix prefix, and query, its raw query string.
func (r *Redirect) Location(scheme, host, path, prefix, query string) string {
	name, port := splitHost(host)
	if r.Hostname != "" {
		name = r.Hostname
	}
	switch {
	case r.Port != 0:
		port = r.Port
	case r.Scheme != "":
		port = defaultPort(r.Scheme)
	case port == 0:
		port = defaultPort(scheme)
	}
	if r.Scheme != "" {
		scheme = r.Scheme
	}
	if r.Path != nil {
		path = r.Path.Apply(path, prefix)
	}
	if path == "" {
		path = "/"
	}
	if strings.IndexByte(name, ':') >= 0 && !strings.HasPrefix(name, "[") {
		name = "[" + name + "]" // an IPv6 address
	}
	var b strings.Builder
	b.Grow(len(scheme) + len(name) + len(path) + len(query) + 10)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(name)
	if port != defaultPort(scheme) {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(port))
	}
	b.WriteString(path)
	if query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String()
}

// splitHost splits a Host header into its name and port (0 when it has
// none or an invalid one). An IPv6 literal keeps its brackets.
func splitHost(host string) (string, int) {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.IndexByte(host[i:], ']') >= 0 {
		return host, 0 // no port: "name", "[::1]"
	}
	if strings.Count(host, ":") > 1 && !strings.HasPrefix(host, "[") {
		return host, 0 // a bare IPv6 address
	}
	port, err := strconv.Atoi(host[i+1:])
	if err != nil || port <= 0 || port > 65535 {
		return host[:i], 0
	}
	return host[:i], port
}

// defaultPort is the well-known port of scheme.
func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}
