package proxy

import (
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/ingressmux/ingressmux/rewrite"
	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// Defaults, as in ingress-nginx.
const (
	// DefaultMaxBodyBytes is the request body limit of a route that sets
	// none: ingress-nginx's proxy-body-size default of 1m.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultConnectTimeout bounds dialing a backend, TLS handshake
	// included (proxy-connect-timeout).
	DefaultConnectTimeout = 5 * time.Second
	// DefaultReadTimeout is the longest wait between two reads from a
	// backend (proxy-read-timeout).
	DefaultReadTimeout = 60 * time.Second
	// DefaultSendTimeout is the longest wait between two writes to a
	// backend (proxy-send-timeout).
	DefaultSendTimeout = 60 * time.Second
)

// Protocol is how the proxy speaks to a backend (backend-protocol).
type Protocol uint8

// The backend protocols.
const (
	HTTP  Protocol = iota // HTTP/1.1 over TCP
	HTTPS                 // HTTP/1.1 over TLS (HTTP/2 if TLS.NextProtos offers "h2")
	GRPC                  // HTTP/2 over TCP without TLS (h2c)
	GRPCS                 // HTTP/2 over TLS
	// AutoHTTP speaks HTTPS to the backend when the client's connection is
	// TLS, else HTTP (backend-protocol: AUTO_HTTP).
	AutoHTTP
)

// String returns the annotation spelling: "HTTP", "HTTPS", "GRPC", "GRPCS",
// "AUTO_HTTP".
func (p Protocol) String() string {
	switch p {
	case HTTP:
		return "HTTP"
	case HTTPS:
		return "HTTPS"
	case GRPC:
		return "GRPC"
	case GRPCS:
		return "GRPCS"
	case AutoHTTP:
		return "AUTO_HTTP"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// Upstream is a backend as routes use it: a named set of addresses and how
// to reach them. Routes whose Upstreams are equal (the same pointer, or
// equal in every setting: Resolution does not count) share one balancer
// (rotation, EWMA and health records); upstreams with equal connection
// settings share one http.Transport and its connection pool, kept across
// reloads while the settings are unchanged.
type Upstream struct {
	// Name identifies the backend in logs and errors, such as
	// "default/web:80".
	Name string
	// Protocol selects HTTP, HTTPS, h2c (GRPC) or h2 over TLS (GRPCS).
	Protocol Protocol
	// Endpoints are "host:port" addresses, chosen as Balancing says (in
	// turn by default). An empty list means the backend has no ready
	// endpoint: requests get 503.
	Endpoints []string
	// TLS configures the connection for HTTPS and GRPCS. Its ServerName is
	// the name sent as SNI and verified in the certificate; verification is
	// on unless TLS.InsecureSkipVerify is set, against TLS.RootCAs, else
	// Config.BackendCAs, else the system roots. Ignored for HTTP and GRPC.
	TLS tlsconfig.Client
	// ConnectTimeout bounds dialing, TLS handshake included. Zero means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Balancing chooses the endpoint of each request: in turn (the zero
	// value), by EWMA, by consistent hashing or by affinity cookie.
	Balancing
	// Status, when not zero, makes the upstream a stand-in for a backend
	// that could not be resolved: every request sent to it is answered
	// with this status, a 4xx or 5xx (Gateway API answers 500 for a
	// backendRef that names no usable Service), or by
	// Config.ErrorHandler, given ErrUnresolved; Endpoints are ignored and
	// nothing is contacted. As a Mirror, it receives nothing. Unlike
	// Traffic.Deny, which closes a whole route with 503 before anything
	// else, Status stands for one backend among a route's others (a share
	// of Backends, a canary, a mirror) and answers only the requests sent
	// to it, after the route's traffic policy admitted them.
	Status int
	// Resolution says how the front end found Endpoints, in its own words
	// (the ingress package's: "override", "resolver", "externalname",
	// "endpointslice", "service-upstream", "cluster-dns", "unresolved"),
	// for tools. The Handler does not read it.
	Resolution string
}

// Route is what the proxy does with a request that matched a rule. Every
// route.Rule of the table given to New or Reload must carry a *Route in
// its Value.
type Route struct {
	// Upstream is where requests go. Nil is a configuration error, unless
	// Backends are given.
	Upstream *Upstream
	// Host, when not empty, replaces the Host header sent to the backend
	// (upstream-vhost). Empty keeps the client's Host.
	Host string
	// MaxBodyBytes limits the request body (proxy-body-size): larger
	// requests get 413. Zero means Config.MaxBodyBytes; negative means no
	// limit.
	MaxBodyBytes int64
	// ReadTimeout is the longest wait between two reads from the backend,
	// the wait for response headers included (proxy-read-timeout): long
	// streams live as long as bytes keep coming. Zero means
	// DefaultReadTimeout.
	ReadTimeout time.Duration
	// SendTimeout is the longest wait between two writes of the request to
	// the backend (proxy-send-timeout). Zero means DefaultSendTimeout.
	SendTimeout time.Duration
	// RequestTimeout, when positive, bounds the whole proxied request,
	// from when the proxy starts sending it to the end of the response
	// (Gateway API's timeouts.request): the client gets 504 when it passes
	// before the response headers, and a cut-off response after. An
	// upgraded connection (WebSocket) is bound by ReadTimeout alone once
	// upgraded. Zero means no bound beyond ReadTimeout and SendTimeout.
	RequestTimeout time.Duration
	// BackendTimeout, when positive, bounds each attempt at the backend
	// the same way, from its start to the end of its response (Gateway
	// API's timeouts.backendRequest); a retry (Retry) starts a new one,
	// within RequestTimeout. Passing it gives 504 and is not retried.
	BackendTimeout time.Duration
	// SSLRedirect redirects plain-HTTP requests to HTTPS with 308 when the
	// request's host has its own certificate in Config.Certificates
	// (ssl-redirect; ingress-nginx's default is on, the zero value here is
	// off). Requests under /.well-known/acme-challenge/ are never redirected.
	SSLRedirect bool
	// ForceSSLRedirect redirects plain-HTTP requests to HTTPS with 308 even
	// when the host has no certificate (force-ssl-redirect).
	ForceSSLRedirect bool
	// Name names the route in logs, such as "ingress default/web".
	Name string
	// Object is the object that declared the route, such as an Ingress,
	// for Info and metrics; the zero value when the route was not made
	// from one.
	Object ObjectRef
	// Origin says where in Object the route was declared, for tools.
	Origin Origin
	// Rewrite, when not nil, replaces the path sent to the backend when its
	// pattern matches (rewrite-target); the query string is kept.
	Rewrite *rewrite.Path
	// ReplacePath, when not nil, replaces the path sent to the backend, or
	// the part of it that the matched rule's prefix matched (Gateway API's
	// URLRewrite path); the query string is kept. It cannot be combined
	// with Rewrite.
	ReplacePath *rewrite.PathModifier
	// ForwardedPrefix, when not empty, is sent as X-Forwarded-Prefix on
	// requests whose path Rewrite changed (x-forwarded-prefix, which
	// ingress-nginx also honours only together with a rewrite).
	ForwardedPrefix string
	// Redirect, when not nil, answers every request of the route with a
	// redirect instead of proxying it: a fixed one (permanent-redirect,
	// temporal-redirect), or one built from the request (Gateway API's
	// RequestRedirect), whose path prefix replacement replaces what the
	// matched rule's prefix matched.
	Redirect *rewrite.Redirect
	// AppRoot, when not nil, answers requests for exactly "/" with a 302 to
	// the application root on the same scheme and host (app-root).
	AppRoot *rewrite.AppRoot
	// PreserveTrailingSlash keeps the trailing slash of the request path in
	// redirects to HTTPS; by default it is stripped, as ingress-nginx does
	// (preserve-trailing-slash).
	PreserveTrailingSlash bool
	// HostRedirect, when not empty, answers every request of the route
	// with a 308 to the same scheme and path on this host, keeping the
	// port the client used (from-to-www-redirect).
	HostRedirect string
	// DefaultBackend, when not nil, serves the route's requests while
	// Upstream has no ready endpoint, instead of a 503, and answers the
	// errors listed in InterceptErrors (default-backend). Its requests
	// carry X-Code and the other headers of ingress-nginx's custom error
	// pages (see ErrorHeaders).
	DefaultBackend *Upstream
	// InterceptErrors lists backend status codes whose responses are
	// replaced by DefaultBackend's answer to a GET of "/" with X-Code set
	// to the code (custom-http-errors). Ignored without DefaultBackend.
	InterceptErrors []int
	// ErrorHeaders are sent to DefaultBackend with every request, beside
	// X-Code, X-Format (the client's Accept), X-Original-URI and
	// X-Request-ID; ingressmux sets X-Namespace, X-Ingress-Name,
	// X-Service-Name and X-Service-Port here.
	ErrorHeaders http.Header
	// Retry says when a failed request is tried again on another endpoint
	// (proxy-next-upstream). The zero value never retries.
	Retry Retry
	// BufferRequest reads the whole request body before the backend is
	// contacted (proxy-request-buffering: "on"), spooling large bodies to
	// a temporary file; it lets retries resend the body. GRPC and GRPCS
	// routes and upgrade requests always stream.
	BufferRequest bool
	// LocationRewrite, when From is not empty, rewrites the Location and
	// Refresh headers of responses (proxy-redirect-from and -to).
	LocationRewrite Replace
	// CookieDomain and CookiePath, when From is not empty, rewrite the
	// Domain and Path attributes of Set-Cookie headers of responses
	// (proxy-cookie-domain, proxy-cookie-path).
	CookieDomain, CookiePath Replace
	// CloseConnection asks the backend to close its connection after each
	// response (connection-proxy-header: "close").
	CloseConnection bool
	// Canaries are alternative backends chosen per request by header,
	// cookie or weight (canary annotations); see Canary.
	Canaries []Canary
	// Backends, when not empty, share the route's requests by weight
	// instead of Upstream, which may then be nil (Gateway API's
	// backendRefs); each request goes to one backend drawn by weight. When
	// every weight is 0, requests get 500. Backends cannot be combined
	// with Canaries: those are ingress-nginx's model, one primary
	// Upstream with alternatives chosen by header, then cookie, then a
	// share; Backends are Gateway API's, peers that each have a share,
	// header filters of their own, and may each be unresolved (Status).
	Backends []WeightedBackend
	// Mirrors receive copies of the route's requests, fire and forget
	// (Gateway API's RequestMirror); see Mirror.
	Mirrors []Mirror
	// Traffic, when not nil, is the route's traffic policy: CORS, client
	// IP lists, rate limits, authentication, response headers. It is
	// applied after redirects and before the request is proxied.
	Traffic *Traffic
}

// Config configures a Handler. Only Table is required.
type Config struct {
	// Table routes requests. Every rule's Value must be a *Route.
	Table *route.Table
	// Certificates tells which hosts have their own certificate, for
	// Route.SSLRedirect. Nil means no host has one.
	Certificates *tlsconfig.Store
	// TrustedProxies lists the peers whose X-Forwarded-For, -Proto, -Host
	// and -Port headers and X-Real-IP are believed. From any other peer
	// they are replaced. Nil trusts nobody.
	TrustedProxies []netip.Prefix
	// MaxFails is how many consecutive connection failures (refused,
	// reset, failed TLS handshake, connect timeout) take an endpoint out of
	// the round-robin rotation for FailTimeout, as nginx's max_fails does;
	// retries then go elsewhere, and the endpoint is tried again after
	// FailTimeout. Zero means DefaultMaxFails; negative turns this off.
	// Affinity and hashing keep their endpoint (only their retries avoid
	// it), so that sessions and keys do not move on a blip.
	MaxFails int
	// FailTimeout is how long a failing endpoint stays out. Zero means
	// DefaultFailTimeout.
	FailTimeout time.Duration
	// MaxBodyBytes is the body limit of routes that set none. Zero means
	// DefaultMaxBodyBytes; negative means no limit.
	MaxBodyBytes int64
	// NotFound answers requests that no rule matches. Nil means a plain-text
	// 404.
	NotFound http.Handler
	// RedirectPort is the port HTTPS is served on, added to the URLs of
	// redirects to HTTPS when it is not 443 (ingress-nginx's
	// use-port-in-redirects). Zero means 443.
	RedirectPort int
	// KeepRawPath forwards the request path as the client sent it instead
	// of the normalised path that was matched (ingress-nginx forwards the
	// raw path). Off by default, so that what was matched is what is served.
	KeepRawPath bool
	// Logger receives backend errors and configuration hints. Nil means
	// slog.Default().
	Logger *slog.Logger
	// BackendCAs verify the certificates of HTTPS and GRPCS upstreams and
	// of https auth services whose TLS settings name no RootCAs. Nil means
	// the system roots.
	BackendCAs *x509.CertPool
	// LimitRejectStatus is the status of requests refused by rate limits
	// that set no RejectStatus (ingress-nginx's limit-req-status-code).
	// Zero means DefaultLimitRejectStatus.
	LimitRejectStatus int

	// Observe, when not nil, is called with the Info of every request once
	// the Handler is done with it, on the request's goroutine: the place
	// for metrics and access logs. It may keep the Info. Nil costs
	// nothing per request.
	Observe func(*Info)
	// WrapTransport, when not nil, wraps or replaces what sends the
	// requests of each upstream, as httputil.ReverseProxy.Transport does:
	// for tracing, or client certificates of one's own. It is called once
	// for each upstream a table (New, Reload, Update) brings that the table
	// being served did not have unchanged, with the upstream (for
	// AUTO_HTTP twice: with Protocol HTTP and with HTTPS) and
	// the Handler's own RoundTripper for it. A wrapper that calls next
	// keeps the Handler's connection pools and its direct path for
	// bodiless requests; RequestInfo(req.Context()) gives the request's
	// Info. Close calls CloseIdleConnections on returned RoundTrippers
	// that have it.
	WrapTransport func(u Upstream, next http.RoundTripper) http.RoundTripper
	// ModifyResponse, when not nil, is given every backend response after
	// the route's own edits (response headers, cookies, Location) and
	// before it is copied to the client; res.Request is the request that
	// was sent. An error ends the request as a failed backend does: the
	// response body is closed and the client gets 502 (or ErrorHandler's
	// answer) with an *Error wrapping it.
	ModifyResponse func(res *http.Response) error
	// ErrorHandler, when not nil, answers the requests the Handler would
	// answer with its own 502, 503 or 504: a backend that cannot be
	// reached or timed out, an upstream without ready endpoints, an error
	// from ModifyResponse. err is an *Error giving the status the Handler
	// would send and the cause (ErrNoEndpoints, ErrReadTimeout,
	// ErrSendTimeout, a net.Error, a certificate error). The failure is
	// logged first, as without an ErrorHandler. When the request's Info
	// is being filled in, RequestInfo(r.Context()) returns it.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Retry says when a request that failed on one endpoint is sent to the
// next, as nginx's proxy_next_upstream does. Only requests whose body can
// be sent again are retried (none, or buffered with Route.BufferRequest),
// never once the client has been sent anything, and never to an endpoint
// already tried: an upstream with one endpoint is never retried.
type Retry struct {
	// OnError retries when the connection fails or the response is
	// malformed; OnTimeout when connecting or the TLS handshake times out.
	// A read timeout (proxy-read-timeout) ends the request: it is not
	// retried.
	OnError, OnTimeout bool
	// OnStatus lists response codes that are retried, such as 502 and 503.
	OnStatus []int
	// NonIdempotent also retries POST, PATCH and LOCK requests, which are
	// otherwise never retried.
	NonIdempotent bool
	// Tries bounds the attempts, the first included; 0 means one per
	// endpoint.
	Tries int
	// Timeout, when positive, stops retrying once this long has passed
	// since the first attempt.
	Timeout time.Duration
}

// Replace is a prefix replacement in response headers: From is replaced by
// To. In Route.LocationRewrite, To may contain $scheme and $host, the
// client's scheme and Host.
type Replace struct {
	// From is the prefix replaced; empty turns the replacement off.
	From string
	// To replaces From.
	To string
}

// ObjectRef names the object a route was made from, such as the Ingress
// "default/web".
type ObjectRef struct {
	// Kind is the object's kind, such as "Ingress" or "HTTPRoute".
	Kind string
	// Namespace and Name identify the object.
	Namespace, Name string
}

// String returns "Kind namespace/name", or "" for the zero ObjectRef.
func (o ObjectRef) String() string {
	if o == (ObjectRef{}) {
		return ""
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}
