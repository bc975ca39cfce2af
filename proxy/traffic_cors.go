package proxy

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CORS defaults, as in ingress-nginx.
const (
	// DefaultCORSAllowMethods is cors-allow-methods' default.
	DefaultCORSAllowMethods = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
	// DefaultCORSAllowHeaders is cors-allow-headers' default.
	DefaultCORSAllowHeaders = "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
	// DefaultCORSMaxAge is cors-max-age's default: 20 days.
	DefaultCORSMaxAge = 1728000 * time.Second
)

// CORS answers cross-origin requests as ingress-nginx's enable-cors does.
//
// For a request whose Origin is allowed, every response of the route (the
// backend's, and the proxy's own refusals and errors) carries
// Access-Control-Allow-Origin (the request's Origin, or "*" when any origin
// is allowed), -Allow-Methods, -Allow-Headers, -Max-Age, and, when set,
// -Allow-Credentials and -Expose-Headers, replacing any the backend sent.
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) from
// an allowed origin is answered with 204 and never reaches the backend,
// nor rate limits or authentication. Requests from other origins get no
// CORS headers and go on as usual; a preflight among them reaches the
// backend.
//
// Unless any origin is allowed, every response also varies by Origin
// ("Vary: Origin"), so that caches keep the answers apart.
type CORS struct {
	// AllowOrigins lists the allowed origins (cors-allow-origin): exact
	// origins "https://app.example.com" (with a port when not the scheme's
	// default), "null", or wildcards "https://*.example.com" whose "*" is
	// one DNS label. Matching ignores case. Empty, or an entry "*", allows
	// any origin.
	AllowOrigins []string
	// AllowMethods is sent as Access-Control-Allow-Methods. Empty means
	// DefaultCORSAllowMethods.
	AllowMethods string
	// AllowHeaders is sent as Access-Control-Allow-Headers. Empty means
	// DefaultCORSAllowHeaders.
	AllowHeaders string
	// ExposeHeaders, when not empty, is sent as
	// Access-Control-Expose-Headers.
	ExposeHeaders string
	// AllowCredentials sends "Access-Control-Allow-Credentials: true".
	// Browsers ignore it together with "Access-Control-Allow-Origin: *":
	// list the origins for credentialed requests.
	AllowCredentials bool
	// MaxAge is sent as Access-Control-Max-Age, in whole seconds: how long
	// browsers may cache a preflight's answer. Zero means DefaultCORSMaxAge;
	// negative sends 0 (do not cache).
	MaxAge time.Duration
}

// cors is the runtime of a CORS.
type cors struct {
	any       bool
	exact     map[string]bool // lower-case origins
	wildcards []wildcardOrigin
	// headers are set on the responses to allowed origins, but for
	// Access-Control-Allow-Origin, which depends on the request.
	headers []headerValue
}

// headerValue is a header to set. Its value slice is shared by every
// response and full (len == cap), so that appending to it copies.
type headerValue struct {
	key string
	val []string
}

func newHeaderValue(key, val string) headerValue { return headerValue{key, []string{val}} }

// wildcardOrigin is "scheme://*.suffix[:port]", lower-case: the origin
// is prefix + one DNS label + rest.
type wildcardOrigin struct{ prefix, rest string }

// corsKeys are the headers a cors sets, which replace the backend's.
var corsKeys = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
}

func newCORS(c *CORS) (*cors, []error) {
	rt := &cors{exact: map[string]bool{}}
	var errs []error
	for i, o := range c.AllowOrigins {
		o = strings.ToLower(strings.TrimSpace(o))
		if o == "*" {
			rt.any = true
			continue
		}
		if err := checkOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("CORS.AllowOrigins[%d]: invalid value %q: %w", i, c.AllowOrigins[i], err))
			continue
		}
		if scheme, rest, ok := strings.Cut(o, "://*."); ok {
			rt.wildcards = append(rt.wildcards, wildcardOrigin{prefix: scheme + "://", rest: "." + rest})
		} else {
			rt.exact[o] = true
		}
	}
	if len(c.AllowOrigins) == 0 {
		rt.any = true
	}
	for _, f := range []struct{ name, v string }{{"AllowMethods", c.AllowMethods}, {"AllowHeaders", c.AllowHeaders}, {"ExposeHeaders", c.ExposeHeaders}} {
		if !validHeaderValue(f.v) {
			errs = append(errs, fmt.Errorf("CORS.%s: invalid value %q: not a valid header value", f.name, f.v))
		}
	}
	if c.AllowCredentials {
		rt.headers = append(rt.headers, newHeaderValue("Access-Control-Allow-Credentials", "true"))
	}
	rt.headers = append(rt.headers,
		newHeaderValue("Access-Control-Allow-Methods", cmp.Or(c.AllowMethods, DefaultCORSAllowMethods)),
		newHeaderValue("Access-Control-Allow-Headers", cmp.Or(c.AllowHeaders, DefaultCORSAllowHeaders)))
	if c.ExposeHeaders != "" {
		rt.headers = append(rt.headers, newHeaderValue("Access-Control-Expose-Headers", c.ExposeHeaders))
	}
	maxAge := c.MaxAge
	switch {
	case maxAge == 0:
		maxAge = DefaultCORSMaxAge
	case maxAge < 0:
		maxAge = 0
	}
	rt.headers = append(rt.headers, newHeaderValue("Access-Control-Max-Age", strconv.FormatInt(int64(maxAge/time.Second), 10)))
	return rt, errs
}

// checkOrigin tells whether o (lower-case) is an origin or a wildcard
// origin as cors-allow-origin accepts them.
func checkOrigin(o string) error {
	if o == "null" {
		return nil
	}
	scheme, hostPort, ok := strings.Cut(o, "://")
	if !ok || scheme == "" || strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyz0123456789+.-") != "" {
		return errors.New(`want scheme://host[:port], such as https://app.example.com, a wildcard such as https://*.example.com, "null" or "*"`)
	}
	host, port, hasPort := strings.Cut(hostPort, ":")
	if hasPort {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fmt.Errorf("port %q: want 1-65535", port)
		}
	}
	host = strings.TrimPrefix(host, "*.")
	if host == "" || strings.Contains(host, "*") || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" ||
		strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return errors.New(`want scheme://host[:port] with a DNS name or IPv4 address as host; a wildcard "*." may only start the host`)
	}
	return nil
}

// allows returns whether origin may make cross-origin requests.
func (c *cors) allows(origin string) bool {
	if c.any {
		return true
	}
	if origin == "" {
		return false
	}
	lower := origin
	for i := 0; i < len(origin); i++ {
		if 'A' <= origin[i] && origin[i] <= 'Z' {
			lower = strings.ToLower(origin)
			break
		}
	}
	if c.exact[lower] {
		return true
	}
	for _, w := range c.wildcards {
		label, ok := strings.CutPrefix(lower, w.prefix)
		if !ok {
			continue
		}
		label, ok = strings.CutSuffix(label, w.rest)
		if ok && isDNSLabel(label) {
			return true
		}
	}
	return false
}

// isDNSLabel reports whether s matches nginx's [A-Za-z0-9-]+ (lower-case).
func isDNSLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// respond sets the CORS headers of r's response on h and reports whether r
// is a preflight to answer with 204.
func (c *cors) respond(h http.Header, r *http.Request) (preflight bool) {
	if !c.any {
		if v := h["Vary"]; len(v) == 0 {
			h["Vary"] = varyOrigin
		} else {
			h["Vary"] = append(v, "Origin")
		}
	}
	origin := r.Header.Get("Origin")
	if !c.allows(origin) {
		return false
	}
	if c.any {
		h["Access-Control-Allow-Origin"] = star
	} else {
		h["Access-Control-Allow-Origin"] = []string{origin}
	}
	for _, hv := range c.headers {
		h[hv.key] = hv.val
	}
	return r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

var (
	star       = []string{"*"}
	varyOrigin = []string{"Origin"}
)

// servePreflight answers an allowed preflight as ingress-nginx does.
func servePreflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain charset=UTF-8")
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}
