// Package ingress reads Kubernetes manifests (Ingress, IngressClass, Service,
// EndpointSlice, Secret, ConfigMap) and checks them the way the apiserver
// would, so that routing described in Ingress YAML can be served without a
// cluster. It is the only package of ingressmux that knows Kubernetes.
//
// # Reading
//
// ReadFiles takes files and directories (walked recursively in lexical
// order, reading *.yaml, *.yml and *.json), ReadFS does the same over an
// fs.FS (embed.FS, fstest.MapFS), and Decode and DecodeBytes read one stream.
// A stream may hold several YAML documents separated by "---", and a document
// may be a List or a typed list such as IngressList (the output of
// kubectl get -o yaml). Empty and comment-only documents are skipped.
//
// Everything read lands in a Set, each kind in load order: files in the
// order given, documents in file order. Load order matters: it breaks ties
// between Ingresses that have no creationTimestamp.
//
// Objects without metadata.namespace are put in "default", as kubectl apply
// does. The stringData of a Secret is merged into its data.
//
// # Kinds and versions
//
//	networking.k8s.io/v1       Ingress, IngressClass
//	networking.k8s.io/v1beta1  Ingress (converted to v1, with a warning)
//	extensions/v1beta1         Ingress (converted to v1, with a warning)
//	v1                         Service, Secret, ConfigMap, Namespace
//	discovery.k8s.io/v1        EndpointSlice
//	gateway.networking.k8s.io/v1       GatewayClass, Gateway, HTTPRoute,
//	                                   GRPCRoute, ReferenceGrant, BackendTLSPolicy
//	gateway.networking.k8s.io/v1beta1  GatewayClass, Gateway, HTTPRoute,
//	                                   ReferenceGrant (loaded as v1)
//
// The conversion of the beta Ingress versions is the apiserver's: backend
// becomes defaultBackend, serviceName and servicePort become service.name and
// service.port.number or service.port.name, and a path without a pathType
// gets ImplementationSpecific. Every other kind (Deployments, ConfigMaps of
// other API groups, custom resources) is skipped with a warning that names it,
// so a directory of mixed manifests can be loaded as it is.
//
// # Strictness
//
// Decoding is strict, as kubectl's server-side field validation is:
//
//   - a field the schema does not have is an error, with a suggestion:
//     spec.rules[0].http.paths[0].pathtype: unknown field; did you mean "pathType"?
//   - a scalar of the wrong type is an error. YAML reads unquoted true, 80 and
//     1.5 as a boolean and numbers; annotation values must be strings, so
//     nginx.ingress.kubernetes.io/ssl-redirect: false is rejected with the
//     hint to quote it, where a lenient decoder would drop or mangle it;
//   - a key given twice in one mapping is an error (YAML forbids it; many
//     parsers keep the last one silently);
//   - numbers out of their field's range (a port of 99999999999) are errors.
//
// Anchors, aliases and merge keys (<<) are supported.
//
// # Errors
//
// No load stops at the first problem: every error of every file is
// returned, as an ErrorList of *Error. Each names the file, the line of the
// offending field (or of the object when the field is absent), the document
// number, the object and the field path, in the apiserver's vocabulary:
//
//	web.yaml:12 (document 2): ingress default/web: spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"
//
// An *Error unwraps to the apimachinery *field.Error (field path, error type,
// bad value), so programs can match on them with errors.As.
//
// LoadFiles reports everything in one pass, sorted by file and line: the
// decoding errors of every file, the validation errors of every object, and
// the annotation and backend errors of every valid Ingress. An object that
// failed to decode is still validated as far as it could be read, so a
// misspelt key does not hide a bad pathType beside it; what only echoes a
// decoding problem is left out (a misspelt pathtype is not also reported as
// a missing pathType, a port number that is not a number not also as a
// missing port). A YAML syntax error names the line where the problem is:
// the YAML parser names the line where the enclosing block starts, so the
// loader finds the first line at which the text stops parsing the same way.
//
// Warnings (skipped kinds, converted versions, empty directories) are
// returned in Set.Warnings and never dropped.
//
// # Validation
//
// Set.Validate applies the apiserver's create-time rules, using
// k8s.io/apimachinery's validation helpers and wording:
//
//   - metadata: name and namespace syntax, label and annotation keys,
//     total annotation size; no two objects of one kind with the same
//     namespace and name (in a cluster the second would replace the first; in
//     files it is a mistake);
//   - Ingress: defaultBackend or rules required; hosts are lower-case DNS-1123
//     subdomains, or a wildcard "*.example.com" whose star is the whole first
//     label; never an IP address or a port; http.paths is not empty when
//     http is given; pathType is required and one of Exact, Prefix,
//     ImplementationSpecific; Exact and Prefix paths are absolute and contain
//     no "//", "/./", "/../", "%2f" and do not end in "/." or "/.."; a backend
//     has exactly one of service and resource; a service name is a DNS-1035
//     label; a service port has exactly one of name (an IANA service name) and
//     number (1-65535); TLS hosts and secret names; ingressClassName, and the
//     legacy kubernetes.io/ingress.class annotation agrees with it when both
//     are set;
//   - IngressClass: spec.controller is a domain-prefixed path; parameters
//     are a complete reference whose scope and namespace agree;
//   - Service: type, ExternalName target, ports (range, names, protocol,
//     targetPort);
//   - Secret: data keys; a kubernetes.io/tls Secret has tls.crt and tls.key,
//     and, beyond the apiserver, they must parse as a PEM certificate and its
//     private key, because a proxy that would serve them must know now rather
//     than at the first handshake;
//   - ConfigMap: keys, and no key in both data and binaryData;
//   - EndpointSlice: addressType, addresses that match it, port range.
//
// # Merging
//
// Compile merges every Ingress a loader takes into one route.Table whose
// every rule's Value is a *proxy.Route: what the proxy serves, with
// Route.Object naming the Ingress and Route.Origin the field, the path and
// pathType as written, and the file. All the routes of an Ingress share
// one *proxy.Traffic (one set of rate-limit counters, as ingress-nginx
// shares its limit zones per Ingress), and Upstream.Resolution says how
// each backend was found. The merge follows these rules (each has a
// scenario under testdata/compile):
//
//   - Order. Ingresses are ordered by metadata.creationTimestamp, oldest
//     first. Those without one (typical for files) come after, in load
//     order. Equal timestamps are ordered by namespace/name, ascending. Order
//     decides conflicts only; it never decides which path matches a request.
//   - Conflicts. Two Ingresses declaring the same host, path and pathType:
//     the first in merge order wins and the other gets a warning naming
//     both. The same path with another pathType (/foo Exact and /foo Prefix)
//     is no conflict: Exact wins for /foo, Prefix for /foo/x.
//   - Annotations apply to the paths of the Ingress that carries them only.
//     In particular use-regex, or any rewrite-target other than the path
//     itself (ingress-nginx writes every rewrite as a regex location, groups
//     or not), turns that Ingress's ImplementationSpecific paths into
//     regexes and leaves every other Ingress on the host alone, where
//     ingress-nginx switches the whole host to case-insensitive regex
//     matching (see "Matching modes"). Exact and Prefix paths keep their
//     Kubernetes meaning even in a use-regex Ingress, unless they hold
//     characters that only a regex has (see "Regex characters in Exact and
//     Prefix paths").
//   - ImplementationSpecific outside regex mode means Prefix; an empty
//     ImplementationSpecific path means "/".
//   - defaultBackend. An Ingress without rules sets the global catch-all,
//     used for any request nothing else answers (the first such Ingress
//     wins). An Ingress with rules makes its defaultBackend the fallback of
//     the hosts it introduces, that is mentions first in merge order: a
//     request for such a host whose path matches no rule goes there. A host
//     never falls through to the rules of another host or to host-less
//     rules; without its own fallback it gets the global catch-all, else no
//     route (404).
//   - Host-level settings come from the first Ingress that sets them for the
//     host: the TLS certificate (Compiled.TLS), later also app-root and
//     server-alias. Later Ingresses get a warning.
//   - Backends of kind resource cannot be proxied: skipped with a warning.
//     A rule without http adds no paths; with the Ingress's defaultBackend,
//     its host is introduced all the same.
//
// # Annotations
//
// Annotations under the prefix (Options.AnnotationPrefix, by default
// nginx.ingress.kubernetes.io) mean what they meant in ingress-nginx, except
// where the table says otherwise. An invalid value is a load error on
// metadata.annotations[KEY] naming the value and what is accepted; every
// *-snippet annotation is refused (raw nginx configuration is never
// executed); any other annotation under the prefix that is not in this table
// is listed in the warnings, so a migration shows at once what will not
// carry over.
//
//	annotation               notes, and differences from ingress-nginx
//	backend-protocol         HTTP, HTTPS, AUTO_HTTP (the client's scheme), GRPC, GRPCS; FCGI is
//	                         accepted, as ingress-nginx accepts it, but FastCGI is not spoken:
//	                         the Ingress's routes answer 503 (warned)
//	upstream-vhost           a host name with optional port; nginx variables are refused.
//	                         Also the default TLS name of an HTTPS backend (ingress-nginx: no)
//	service-upstream         the Service's cluster IP (or cluster DNS name); headless and
//	                         ExternalName Services keep their endpoints
//	default-backend          a Service of the Ingress's namespace, its first port: serves while
//	                         the backend has no endpoint (X-Code: 503), and custom-http-errors;
//	                         ignored (warned) while the Service is not loaded, as in ingress-nginx
//	custom-http-errors       4xx/5xx codes answered by default-backend's GET / with X-Code,
//	                         X-Format, X-Original-URI, X-Namespace, X-Ingress-Name, X-Service-Name,
//	                         X-Service-Port, X-Request-ID; ignored (warned) without default-backend
//	proxy-body-size          bytes with k/m/g; "0" is no limit; default 1m
//	proxy-connect-timeout    whole seconds (an "s" suffix is accepted)
//	proxy-read-timeout       whole seconds, between two reads, so long streams live
//	proxy-send-timeout       whole seconds, between two writes
//	proxy-next-upstream      default "error timeout", 3 tries; http_NNN, non_idempotent, off.
//	(-tries, -timeout)       Only to endpoints not yet tried; only bodies that can be resent
//	                         (buffered); a read timeout is not retried (nginx: it is)
//	proxy-request-buffering  "on" by default: bodies over 64 KiB spool to a temporary file
//	proxy-buffering          responses stream, flushed within 1 ms ("off"); "on" is warned
//	proxy-redirect-from/-to  prefix replacement in Location and Refresh; $scheme and $host only;
//	                         "default" is the same as "off" (it never matched in ingress-nginx)
//	proxy-cookie-domain      "FROM TO" or "off": Set-Cookie Domain, case-insensitive
//	proxy-cookie-path        "FROM TO" or "off": Set-Cookie Path, by prefix
//	proxy-http-version       "1.1"; "1.0" is warned: backends always get HTTP/1.1 or HTTP/2
//	connection-proxy-header  "close" closes backend connections after each response;
//	                         "keep-alive" and "upgrade" keep the default
//	ssl-redirect             default true: 308 to HTTPS for hosts with a certificate
//	force-ssl-redirect       308 to HTTPS even without a certificate
//	preserve-trailing-slash  keep the trailing slash in HTTPS redirects (stripped by default)
//	from-to-www-redirect     308 from the www./bare twin of each host, path, query and the
//	                         client's port kept (ingress-nginx drops the port); not when a rule
//	                         declares the twin
//	server-alias             exact and *. names get every path of the host; example.* and
//	                         ~regex refused; a name a rule declares is ignored (warned)
//	proxy-ssl-secret         namespace/name in the Ingress's namespace: ca.crt verifies, tls.crt
//	                         and tls.key are the client certificate. Every proxy-ssl-* works
//	                         without it (ingress-nginx ignores them all without a secret).
//	                         Not loaded: warned, and the Ingress's routes answer 503 (below)
//	proxy-ssl-name           name verified in the backend certificate, and sent as SNI
//	proxy-ssl-verify         "on" by default (ingress-nginx: off); "off" skips verification
//	proxy-ssl-verify-depth   1-100 certificates above the backend's; unlimited by default
//	                         (nginx: 1)
//	proxy-ssl-protocols      TLSv1.2 and TLSv1.3 (TLSv1, TLSv1.1 when listed); a contiguous
//	                         range, as Go enables ranges; SSLv3 refused
//	proxy-ssl-server-name    "on" by default (ingress-nginx: off); "off" sends no SNI
//	use-regex                regex paths for this Ingress's ImplementationSpecific paths only
//	                         (ingress-nginx: every path of the host; see "Matching modes")
//	rewrite-target           whole-path replacement with $1-$9; the query is kept; only
//	                         $1-$9, no nginx variables; makes the Ingress's
//	                         ImplementationSpecific paths regexes, as use-regex does. A $N the
//	                         path lacks is replaced by nothing, as nginx does (warned). An
//	                         absolute http(s) URL target is a 302 redirect there with the query
//	                         appended, as nginx answers such a rewrite (warned); groups may not
//	                         appear in its host
//	x-forwarded-prefix       sent on rewritten requests only, as in ingress-nginx
//	app-root                 302 from exactly "/", host-wide, from the first Ingress setting it
//	permanent-redirect(-code)  fixed URL, path not appended; code 300-308, else 301 (warned)
//	temporal-redirect(-code)   fixed URL; code 300-307, else 302 (warned); wins over permanent
//	enable-cors              with the cors-* below: headers on every response of an allowed
//	                         origin (the proxy's own errors too), replacing the backend's; Vary:
//	                         Origin unless "*"; a preflight (OPTIONS + Origin +
//	                         Access-Control-Request-Method) gets 204 before redirects, limits
//	                         and auth (ingress-nginx with "*": every OPTIONS)
//	cors-allow-origin        comma list of scheme://host[:port], https://*.example.com (one
//	                         label), null, or *; the matched Origin is echoed; default *
//	cors-allow-methods,      validated lists (ingress-nginx: an invalid list silently becomes
//	-allow-headers, -expose-headers  the default)
//	cors-allow-credentials   default true; warned when explicit with origin *
//	cors-max-age             default 1728000
//	allowlist-source-range   CIDRs and bare IPs, IPv4 and IPv6; 403; wins over the older
//	(whitelist-source-range) spelling (warned)
//	denylist-source-range    checked before the allowlist; 403
//	limit-rps, limit-rpm,    per client IP, per Ingress, per process; burst+1 at once (nodelay);
//	limit-connections        refused with 503 or ingressmux.Config.LimitRejectStatus; memory
//	                         bounded (LRU of 100,000 clients); kept across unchanged reloads
//	limit-burst-multiplier   default 5
//	limit-allowlist          exempt from all limits (also limit-whitelist)
//	auth-type                basic; digest is refused with a reason
//	auth-secret(-type), auth-realm  auth-file (key "auth") or auth-map; the Secret must be in the
//	                         Ingress's namespace; not loaded (or in another namespace): warned,
//	                         routes answer 503 (below);
//	                         bcrypt, apr1, $1$, $5$, $6$, {SHA},
//	                         {SSHA}, {PLAIN}; no DES crypt; Authorization removed before proxying
//	auth-url, auth-method    absolute http(s) URL; GET by default; 2xx allows, 401/403 pass
//	                         through, anything else is 500; no redirects followed. Variables
//	                         only where they cannot steer the request: $scheme as the scheme,
//	                         $host (the host the request matched; refused when the Ingress has
//	                         a rule for any host) as the host, with an optional port, and any of
//	                         the auth-signin variables in the query, percent-encoded (nginx:
//	                         raw); none in the path. A host (without port) that the routing
//	                         table serves is asked in-process, through the table (below)
//	auth-signin(-redirect-param)  302 on 401 with rd=<original URL>; $host, $escaped_request_uri…
//	auth-response-headers    copied to the proxied request, or removed when absent (no spoofing)
//	auth-request-redirect, auth-always-set-cookie  as in ingress-nginx
//	auth-cache-key, -duration  host + key, bounded cache; default "200 202 401 5m"; answers with
//	                         Set-Cookie or no-store are not cached
//	custom-headers           a ConfigMap of the Ingress's namespace; set on every response,
//	                         replacing the backend's; CR/LF and framing headers refused; not
//	                         loaded: warned, routes answer 503 (below)
//	canary, canary-by-header(-value, -pattern), canary-by-cookie, canary-weight(-total)
//	                         alternative backends of the route with the same host, path and
//	                         pathType; header, then cookie, then weight. Per route and several per
//	                         route (ingress-nginx: one per Service, attached to the Service); any
//	                         canary-weight-total is honoured (ingress-nginx: below 100 acts as 100)
//	load-balance             round_robin (default) or ewma: peak EWMA of the time to response
//	                         headers times requests in flight, best of two random endpoints; a
//	                         failed attempt counts as the connect timeout; warned (ignored) under
//	                         affinity or upstream-hash-by
//	upstream-hash-by         $request_uri $uri $args $host $remote_addr $scheme $request_method
//	                         $http_X $cookie_X $arg_X (also ${x}) and text; other variables are
//	                         load errors; 160 ring points per endpoint, placed by address; an
//	                         empty key is balanced in turn (ingress-nginx: one endpoint gets them)
//	upstream-hash-by-subset(-size)  the first N (default 3) endpoints along the ring from the key,
//	                         one at random; adding an endpoint changes few subsets (ingress-nginx:
//	                         fixed chunks, reshuffled)
//	affinity, affinity-mode  cookie only; balanced (a random key on the hash ring; adding an
//	                         endpoint moves about 1/n of sessions) or persistent (a hash naming the
//	                         endpoint, re-placed when it is gone); per route, not per Service
//	session-cookie-*         name (INGRESSCOOKIE), path (the rule's; "/" for regex), domain,
//	                         samesite (+conditional-samesite-none), secure, max-age, expires,
//	                         change-on-failure; always HttpOnly; the value never shows an address
//
// # Objects that are not loaded
//
// An Ingress that names an object the load does not hold is accepted, as
// the apiserver and ingress-nginx accept it; a warning names the object,
// and the route does what ingress-nginx does while the object is missing.
// A backend Service falls back to its cluster DNS name and a TLS Secret to
// the default certificate (see Backends and TLS). The auth-secret Secret,
// the custom-headers ConfigMap and the proxy-ssl-secret Secret close every
// route of the Ingress with 503 ("location denied" in ingress-nginx): it
// fails closed, since serving the routes without them would drop the
// authentication, headers or backend verification their author asked
// for. So does such an object named in another namespace than the
// Ingress's: cross-namespace references are refused, as ingress-nginx
// refuses them by default. The default-backend Service is ignored (and custom-http-errors with
// it). An annotation that asks for a check ingressmux cannot make closes
// the routes the same way: client certificate authentication
// (auth-tls-secret, unless auth-tls-verify-client is off or optional), and
// backend-protocol FCGI. The Deny of the route's proxy.Traffic says why a
// route is closed.
//
// # External auth through the table
//
// ingress-nginx's oauth2-proxy example serves oauth2-proxy under /oauth2
// of the protected host itself and sets auth-url to
// "https://$host/oauth2/auth". When an auth URL without a port names a
// host that a rule of the table serves, the auth request goes through the
// table in-process, as if it had left and come back: no DNS, no
// connection, the auth route's own policy applied. An auth request that
// reaches a route with external auth again gets 500 rather than a loop.
//
// A canary Ingress's load-balance, upstream-hash-by and affinity
// annotations apply to its own backend, as in ingress-nginx; its other
// annotations are warned as ignored.
//
// Per request, the proxy applies them in ingress-nginx's order: response
// headers and the CORS preflight, redirects, rate limits, deny and allow
// lists, basic auth, external auth, then proxying (see proxy.Traffic).
//
// Options.SkipInvalidIngresses leaves out, with a warning, each Ingress
// with an invalid annotation or spec, as ingress-nginx does; by default
// such an Ingress fails the load, and in a reload the previous table keeps
// serving.
//
// # Matching modes
//
// Options.Matching chooses whose rules decide which path of a host answers
// a request. MatchSpec, the default, is the Kubernetes specification with
// the choices above. MatchIngressNginx reproduces ingress-nginx (controller
// v1.15, its final release), for teams that need identical routing while
// they migrate: it builds ingress-nginx's locations from the same objects
// (getBackendServers, updateServerLocations and the nginx template) and
// matches them as nginx does. Compile always builds both, and
// Compiled.Differences lists example requests that they route differently
// (made from every path: the path, with and without a trailing slash,
// longer, upper-cased, a string a regex matches; for a wildcard host one
// and two labels deep). In the default mode each path with a difference
// gets one warning naming host, path and an example URL:
//
//	ingress default/test-ingress-1: spec.rules[0].http.paths[0].path: host "test.com" path "/foo/bar": ingress-nginx routes differently: http://test.com/foo/bar -> default/service2:80 here, default/service1:80 in ingress-nginx (...)
//
// and ingress-proxy -check lists them all, as
// "https://test.com/foo/bar: spec -> default/service2:80, ingress-nginx ->
// default/service1:80", so that a migration shows what a switch changes
// before anyone switches.
//
// Every difference, spec mode first, ingress-nginx mode second:
//
//   - Regex mode is per Ingress, and host-wide. An Ingress with use-regex,
//     or a rewrite-target other than the path, makes its own
//     ImplementationSpecific paths regexes in both modes. In ingress-nginx
//     it also makes every path of its host, of every Ingress, a
//     case-insensitive regex anchored at the start only: Prefix /docs then
//     matches /docsx and /DOCS, Exact /exact matches /exact/ and /exactly.
//   - Location order. In regex mode ingress-nginx tries the paths as
//     written, longest first (equal lengths in reverse lexicographic
//     order), each Prefix path expanded in place into PATH/ and PATH; the
//     first match wins. The spec mode tries Exact paths, then regexes
//     longest first, then the longest Prefix. Both send
//     /foo/bar/bar to the regex /foo/bar/[A-Z0-9]{3} rather than to the
//     Prefix /foo/bar/bar (ingress-nginx's documented trap).
//   - Prefix /foo/bar beside Prefix /foo/bar/. ingress-nginx adds an exact
//     location /foo/bar for the first, which wins for /foo/bar itself; the
//     spec makes the longer /foo/bar/ win for every path both match.
//   - A path ending in "/". ingress-nginx answers /api, for the Prefix (or
//     Exact) path /api/, with a 301 to /api/ (query kept), as nginx does for
//     a location ending in "/" unless a location /api exists; the spec
//     makes the Prefix /api/ match /api. The ingress-nginx mode answers with
//     the same 301.
//   - Wildcard server-aliases. ingress-nginx writes a rule's wildcard host
//     as a one-label regex (since v0.41.0), as the spec does, but a
//     server-alias "*.foo.com" as nginx's server_name, which covers
//     a.b.foo.com too, and before the rules' wildcard hosts. The
//     ingress-nginx mode does the same.
//   - ImplementationSpecific is Prefix in ingress-nginx
//     (SetDefaultNGINXPathType), as in the spec mode, unless regex mode makes
//     it a regex; /source matches /sourcecode only on a host in regex mode.
//   - Conflicts. The same path and pathType in two Ingresses: the first in
//     merge order wins in both modes; ingress-nginx treats
//     ImplementationSpecific and Prefix as one pathType there, and compares
//     paths as written.
//
// What the ingress-nginx mode does not reproduce: regexes are RE2, not PCRE
// (look-around and back-references are refused at load); a regex is
// matched against the cleaned but still escaped request path, where nginx
// matches the decoded one (a regex that expects a decoded %2F or a
// non-ASCII character differs); a top-level alternation "a|b" is anchored
// as a whole ("^(?:a|b)"), where nginx anchors its first branch only; and
// the merge order of Ingresses without creationTimestamp breaks ties by
// namespace/name ascending, where ingress-nginx sorts them descending.
//
// # Regex characters in Exact and Prefix paths
//
// The kind quick-start, and many manifests written for ingress-nginx before
// v1.12, put a regex in a Prefix path and use its groups in the rewrite:
//
//	nginx.ingress.kubernetes.io/rewrite-target: /$2
//	path: /foo(/|$)(.*)
//	pathType: Prefix
//
// Taken literally, as the Kubernetes spec reads a Prefix path, it matches no
// request, while its rewrite counts two groups: it would load and route
// nothing. ingress-nginx up to v1.11 routes it as a regex location, and so
// do later versions for Ingresses that did not pass through their admission
// webhook, which since v1.12 (strict-validate-path-type, on by default)
// refuses any Exact or Prefix path with characters other than letters,
// digits and "/", "-", "_", ".". ingressmux does what ingress-nginx does
// with the object rather than refusing it: in an Ingress with use-regex or a
// rewrite-target, an Exact or Prefix path with such characters is matched
// as a case-insensitive regex anchored at the start, so /foo, /foo/ and
// /FOO/bar reach the backend rewritten to /, / and /bar; and a warning on
// the path names the v1.12 rule and the fix (pathType:
// ImplementationSpecific). Refusing it would break the first manifest a
// user tries for no safety gain, since the apiserver accepts it and the
// regex is RE2 (linear time) either way; silence would route nothing. In an
// Ingress without use-regex or rewrite-target such a path stays a literal
// prefix, as in ingress-nginx when nothing else on its host is a regex.
//
// # Ingress classes
//
// Options.IngressClass selects the Ingresses to serve. Empty (the default)
// serves every Ingress whatever its class. Otherwise an Ingress is taken when
// spec.ingressClassName (or the legacy kubernetes.io/ingress.class
// annotation) equals it; an Ingress naming no class is taken when the
// IngressClass marked ingressclass.kubernetes.io/is-default-class is this
// class, not taken when another class is the default, and otherwise taken
// unless Options.RejectClassless is set. Every Ingress left out gets a
// warning saying why, and an Ingress naming a class that no loaded
// IngressClass has gets a warning too (a typo there moves an Ingress to no
// controller at all in a cluster).
//
// Worked example, with class "nginx" and IngressClass nginx marked default:
//
//	ingressClassName: nginx                      served
//	kubernetes.io/ingress.class: nginx           served
//	no class                                     served (nginx is the default)
//	ingressClassName: traefik                    skipped, with a warning
//
// # Performance
//
// BenchmarkLoad10k loads 10,000 Ingresses with 30,000 paths (6.6 MB of YAML)
// on a shared 2-core VM: decoding takes about 0.6-0.8 s, validation 80 ms,
// and Compile 110 ms, after which the table holds about 10 MB of heap.
// Decoding parses each YAML document once; the strict schema check writes
// the JSON for the API types' decoders in the same walk, and parsing runs
// ahead of it on a second goroutine, so the two overlap on two cores. Locating the line of an error re-parses only
// that object's document, so errors and warnings cost the same in a file of
// one Ingress or of ten thousand.
//
// # Limits
//
// Input is bounded so that hostile or broken manifests fail fast: a file or
// stream over Decoder.MaxFileSize (DefaultMaxFileSize, 16 MiB) is refused
// before it is read; YAML aliases that expand to more than 100,000 nodes
// (a "billion laughs" bomb) and nesting deeper than 64 levels are errors; the
// YAML parser itself stops at 10,000 levels of flow or indentation.
//
// # Changes
//
// A Tracker holds the objects of a cluster or of a set of files and keeps
// their compiled table current change by change: Apply takes Changes (an
// object added, updated or deleted), Reset a whole Set. What Compile makes
// of an Ingress depends on other Ingresses only through names they share:
// hosts (with TLS hosts, server aliases and www twins) and backend
// Services. Ingresses joined by such names form a group that compiles on
// its own; a change recompiles the groups it touches (an Ingress's, a
// Service's or EndpointSlice's users, the Ingresses whose TLS section or
// annotations name a Secret or ConfigMap; everything when an IngressClass
// changes) and the table is rebuilt from the previous one, the rules of
// untouched hosts reused as they are. The result equals compiling every
// object again; only the order of the warnings may differ. A change that
// fails leaves the Tracker, and its table, as they were.
package ingress
