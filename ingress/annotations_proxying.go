package ingress

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// proxyingPolicy is what the annotations of one Ingress say about how
// requests and responses pass through: retries, buffering, and rewriting
// of response headers.
type proxyingPolicy struct {
	// nextUpstream is proxy-next-upstream: when a request is tried again
	// on another endpoint. The zero value is ingress-nginx's default,
	// "error timeout".
	nextUpstream nextUpstream
	// RequestBuffering is proxy-request-buffering: the whole request body
	// is read before the backend is contacted. On by default, as in
	// ingress-nginx.
	RequestBuffering bool
	// ResponseBuffering is proxy-buffering. Responses are always passed on
	// as they arrive, which is ingress-nginx's default "off"; "on" is
	// accepted with a warning.
	ResponseBuffering bool
	// RedirectFrom and RedirectTo are proxy-redirect-from and -to: a
	// Location or Refresh header of a response that starts with
	// RedirectFrom has that prefix replaced by RedirectTo. Empty when off.
	RedirectFrom, RedirectTo string
	// CookieDomainFrom and CookieDomainTo are proxy-cookie-domain ("from
	// to"): the Domain attribute of Set-Cookie headers.
	CookieDomainFrom, CookieDomainTo string
	// CookiePathFrom and CookiePathTo are proxy-cookie-path ("from to"):
	// the Path attribute of Set-Cookie headers, by prefix.
	CookiePathFrom, CookiePathTo string
	// CloseConnection is connection-proxy-header: "close": the connection
	// to the backend is not reused.
	CloseConnection bool

	askedHTTP10 bool // proxy-http-version: "1.0", which is not supported
	askedFCGI   bool // backend-protocol: "FCGI", which is not supported
}

// nextUpstream says which failures send a request to the next endpoint.
type nextUpstream struct {
	// Off turns retries off (proxy-next-upstream: "off").
	Off bool
	// OnError and OnTimeout retry when the connection to the endpoint
	// fails or times out ("error", "timeout").
	OnError, OnTimeout bool
	// OnStatus lists the response codes that are retried ("http_502"…).
	OnStatus []int
	// NonIdempotent also retries POST, PATCH and LOCK ("non_idempotent").
	NonIdempotent bool
	// Tries is proxy-next-upstream-tries: attempts in all, the first
	// included; 0 means no limit. Default 3.
	Tries int
	// Timeout is proxy-next-upstream-timeout: no new attempt starts after
	// it; 0 means no limit.
	Timeout time.Duration
}

// defaultNextUpstream is ingress-nginx's: "error timeout", 3 tries.
func defaultNextUpstream() nextUpstream {
	return nextUpstream{OnError: true, OnTimeout: true, Tries: 3}
}

// nextUpstreamStatus maps the http_NNN conditions to their codes.
var nextUpstreamStatus = map[string]int{
	"http_403": 403, "http_404": 404, "http_429": 429,
	"http_500": 500, "http_502": 502, "http_503": 503, "http_504": 504,
}

// proxyingAnnotations are the annotations that fill Policy.Proxying.
var proxyingAnnotations = map[string]annotation{
	"proxy-next-upstream": {func(p *policy, v string) error {
		n := &p.Proxying.nextUpstream
		n.OnError, n.OnTimeout, n.OnStatus, n.Off, n.NonIdempotent = false, false, nil, false, false
		for _, cond := range strings.Fields(v) {
			switch cond {
			case "error":
				n.OnError = true
			case "timeout":
				n.OnTimeout = true
			case "invalid_header":
				n.OnError = true // a malformed response is a failed round trip in Go
			case "non_idempotent":
				n.NonIdempotent = true
			case "off":
				n.Off = true
			default:
				code, ok := nextUpstreamStatus[cond]
				if !ok {
					return fmt.Errorf("must be a space-separated list of error, timeout, invalid_header, http_500, http_502, http_503, http_504, http_403, http_404, http_429, non_idempotent, or off")
				}
				n.OnStatus = append(n.OnStatus, code)
			}
		}
		if n.Off && (n.OnError || n.OnTimeout || len(n.OnStatus) > 0 || n.NonIdempotent) {
			return fmt.Errorf(`"off" cannot be combined with other conditions`)
		}
		return nil
	}},
	"proxy-next-upstream-tries": {func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("must be a whole number from 0 (no limit) to 100")
		}
		p.Proxying.nextUpstream.Tries = n
		return nil
	}},
	"proxy-next-upstream-timeout": {func(p *policy, v string) error {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "s"))
		if err != nil || n < 0 || n > 86400 {
			return fmt.Errorf("must be a whole number of seconds, 0 for no limit")
		}
		p.Proxying.nextUpstream.Timeout = time.Duration(n) * time.Second
		return nil
	}},
	"proxy-request-buffering": {onOffInto(func(p *policy) *bool { return &p.Proxying.RequestBuffering })},
	"proxy-buffering":         {onOffInto(func(p *policy) *bool { return &p.Proxying.ResponseBuffering })},
	"proxy-redirect-from": {func(p *policy, v string) error {
		if v != "off" && v != "default" && !redirectPrefix.MatchString(v) {
			return fmt.Errorf(`must be "off", "default" or the start of a URL, such as http://backend.internal/`)
		}
		p.Proxying.RedirectFrom = v
		return nil
	}},
	"proxy-redirect-to": {func(p *policy, v string) error {
		if !redirectPrefix.MatchString(v) {
			return fmt.Errorf("must be a URL or path prefix, such as https://example.com/; of the nginx variables only $scheme and $host are supported")
		}
		p.Proxying.RedirectTo = v
		return nil
	}},
	"proxy-cookie-domain": {fromToInto(cookieDomain, "a domain", func(p *policy) (*string, *string) {
		return &p.Proxying.CookieDomainFrom, &p.Proxying.CookieDomainTo
	})},
	"proxy-cookie-path": {fromToInto(cookiePath, "a path", func(p *policy) (*string, *string) {
		return &p.Proxying.CookiePathFrom, &p.Proxying.CookiePathTo
	})},
	"proxy-http-version": {func(p *policy, v string) error {
		if v != "1.1" && v != "1.0" {
			return fmt.Errorf(`must be "1.1" or "1.0"`)
		}
		p.Proxying.askedHTTP10 = v == "1.0" // warned about in finishProxying
		return nil
	}},
	"connection-proxy-header": {func(p *policy, v string) error {
		switch strings.ToLower(v) {
		case "close":
			p.Proxying.CloseConnection = true
		case "keep-alive", "upgrade":
			p.Proxying.CloseConnection = false
		default:
			return fmt.Errorf(`must be "keep-alive", "close" or "upgrade"`)
		}
		return nil
	}},
}

var (
	// redirectPrefix allows URL characters and the $scheme and $host
	// variables, which the proxy substitutes; nothing that could end a
	// header value.
	redirectPrefix = regexp.MustCompile(`^(\$scheme|\$host|[-._~a-zA-Z0-9/:?&=%+,@])+$`)
	cookieDomain   = regexp.MustCompile(`^\.?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`)
	cookiePath     = regexp.MustCompile(`^/[-._~a-zA-Z0-9/%+,@]*$`)
)

// fromToInto parses nginx's "off" or "FROM TO" pairs.
func fromToInto(syntax *regexp.Regexp, what string, fields func(*policy) (*string, *string)) func(*policy, string) error {
	return func(p *policy, v string) error {
		from, to := fields(p)
		if v == "off" {
			*from, *to = "", ""
			return nil
		}
		parts := strings.Fields(v)
		if len(parts) != 2 || !syntax.MatchString(parts[0]) || !syntax.MatchString(parts[1]) {
			return fmt.Errorf(`must be "off" or two values separated by a space, each %s: the one to replace and its replacement`, what)
		}
		*from, *to = parts[0], parts[1]
		return nil
	}
}

// finishProxying combines the proxying annotations of ing.
func (c *compiler) finishProxying(ing Ingress, p *policy) bool {
	key := func(name string) string {
		return "metadata.annotations[" + c.opts.annotation(name) + "]"
	}
	if p.Proxying.askedHTTP10 {
		c.warn(ing, key("proxy-http-version"), "HTTP/1.0 to backends is not supported; HTTP/1.1 is used")
	}
	pr := &p.Proxying
	if pr.askedFCGI {
		// Speaking HTTP to a FastCGI server would fail in ways that are
		// harder to read than a 503.
		c.warn(ing, key("backend-protocol"), `"FCGI": FastCGI backends are not supported; every path of this Ingress answers 503`)
		if p.Traffic.Deny == "" {
			p.Traffic.Deny = "backend-protocol FCGI: FastCGI backends are not supported"
		}
	}
	if pr.ResponseBuffering {
		c.warn(ing, key("proxy-buffering"), `"on" is not supported: responses are passed on as they arrive, as with "off" (nginx's buffering frees the backend before a slow client has read the response)`)
	}
	switch {
	case pr.RedirectFrom == "off" || pr.RedirectFrom == "default":
		// "default" rewrites the proxy_pass URL, which in ingress-nginx is
		// the internal upstream_balancer: it never matches a backend's
		// Location, so it is the same as off.
		pr.RedirectFrom, pr.RedirectTo = "", ""
	case pr.RedirectFrom != "" && pr.RedirectTo == "":
		c.warn(ing, key("proxy-redirect-from"), "ignored: proxy-redirect-to is not set")
		pr.RedirectFrom = ""
	case pr.RedirectFrom == "" && pr.RedirectTo != "":
		c.warn(ing, key("proxy-redirect-to"), "ignored: proxy-redirect-from is not set")
		pr.RedirectTo = ""
	}
	return true
}
