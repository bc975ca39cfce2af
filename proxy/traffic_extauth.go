package proxy

import (
	"cmp"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// External auth defaults.
const (
	// DefaultAuthTimeout bounds one request to the auth service, from
	// dialing to the end of its answer.
	DefaultAuthTimeout = 10 * time.Second
	// DefaultAuthRedirectParam is the query parameter of the sign-in URL
	// that carries the original URL (auth-signin-redirect-param).
	DefaultAuthRedirectParam = "rd"
	// DefaultAuthCacheEntries bounds how many answers an ExternalAuth
	// caches.
	DefaultAuthCacheEntries = 10_000
	// sentFrom is the X-Sent-From value of auth requests; auth services
	// written for ingress-nginx may look for it.
	sentFrom = "nginx-ingress-controller"
	// maxAuthBody is how much of an auth answer's body is read (and
	// dropped) so that its connection can be reused.
	maxAuthBody = 64 << 10
)

// ExternalAuth asks an authentication service about every request before
// it is proxied, as ingress-nginx's auth-url (nginx's auth_request) does.
//
// The auth request goes to URL with Method and no body. It carries the
// client's headers (its Cookie and Authorization among them) less the
// hop-by-hop ones, and X-Original-URL (scheme://host/path?query of the
// request), X-Original-Method, X-Sent-From: nginx-ingress-controller,
// X-Auth-Request-Redirect, X-Real-IP and X-Forwarded-For (the client's
// address), X-Forwarded-Host, -Proto and -Port, and X-Request-ID (the same
// the backend gets). Its answer decides:
//
//	2xx       the request is proxied, with the ResponseHeaders of the answer
//	          copied onto it (and removed from it when the answer lacks them,
//	          so that clients cannot forge them)
//	401       401 to the client, with the answer's WWW-Authenticate; or, with
//	          SignIn, 302 to SignIn with the original URL in its
//	          SignInRedirectParam
//	403       403 to the client
//	otherwise 500, as is a failed or timed-out auth request
//
// Set-Cookie headers of the answer are added to the response when its
// status is 200, 201, 204, 206, 301, 302, 303, 304, 307 or 308, or always
// with AlwaysSetCookie (also to the 401, 403 and 302 above).
//
// The requests use a client of their own that never follows redirects (a
// 3xx answer is "otherwise") and never uses a proxy from the environment.
// When the auth URL has no port and its host is one that a rule of the
// Handler's own table names (oauth2-proxy behind an Ingress of the same
// host, as in ingress-nginx's examples), the auth request is served by the
// Handler in-process instead, as if it had come back through the network:
// no DNS, no connection, the same routing. Such a request that reaches a
// route with external auth again is refused (500) rather than looping.
type ExternalAuth struct {
	// URL is the auth service's absolute http or https URL (auth-url).
	// The request must not choose where it is authenticated, so variables
	// may only appear where they cannot steer it: $scheme as the scheme,
	// $host (the host the request matched) as the host, optionally with a
	// port, and any of TemplateVariables in the query, percent-encoded.
	// The path is fixed.
	URL string
	// Method is the auth request's method (auth-method). Empty means GET.
	Method string
	// SignIn, when not empty, is where clients are redirected on 401
	// (auth-signin). It may use TemplateVariables. The original URL is
	// added as the SignInRedirectParam query parameter unless SignIn
	// already has that parameter.
	SignIn string
	// SignInRedirectParam names that parameter
	// (auth-signin-redirect-param). Empty means DefaultAuthRedirectParam.
	SignInRedirectParam string
	// ResponseHeaders lists the headers of a 2xx answer that are copied
	// onto the proxied request (auth-response-headers).
	ResponseHeaders []string
	// RequestRedirect is sent as X-Auth-Request-Redirect
	// (auth-request-redirect). It may use TemplateVariables. Empty means
	// the request URI.
	RequestRedirect string
	// AlwaysSetCookie adds the answer's Set-Cookie to every response
	// (auth-always-set-cookie).
	AlwaysSetCookie bool
	// CacheKey, when not empty, caches answers under this key
	// (auth-cache-key), which should name what identifies a user, such as
	// "$cookie__oauth2_proxy" or "$remote_user$http_authorization". It may
	// use TemplateVariables; the request's host is always part of the key.
	// Answers with Set-Cookie, or with Cache-Control no-store, no-cache or
	// private, are not cached.
	CacheKey string
	// CacheFor says which answers are cached for how long
	// (auth-cache-duration). Empty means 200, 202 and 401 for 5 minutes,
	// ingress-nginx's default.
	CacheFor []AuthCacheRule
	// MaxCacheEntries bounds the cache. Zero means DefaultAuthCacheEntries.
	MaxCacheEntries int
	// Timeout bounds each auth request. Zero means DefaultAuthTimeout.
	Timeout time.Duration
	// RootCAs verifies an https auth service. Nil means
	// Config.BackendCAs, else the system roots.
	RootCAs *x509.CertPool
}

// AuthCacheRule caches auth answers with some statuses for a time: one
// entry of auth-cache-duration, which is nginx's proxy_cache_valid.
type AuthCacheRule struct {
	// Statuses are the statuses concerned. Empty means 200, 301 and 302,
	// as in nginx.
	Statuses []int
	// AnyStatus concerns every status ("any").
	AnyStatus bool
	// For is how long such answers are kept; it must be positive.
	For time.Duration
}

// extAuth is the runtime of an ExternalAuth.
type extAuth struct {
	url, method     string
	target          *authURL
	timeout         time.Duration
	signIn          template // nil when none
	rdParam         string
	responseHeaders []string // canonical
	redirect        template // nil: the request URI
	alwaysCookie    bool
	cacheKey        template // nil: no cache
	cacheFor        []AuthCacheRule
	cache           *lru[[sha256.Size]byte, authAnswer]
	client          *http.Client
	now             func() time.Time
}

// authAnswer is what an auth request decided, as it is applied and cached.
type authAnswer struct {
	status  int
	header  http.Header // the ResponseHeaders and WWW-Authenticate of the answer
	cookies []string    // Set-Cookie
	expires time.Time   // for cached answers
	noCache bool        // the answer forbids caching it
}

var authMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}

// newExtAuth returns the runtime of e; defaultCAs (Config.BackendCAs)
// verify an https auth service when e sets no RootCAs.
func newExtAuth(e *ExternalAuth, defaultCAs *x509.CertPool) (*extAuth, []error) {
	var errs []error
	bad := func(field string, v any, why string) {
		errs = append(errs, fmt.Errorf("ExternalAuth.%s: invalid value %q: %s", field, v, why))
	}
	rt := &extAuth{url: e.URL, method: cmp.Or(e.Method, http.MethodGet), rdParam: cmp.Or(e.SignInRedirectParam, DefaultAuthRedirectParam),
		alwaysCookie: e.AlwaysSetCookie, now: time.Now}
	var err error
	if rt.target, err = parseAuthURL(e.URL); err != nil {
		bad("URL", e.URL, err.Error())
	}
	if !slices.Contains(authMethods, rt.method) {
		bad("Method", e.Method, "supported values: "+strings.Join(authMethods, ", "))
	}
	if e.SignIn != "" {
		if rt.signIn, err = parseTemplate(e.SignIn); err != nil {
			bad("SignIn", e.SignIn, err.Error())
		}
	}
	if !httpguts.ValidHeaderFieldName(rt.rdParam) {
		bad("SignInRedirectParam", e.SignInRedirectParam, "want a query parameter name of letters, digits and -._~")
	}
	for i, name := range e.ResponseHeaders {
		if !httpguts.ValidHeaderFieldName(name) {
			bad(fmt.Sprintf("ResponseHeaders[%d]", i), name, "not a header name")
			continue
		}
		rt.responseHeaders = append(rt.responseHeaders, http.CanonicalHeaderKey(name))
	}
	if e.RequestRedirect != "" {
		if rt.redirect, err = parseTemplate(e.RequestRedirect); err == nil && !validHeaderValue(e.RequestRedirect) {
			err = errors.New("control characters are not allowed")
		}
		if err != nil {
			bad("RequestRedirect", e.RequestRedirect, err.Error())
		}
	}
	if e.CacheKey != "" {
		if rt.cacheKey, err = parseTemplate(e.CacheKey); err != nil {
			bad("CacheKey", e.CacheKey, err.Error())
		}
		rt.cacheFor = e.CacheFor
		if len(rt.cacheFor) == 0 {
			rt.cacheFor = []AuthCacheRule{{Statuses: []int{200, 202, 401}, For: 5 * time.Minute}}
		}
		for i, c := range rt.cacheFor {
			if c.For <= 0 {
				bad(fmt.Sprintf("CacheFor[%d].For", i), c.For.String(), "must be positive")
			}
		}
		max := e.MaxCacheEntries
		if max <= 0 {
			max = DefaultAuthCacheEntries
		}
		rt.cache = newLRU[[sha256.Size]byte, authAnswer](max, nil)
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultAuthTimeout
	}
	rt.timeout = timeout
	rt.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // never HTTP_PROXY and friends
			DialContext:           (&net.Dialer{Timeout: DefaultConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{RootCAs: cmp.Or(e.RootCAs, defaultCAs), MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   DefaultConnectTimeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       60 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
	return rt, errs
}

// authorize asks the auth service about r, or its cache. It reports
// handled when it answered r (refused it); otherwise r's headers are ready
// for the backend and cookies, when not nil, are to be added to a
// successful response.
func (ea *extAuth) authorize(h *Handler, route string, w http.ResponseWriter, r *http.Request, ri *reqInfo, trusted bool) (cookies []string, handled bool) {
	ensureRequestID(r.Header)
	var key [sha256.Size]byte
	ans, cached := authAnswer{}, false
	if ea.cacheKey != nil {
		// The host is part of the key as in ingress-nginx, whose cache key
		// starts with the server name.
		key = sha256.Sum256([]byte(strings.ToLower(ri.r.Host) + "\x00" + ea.cacheKey.expand(ri)))
		ans, cached = ea.cached(key)
	}
	if !cached {
		var err error
		ans, err = ea.ask(h, r, ri, trusted)
		if err != nil {
			level := slog.LevelError
			if r.Context().Err() != nil {
				level = slog.LevelDebug // the client went away, not the auth service
			}
			h.logger().LogAttrs(r.Context(), level, "proxy: auth request failed",
				slog.String("route", route), slog.String("auth_url", ea.url), slog.Any("error", err))
			writeError(w, http.StatusInternalServerError, "500 internal server error")
			return nil, true
		}
		if ea.cacheKey != nil {
			ea.store(key, ans)
		}
	}
	if ea.alwaysCookie && len(ans.cookies) > 0 {
		w.Header()["Set-Cookie"] = append(w.Header()["Set-Cookie"], ans.cookies...)
	}
	switch s := ans.status; {
	case s >= 200 && s < 300:
		for _, k := range ea.responseHeaders {
			delete(r.Header, k)
			if v := ans.header[k]; len(v) > 0 {
				r.Header[k] = slices.Clone(v)
			}
		}
		if ea.alwaysCookie {
			return nil, false
		}
		return ans.cookies, false
	case s == http.StatusUnauthorized && ea.signIn != nil:
		w.Header().Set("Location", ea.signInURL(ri))
		writeError(w, http.StatusFound, "302 found")
	case s == http.StatusUnauthorized:
		if v := ans.header["Www-Authenticate"]; len(v) > 0 {
			w.Header()["Www-Authenticate"] = slices.Clip(v) // shared with the cache: appends must copy
		}
		writeError(w, http.StatusUnauthorized, "401 unauthorized")
	case s == http.StatusForbidden:
		writeError(w, http.StatusForbidden, "403 forbidden")
	default:
		h.logger().LogAttrs(r.Context(), slog.LevelError, "proxy: auth service answered an unexpected status; want 2xx, 401 or 403",
			slog.String("route", route), slog.String("auth_url", ea.url), slog.Int("status", s))
		writeError(w, http.StatusInternalServerError, "500 internal server error")
	}
	return nil, true
}

// ask sends the auth request for r.
func (ea *extAuth) ask(h *Handler, r *http.Request, ri *reqInfo, trusted bool) (authAnswer, error) {
	req, err := ea.request(h, r, ri, trusted)
	if err != nil {
		return authAnswer{}, err
	}
	var res *http.Response
	if h.servesAuthHost(req) {
		res, err = ea.askInProcess(h, r, req)
	} else {
		res, err = ea.client.Do(req)
	}
	return ea.answer(res, err)
}

// request builds the auth request for r: the auth URL with its variables
// expanded for r, and the headers ingress-nginx sends.
func (ea *extAuth) request(h *Handler, r *http.Request, ri *reqInfo, trusted bool) (*http.Request, error) {
	target, err := ea.target.expand(ri)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(r.Context(), ea.method, target, nil)
	if err != nil {
		return nil, err
	}
	hdr := r.Header.Clone()
	removeHopByHop(hdr)
	delete(hdr, "Content-Length")
	delete(hdr, "Expect")
	if !trusted {
		delete(hdr, "Forwarded")
	}
	client := ri.client
	if client == "" {
		client, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	set := func(k, v string) { hdr[k] = []string{v} }
	set("X-Original-Url", ri.scheme+"://"+host+ri.requestURI())
	set("X-Original-Method", r.Method)
	set("X-Sent-From", sentFrom)
	set("X-Real-Ip", client)
	set("X-Forwarded-For", client)
	set("X-Forwarded-Host", host)
	set("X-Forwarded-Proto", ri.scheme)
	set("X-Forwarded-Port", h.localPort(r))
	if ea.redirect != nil {
		set("X-Auth-Request-Redirect", ea.redirect.expand(ri))
	} else {
		set("X-Auth-Request-Redirect", ri.requestURI())
	}
	req.Header = hdr
	return req, nil
}

// answer reads the auth service's response to an auth request.
func (ea *extAuth) answer(res *http.Response, err error) (authAnswer, error) {
	if err != nil {
		return authAnswer{}, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, maxAuthBody))
	ans := authAnswer{status: res.StatusCode, header: http.Header{}, cookies: res.Header["Set-Cookie"]}
	for _, k := range ea.responseHeaders {
		if v := res.Header[k]; len(v) > 0 {
			ans.header[k] = v
		}
	}
	if v := res.Header["Www-Authenticate"]; len(v) > 0 {
		ans.header["Www-Authenticate"] = v
	}
	ans.noCache = !cacheable(res.Header)
	return ans, nil
}

// cacheable reports whether an answer with header h may be cached: nginx
// does not cache answers that set cookies or forbid caching.
func cacheable(h http.Header) bool {
	if len(h["Set-Cookie"]) > 0 {
		return false
	}
	for _, v := range h["Cache-Control"] {
		v = strings.ToLower(v)
		if strings.Contains(v, "no-store") || strings.Contains(v, "no-cache") || strings.Contains(v, "private") {
			return false
		}
	}
	return true
}

// cached returns the cached answer under key, if fresh.
func (ea *extAuth) cached(key [sha256.Size]byte) (authAnswer, bool) {
	s := ea.cache.lock(key)
	defer s.mu.Unlock()
	a := s.get(key)
	if a == nil {
		return authAnswer{}, false
	}
	if !ea.now().Before(a.expires) {
		s.remove(key)
		return authAnswer{}, false
	}
	return *a, true
}

// store caches ans under key when a rule covers its status.
func (ea *extAuth) store(key [sha256.Size]byte, ans authAnswer) {
	if ans.noCache {
		return
	}
	var ttl time.Duration
	for _, c := range ea.cacheFor {
		codes := c.Statuses
		if len(codes) == 0 {
			codes = []int{200, 301, 302}
		}
		if c.AnyStatus || slices.Contains(codes, ans.status) {
			ttl = c.For
			break
		}
	}
	if ttl <= 0 {
		return
	}
	ans.expires = ea.now().Add(ttl)
	s := ea.cache.lock(key)
	defer s.mu.Unlock()
	v, _ := s.put(ea.cache, key)
	*v = ans
}

// signInURL is SignIn with the original URL added as the redirect
// parameter, unless SignIn has it already.
func (ea *extAuth) signInURL(ri *reqInfo) string {
	target := ea.signIn.expand(ri)
	u, err := url.Parse(target)
	if err == nil && u.Query().Has(ea.rdParam) {
		return target
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + ea.rdParam + "=" + escapeComponent(ri.scheme+"://"+ri.r.Host+ri.requestURI())
}

// setCookieStatuses are the statuses nginx's add_header (without
// "always") applies to, and so the auth cookies.
var setCookieStatuses = []int{200, 201, 204, 206, 301, 302, 303, 304, 307, 308}

// ensureRequestID gives h an X-Request-ID when it has no valid one, so
// that the auth service and the backend see the same (setForwarded keeps
// a valid incoming one).
func ensureRequestID(h http.Header) {
	if v := h["X-Request-Id"]; len(v) > 0 && validRequestID(v[0]) {
		return
	}
	h["X-Request-Id"] = []string{newRequestID()}
}
