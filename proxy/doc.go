// Package proxy serves a route.Table as a reverse proxy: an http.Handler
// with per-backend transports kept across reloads, balancing over
// endpoints (round robin, EWMA, consistent hashing, cookie affinity),
// forwarding headers, body-size limits, idle timeouts,
// WebSocket, gRPC and streaming pass-through, and atomic hot reload.
//
// It forwards with net/http's Transport, following the rules of
// net/http/httputil.ReverseProxy (see Performance for why it does not use
// it), and never imports Kubernetes packages: package ingress turns Kubernetes objects into the
// table it serves, and the root package wires the two together.
//
// # Overview
//
// Every rule of the table carries a *Route in its Value: where matching
// requests go (an *Upstream: protocol, endpoints, TLS settings) and what
// applies on the way (Host override, body limit, timeouts, HTTPS
// redirect). New validates it all once; ServeHTTP never checks the
// configuration again.
//
//	web := &proxy.Upstream{Name: "default/web:80", Endpoints: []string{"10.0.0.7:8080"}}
//	table, err := route.New([]route.Rule{
//		{Host: "example.com", Path: "/", Type: route.Prefix, Value: &proxy.Route{Upstream: web}},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	h, err := proxy.New(proxy.Config{Table: table})
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(http.ListenAndServe(":8080", h)) // later: h.Reload(newTable)
//
// A Route, its Upstreams and its Traffic are plain data, the one model that
// every front end emits (the ingress package for Ingresses; a Gateway API
// front end alike): the Handler keeps their runtime state itself (see
// Reload). Route.Object, Route.Origin, Canary.Object and
// Upstream.Resolution say where a route came from, for tools such as
// checks and explanations; the Handler does not read them.
//
// # Request flow
//
// For each request, in this order:
//
//  1. "OPTIONS *" is answered with 200 and an empty body, as net/http's
//     server does by itself unless Server.DisableGeneralOptionsHandler is
//     set; no backend is asked.
//  2. The table matches the Host and the cleaned path (see package route).
//     A malformed path (climbing above "/", a NUL byte, bad
//     percent-encoding) gets 400; no matching rule gets Config.NotFound,
//     else a plain 404.
//  3. Redirects of the route, as ingress-nginx orders them: Route.AppRoot
//     answers a request for exactly "/" with 302 to the application root
//     (same scheme and Host, query dropped); Route.Redirect answers every
//     request with its fixed URL and code (the path is not appended), or
//     with the request's URL with some parts replaced (see "Gateway API
//     features").
//  4. HTTPS redirect: with Route.ForceSSLRedirect, or Route.SSLRedirect and
//     a certificate of the host's own in Config.Certificates, a plain-HTTP
//     request gets 308 to "https://" + host (with Config.RedirectPort when
//     it is not 443) + the request URI as sent, query included, less a
//     trailing slash unless Route.PreserveTrailingSlash. A request is plain
//     HTTP when it did not come over TLS and no trusted peer said
//     "X-Forwarded-Proto: https". Paths under /.well-known/acme-challenge/
//     are never redirected.
//  5. A Content-Length over the body limit gets 413 before anything is
//     read.
//  6. The upstream is chosen: a canary, one of Route.Backends by weight,
//     or Route.Upstream. One that stands in for an unresolved backend
//     (Upstream.Status), or all-zero weights, get 500; an upstream
//     without endpoints gets 503.
//  7. An endpoint is chosen as the Upstream's Balancing says (see
//     "Balancing" below), and the request is proxied: scheme by
//     protocol, the endpoint as URL host, the cleaned path (or the raw
//     one with Config.KeepRawPath), rewritten by Route.Rewrite when its
//     pattern matches (then with X-Forwarded-Prefix if
//     Route.ForwardedPrefix is set) or by Route.ReplacePath, the query
//     unchanged, and the client's Host unless Route.Host replaces it
//     (upstream-vhost). Route.Mirrors get their copies as it leaves.
//
// Hop-by-hop headers, and headers the client names in Connection, are
// left out before the forwarding headers are set, so a
// client cannot use "Connection: X-Forwarded-For" to strip them; the
// headers the route's Traffic sets (RequestHeaders.Set and Add, the auth
// service's ResponseHeaders) are put back too. Upgrades (WebSocket) work with every
// protocol, over TLS too, except an upgrade to h2c, which is dropped and
// the request proxied as a plain one: accepted by a backend, it would open
// an HTTP/2 tunnel past the routes. CONNECT gets 405. Trailers pass
// through, and so do 1xx responses (103 Early Hints), without their
// hop-by-hop headers and never to HTTP/1.0 clients, which would take one
// for the final response; a status below 100 from a backend is a 502.
// Headers a request cannot carry in HTTP/1.1 (control characters, bad
// names), possible only when ServeHTTP is called directly, get a 502
// without reaching the backend. Response bodies
// are flushed as they arrive, as nginx does with proxy_buffering off
// (ingress-nginx's default); server-sent events and responses of unknown
// length (gRPC streams) also get their headers at once.
//
// # Balancing
//
// Upstream.Balancing chooses the endpoint of each request; the first of
// these that is set decides, as in ingress-nginx:
//
//   - Affinity (affinity: cookie): a request whose cookie leads to an
//     endpoint of the upstream goes there; any other starts a session,
//     placed at random (balanced mode, by a random key on the hash ring)
//     or in turn (persistent mode), and the response sets the cookie.
//     Balanced sessions follow the ring, so about 1/n of them move to a
//     new endpoint; persistent ones stay until their endpoint goes.
//   - HashBy (upstream-hash-by): consistent hashing of a key made of text
//     and the variables $request_uri, $uri ($document_uri), $args
//     ($query_string), $host, $remote_addr ($binary_remote_addr), $scheme,
//     $request_method, $http_NAME, $cookie_NAME and $arg_NAME, written
//     $name or ${name}. $remote_addr is the client's address: the peer's,
//     or from a trusted proxy (Config.TrustedProxies) the forwarded one.
//     Each endpoint has 160 points on the ring, placed by its address, so
//     adding one moves about 1/n of the keys, all to it. With
//     HashSubsetSize the key picks the first that many endpoints along
//     the ring, and each request a random one of them.
//   - Balance EWMA (load-balance: ewma): the cheaper of two random
//     endpoints, where the cost is the peak EWMA of the time to response
//     headers (decaying over 10 seconds) times the requests in flight plus
//     one.
//   - Otherwise round robin, one counter per Upstream.
//
// Handler.Upstreams snapshots each upstream's endpoints with their
// passive health (up, failing, or down until a time; see Config.MaxFails)
// for status pages and metrics.
//
// A retry (Route.Retry) goes to an endpoint not tried yet: the next one
// along the ring for a hash key, another random member of its subset, the
// cheaper of two untried endpoints for EWMA, the next untried in turn
// otherwise. A new session's cookie names the endpoint that served it; an
// existing session keeps its cookie unless Affinity.ChangeOnFailure moves
// it.
//
// # Forwarding headers and trust
//
// Config.TrustedProxies lists the peers (r.RemoteAddr) whose forwarding
// headers are believed, typically a load balancer in front. The backend
// receives:
//
//	Header             from a trusted peer               from any other peer
//	X-Forwarded-For    incoming list, then the peer      the peer's address
//	X-Real-IP          incoming, else the peer           the peer's address
//	X-Forwarded-Proto  incoming, else http/https         http or https of this hop
//	X-Forwarded-Host   incoming, else the client Host    the client Host
//	X-Forwarded-Port   incoming, else the local port     the port the request came in on
//	Forwarded          kept                              removed
//	X-Request-ID       kept if 1–128 token characters, else 32 new random hex digits
//
// A RemoteAddr that is not "ip:port" (a Unix socket, a test) is never
// trusted and is forwarded as it is.
//
// # Timeouts
//
// Route.ReadTimeout and Route.SendTimeout are idle timeouts, as nginx's
// proxy-read-timeout and proxy-send-timeout: they bound the wait between
// two events, not the whole exchange. While the request body is being
// sent, each read of it allows SendTimeout more; after that, the response
// headers, and then each read of the response body, must come within
// ReadTimeout. A stream that keeps sending bytes lives forever; a backend
// that is silent for ReadTimeout gets 504 before the headers, or an
// aborted response after them. An upgraded connection is closed when the
// backend sends nothing for ReadTimeout. Upstream.ConnectTimeout bounds
// dialing and the TLS handshake (504 when it expires).
//
// Route.RequestTimeout and Route.BackendTimeout (Gateway API's
// timeouts.request and timeouts.backendRequest) bound the whole exchange
// and each attempt at the backend instead: they cap the same timer's
// deadline, so a trickling stream is cut off when they pass.
//
// The timeouts are per route, while transports are shared by every route
// of a backend, so they are enforced per request, by one recycled timer,
// and not by http.Transport fields.
//
// # Gateway API features
//
// The features Gateway API's HTTPRoute filters and fields need are plain
// Route fields, so that one route model serves Ingress and Gateway API
// alike:
//
//   - Backends share a route's requests by weight (backendRefs); an
//     Upstream with Status stands in for a backend that could not be
//     resolved and answers its share with that status (500);
//   - Redirect built with rewrite.NewRequestRedirect replaces the scheme,
//     host name, port and path of the request's URL (RequestRedirect);
//   - Host and ReplacePath rewrite the Host header and the path sent to the
//     backend, a prefix replacement replacing what the matched rule's
//     prefix matched (URLRewrite);
//   - Mirrors send copies of requests elsewhere, fire and forget, bounded in
//     number and body size (RequestMirror);
//   - Traffic's HeaderRules.Add appends to headers (the header modifiers'
//     add); RequestTimeout and BackendTimeout as above (timeouts).
//
// # Body size
//
// Route.MaxBodyBytes (proxy-body-size; zero means Config.MaxBodyBytes,
// whose zero means DefaultMaxBodyBytes, 1 MiB; negative means no limit)
// bounds the request body. A declared Content-Length over it gets 413 at
// once. A body of undeclared length (chunked) is counted as it is
// streamed; reading past the limit fails the backend request and the
// client gets 413, and the connection is closed after the response.
//
// # TLS to backends
//
// HTTPS and GRPCS upstreams use Upstream.TLS (see tlsconfig.Client),
// verified against TLS.RootCAs, else Config.BackendCAs, else the system
// roots: its
// ServerName is sent as SNI and verified, which is how a backend reached at
// an IP address is verified against its DNS name; InsecureSkipVerify turns
// verification off; DisableSNI sends no SNI yet verifies ServerName. HTTPS
// speaks HTTP/1.1, as ingress-nginx does, GRPCS h2, unless TLS.NextProtos
// says otherwise (an HTTPS upstream offering "h2" and "http/1.1" speaks
// whichever the backend picks); GRPC speaks HTTP/2 without TLS (h2c,
// prior knowledge). WebSocket handshakes always use HTTP/1.1.
//
// A certificate that fails verification gets 502, and the log says which
// annotation fixes it: proxy-ssl-secret to trust the backend's CA, or
// proxy-ssl-verify "off".
//
// # Errors and status codes
//
// Error bodies are short plain text; the details go to Config.Logger with
// the route's Name, the upstream's Name, the endpoint and the error.
//
//	Status  When                                                        Logged at
//	400     malformed request path                                      debug
//	404     no rule matches (unless Config.NotFound)                    -
//	308     HTTPS redirect                                              -
//	413     body over the limit                                         debug
//	500     the upstream stands in for an unresolved backend (Status),  debug
//	        or every weight of Backends is 0
//	499     the client went away before the response (never seen)      debug
//	502     backend refused, unreachable, unknown host, bad TLS, other  error
//	503     the upstream has no endpoints                               warn
//	504     idle, request or backend timeout, connect or TLS handshake  warn / error
//
// A client going away is never logged as a backend error. A response that
// breaks off after its headers (backend timeout or failure) is logged at
// warn and aborted, so that the client sees a truncated response and not
// a complete one. Config.ErrorHandler, when set, answers in place of the
// 500, 502, 503 and 504 pages, given an *Error with the status and the
// cause.
//
// # Observing and shaping requests
//
// The hooks of Config follow httputil.ReverseProxy's: WrapTransport wraps
// or replaces what sends each upstream's requests (tracing, client
// certificates), ModifyResponse edits backend responses, ErrorHandler
// writes error pages. Config.Observe receives, for every request, an Info:
// the rule and route it matched (with the object that declared it), the Action
// taken, the upstream and canary, each Attempt at an endpoint, the
// statuses, body sizes, and the connect, first-byte, upstream and total
// times. A middleware that wraps the Handler gets the same Info with
// WithInfo, and hooks read it with RequestInfo. An Info is filled in only
// when somebody reads it: without Observe or WithInfo, none exists.
//
// Handler.Explain runs a request through the same steps without sending
// it: the Decision says what the Handler would do, and for a proxied
// request what the backend would receive (URL after rewrites, Host, SNI,
// headers). Handler.Close releases the connections and goroutines once
// the server has stopped.
//
// # Reload
//
// Handler.Reload validates a new table exactly as New does and swaps it in
// atomically; a table that fails validation never replaces the running one.
// Requests in flight finish on the table they started with. Each distinct
// transport key — Protocol, ConnectTimeout and, for TLS protocols, the
// TLS settings (tlsconfig.Client.Equal) — has one http.Transport, shared by
// every upstream with that key and kept across reloads while some upstream
// still uses it, with its idle connections; transports no longer used have
// their idle connections closed. Connections in use when a transport is
// dropped close after their request, at the latest after the 90-second
// idle timeout.
//
// A reload keeps the balancer of an Upstream that did not change, and a
// new Upstream with the name and settings of an old one takes over what
// the old one learnt about the endpoints they share: round-robin
// position, EWMA response times and passive health records. Routes with
// equal Upstreams share one balancer. The runtime of a traffic policy
// (rate-limit counters, cached auth answers, the auth service's
// connections) is kept for the routes of the same Route.Object whose
// Traffic is equal, and dropped once no route uses it. Handler.Update
// takes a table that differs from the one being served in the rules of a
// few hosts and prepares only those. Handler.SetEndpoints gives the
// upstreams of a name new endpoints with no new table at all, as a
// Service's endpoints move.
//
// # Performance
//
// A request costs one table match (allocation-free), one map lookup, the
// per-request state (which is also the outgoing request's context), the
// cancelable context it embeds, one copy of the request with its headers
// (shared values, hop-by-hop headers left out in the same pass), and a
// request ID when the client sends none. The forwarding headers share one
// backing array; copy buffers and timers are recycled. Transports keep up
// to 512 idle connections per endpoint (Go's default of 2 churns
// connections under load), never add Accept-Encoding, and never use an
// environment proxy.
//
// The Handler forwards itself rather than through httputil.ReverseProxy,
// which clones every request and copies it once more for its 1xx trace,
// deletes hop-by-hop headers one canonicalized name at a time on the
// request and on the response, parses the Content-Type of every response,
// and with a flush interval starts a timer per response. Measured with
// BenchmarkOverhead, which runs both over the same in-memory transport
// (callgrind, instructions per request): the Handler went from 113,700
// (1.21x a bare ReverseProxy with SetURL and SetXForwarded) to 90,700
// (0.96x), with 62 allocations against the bare proxy's 67; examples/bench
// has the figures over loopback against nginx.
//
// Requests without a body, with a replayable method (GET, HEAD, OPTIONS,
// TRACE), to plain-HTTP backends and HTTPS backends spoken to in HTTP/1.1
// (the default) are sent on the handler's goroutine over
// HTTP/1.1 connections the Handler pools itself, rather than handed to
// http.Transport's two goroutines per connection and back over channels.
// Before an idle connection is used again it is checked for bytes nobody
// asked for (a HEAD answered with a body, a wrong Content-Length) and for
// the backend having closed it: one non-blocking peek at its socket, plus
// its read buffer and TLS layer; such a connection is closed, never read
// as the next response. Bytes sent later than that check cannot be seen
// by it, so a connection is not kept after a HEAD, 204 or 304 answer that
// announces a body (Content-Length other than 0, Transfer-Encoding): the
// body might come late. A backend that answers before reading the whole
// request and closes has its answer relayed. A backend closing a connection just as a request
// goes out on it is found when the request is sent, and the request is
// sent again on a new one, which is why only replayable methods take this
// path. Response headers, 1xx included, are bounded as http.Transport
// bounds them (10 MiB); idle connections close after 90 seconds; a body
// closed before its end closes its connection. Unix only (elsewhere every
// request goes through http.Transport). Every
// other request (bodies, upgrades, HTTP/2, gRPC) goes through
// http.Transport. BenchmarkOverhead: 76,703 instructions and 44
// allocations per request against the bare proxy's 94,806 and 67.
//
// Request Info and the hooks cost nothing measurable when unset: counted
// inside ServeHTTP alone (callgrind with GOGC=off, BenchmarkOverhead),
// 54,852 instructions per request before they existed and 55,111 after,
// 44 allocations either way. With Config.Observe set (BenchmarkOverhead
// observed): 56,693 instructions and 47 allocations.
package proxy
