package ingress

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
)

// proxyingPolicy is what the proxying annotations of one Ingress leave to
// finishProxying; what they ask of the routes (retries, buffering,
// response header rewrites, connection reuse) is in the policy's route.
type proxyingPolicy struct {
	retryOff          bool // proxy-next-upstream: "off"
	responseBuffering bool // proxy-buffering: "on", which is not supported
	askedHTTP10       bool // proxy-http-version: "1.0", which is not supported
	askedFCGI         bool // backend-protocol: "FCGI", which is not supported
}

// defaultRetry is ingress-nginx's proxy-next-upstream: "error timeout",
// 3 tries.
func defaultRetry() proxy.Retry {
	return proxy.Retry{OnError: true, OnTimeout: true, Tries: 3}
}

// nextUpstreamStatus maps the http_NNN conditions to their codes.
var nextUpstreamStatus = map[string]int{
	"http_403": 403, "http_404": 404, "http_429": 429,
	"http_500": 500, "http_502": 502, "http_503": 503, "http_504": 504,
}

// proxyingAnnotations are the annotations that fill Policy.Proxying.
var proxyingAnnotations = map[string]annotation{
	"proxy-next-upstream": {func(p *policy, v string) error {
		n := &p.route.Retry
		n.OnError, n.OnTimeout, n.OnStatus, n.NonIdempotent = false, false, nil, false
		p.Proxying.retryOff = false
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
				p.Proxying.retryOff = true
			default:
				code, ok := nextUpstreamStatus[cond]
				if !ok {
					return fmt.Errorf("must be a space-separated list of error, timeout, invalid_header, http_500, http_502, http_503, http_504, http_403, http_404, http_429, non_idempotent, or off")
				}
				n.OnStatus = append(n.OnStatus, code)
			}
		}
		if p.Proxying.retryOff && (n.OnError || n.OnTimeout || len(n.OnStatus) > 0 || n.NonIdempotent) {
			return fmt.Errorf(`"off" cannot be combined with other conditions`)
		}
		return nil
	}},
	"proxy-next-upstream-tries": {func(p *policy, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("must be a whole number from 0 (no limit) to 100")
		}
		p.route.Retry.Tries = n
		return nil
	}},
	"proxy-next-upstream-timeout": {func(p *policy, v string) error {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "s"))
		if err != nil || n < 0 || n > 86400 {
			return fmt.Errorf("must be a whole number of seconds, 0 for no limit")
		}
		p.route.Retry.Timeout = time.Duration(n) * time.Second
		return nil
	}},
	"proxy-request-buffering": {onOffInto(func(p *policy) *bool { return &p.route.BufferRequest })},
	"proxy-buffering":         {onOffInto(func(p *policy) *bool { return &p.Proxying.responseBuffering })},
	"proxy-redirect-from": {func(p *policy, v string) error {
		if v != "off" && v != "default" && !redirectPrefix.MatchString(v) {
			return fmt.Errorf(`must be "off", "default" or the start of a URL, such as http://backend.internal/`)
		}
		p.route.LocationRewrite.From = v
		return nil
	}},
	"proxy-redirect-to": {func(p *policy, v string) error {
		if !redirectPrefix.MatchString(v) {
			return fmt.Errorf("must be a URL or path prefix, such as https://example.com/; of the nginx variables only $scheme and $host are supported")
		}
		p.route.LocationRewrite.To = v
		return nil
	}},
	"proxy-cookie-domain": {fromToInto(cookieDomain, "a domain", func(p *policy) *proxy.Replace { return &p.route.CookieDomain })},
	"proxy-cookie-path":   {fromToInto(cookiePath, "a path", func(p *policy) *proxy.Replace { return &p.route.CookiePath })},
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
			p.route.CloseConnection = true
		case "keep-alive", "upgrade":
			p.route.CloseConnection = false
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
func fromToInto(syntax *regexp.Regexp, what string, field func(*policy) *proxy.Replace) func(*policy, string) error {
	return func(p *policy, v string) error {
		r := field(p)
		if v == "off" {
			*r = proxy.Replace{}
			return nil
		}
		parts := strings.Fields(v)
		if len(parts) != 2 || !syntax.MatchString(parts[0]) || !syntax.MatchString(parts[1]) {
			return fmt.Errorf(`must be "off" or two values separated by a space, each %s: the one to replace and its replacement`, what)
		}
		*r = proxy.Replace{From: parts[0], To: parts[1]}
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
	if p.Proxying.retryOff {
		p.route.Retry = proxy.Retry{} // never retried
	}
	if p.Proxying.askedFCGI {
		// Speaking HTTP to a FastCGI server would fail in ways that are
		// harder to read than a 503.
		c.warn(ing, key("backend-protocol"), `"FCGI": FastCGI backends are not supported; every path of this Ingress answers 503`)
		if p.Traffic.Deny == "" {
			p.Traffic.Deny = "backend-protocol FCGI: FastCGI backends are not supported"
		}
	}
	if p.Proxying.responseBuffering {
		c.warn(ing, key("proxy-buffering"), `"on" is not supported: responses are passed on as they arrive, as with "off" (nginx's buffering frees the backend before a slow client has read the response)`)
	}
	lr := &p.route.LocationRewrite
	switch {
	case lr.From == "off" || lr.From == "default":
		// "default" rewrites the proxy_pass URL, which in ingress-nginx is
		// the internal upstream_balancer: it never matches a backend's
		// Location, so it is the same as off.
		*lr = proxy.Replace{}
	case lr.From != "" && lr.To == "":
		c.warn(ing, key("proxy-redirect-from"), "ignored: proxy-redirect-to is not set")
		lr.From = ""
	case lr.From == "" && lr.To != "":
		c.warn(ing, key("proxy-redirect-to"), "ignored: proxy-redirect-from is not set")
		lr.To = ""
	}
	return true
}
