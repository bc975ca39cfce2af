package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// authURL is ExternalAuth.URL, parsed once. Variables may only appear where
// they cannot send the auth request to a host the route's author did not
// name: $scheme as the scheme, $host (the host the request matched, which a
// rule of the route declared) as the host, and any of TemplateVariables in
// the query, whose values are percent-encoded (but $escaped_request_uri and
// $arg_NAME, which are already one query value). The path is fixed: a
// variable there would let a request pick which endpoint of the auth
// service judges it ("/auth/../open").
type authURL struct {
	fixed  string   // the URL when it has no variables
	scheme string   // "http" or "https"; "" for $scheme
	host   string   // host[:port]; "" for $host
	port   string   // with $host: the ":port" after it, or ""
	path   string   // as written, escaped form
	query  template // nil when the URL has no query
}

// parseAuthURL parses and checks an ExternalAuth URL.
func parseAuthURL(s string) (*authURL, error) {
	const want = "want an absolute http or https URL, such as http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth"
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, errors.New(want)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return nil, errors.New(want)
	}
	a := &authURL{}
	switch strings.ToLower(scheme) {
	case "http", "https":
		a.scheme = strings.ToLower(scheme)
	case "$scheme", "${scheme}":
	default:
		return nil, errors.New(want)
	}
	authority, pathQuery := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, pathQuery = rest[:i], rest[i:]
	}
	switch {
	case strings.HasPrefix(authority, "$host"), strings.HasPrefix(authority, "${host}"):
		port := strings.TrimPrefix(strings.TrimPrefix(authority, "${host}"), "$host")
		if port != "" && (port[0] != ':' || !allDigits(port[1:]) || len(port) < 2) {
			return nil, fmt.Errorf("the host may be $host, optionally with a port such as $host:8443, but not %q: anything else there would let a request choose where it is authenticated", authority)
		}
		a.port = port
	case strings.Contains(authority, "$"):
		return nil, fmt.Errorf("the host may be a name or $host (the host the request matched), not %q: other variables, $http_host among them (it carries the port the client sent), would let a request choose where it is authenticated", authority)
	default:
		a.host = authority
	}
	path, query, hasQuery := strings.Cut(pathQuery, "?")
	if strings.Contains(path, "$") {
		return nil, fmt.Errorf("variables are not allowed in the path %q: they would let a request choose which endpoint of the auth service judges it; put them in the query", path)
	}
	if strings.Contains(pathQuery, "#") {
		return nil, errors.New(want + ", without a fragment")
	}
	a.path = path
	if hasQuery {
		var err error
		if a.query, err = parseTemplate(query); err != nil {
			return nil, err
		}
	}
	// The URL with its variables filled in by sample values must parse.
	sample := a.scheme
	if sample == "" {
		sample = "https"
	}
	host := a.host
	if host == "" {
		host = "example.com" + a.port
	}
	u, err := url.Parse(sample + "://" + host + path)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, errors.New(want)
	}
	if _, port, err := net.SplitHostPort(u.Host); err == nil && !allDigits(port) {
		return nil, errors.New(want)
	}
	if a.scheme != "" && a.host != "" && !strings.Contains(s, "$") {
		a.fixed = s
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dnsName is what $host may expand to: the route matched the request's
// host, but a wildcard rule matches any label, so the label is checked
// before it becomes part of a URL.
var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// expand returns the auth URL for the request ri describes.
func (a *authURL) expand(ri *reqInfo) (string, error) {
	if a.fixed != "" {
		return a.fixed, nil
	}
	var b strings.Builder
	if a.scheme != "" {
		b.WriteString(a.scheme)
	} else {
		b.WriteString(ri.scheme)
	}
	b.WriteString("://")
	if a.host != "" {
		b.WriteString(a.host)
	} else {
		host := template{{v: varHost}}.expand(ri)
		if !dnsName.MatchString(host) {
			return "", fmt.Errorf("$host %q is not a DNS name", host)
		}
		b.WriteString(host)
		b.WriteString(a.port)
	}
	b.WriteString(a.path)
	if a.query != nil {
		b.WriteByte('?')
		for _, p := range a.query {
			switch p.v {
			case varNone, varEscapedRequestURI, varArg:
				// Already one query value: $arg_NAME is the raw value,
				// cut at the "&" that ends it, as nginx gives it.
				b.WriteString(template{p}.expand(ri))
			default:
				// A value must stay one query value: "&" or "#" in it
				// would add parameters or end the query.
				b.WriteString(escapeComponent(template{p}.expand(ri)))
			}
		}
	}
	return b.String(), nil
}

// CheckAuthURL reports whether s may be an ExternalAuth URL, with the
// reason when it may not; see ExternalAuth.URL for where variables may
// appear.
func CheckAuthURL(s string) error {
	_, err := parseAuthURL(s)
	return err
}

// AuthURLUsesHost reports whether the ExternalAuth URL s takes its host
// from the request ($host): it is then only as safe as the hosts of the
// routes it guards, which must all be named.
func AuthURLUsesHost(s string) bool {
	a, err := parseAuthURL(s)
	return err == nil && a.host == ""
}
