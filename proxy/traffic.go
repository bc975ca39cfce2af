package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
)

// Traffic is a route's traffic policy: CORS, client IP lists, rate limits,
// basic and external authentication, and header edits. Every part is
// optional; a nil part does nothing.
//
// # Order
//
// A request that matched a route with a Traffic goes through these steps,
// in ingress-nginx's order (nginx's rewrite, preaccess and access phases);
// the first that answers ends it:
//
//  0. a route with Deny gets 503;
//  1. ResponseHeaders.Set and, for an allowed Origin, the CORS headers are
//     put on the response, whoever ends up writing it (a redirect, a
//     refusal, the backend). An allowed CORS preflight is answered here,
//     with 204;
//  2. the route's redirects: app-root, the fixed redirect, the redirect to
//     HTTPS;
//  3. RateLimit: connections, then requests per minute and per second
//     (refused with RateLimit.RejectStatus, 503 by default). A request one
//     limit refuses takes nothing from the others;
//  4. DenySources, then AllowSources (403);
//  5. BasicAuth (401);
//  6. ExternalAuth (401, 302 to sign-in, 403 or 500);
//  7. RequestHeaders are applied and the Authorization header checked by
//     BasicAuth is removed; the request is proxied (after the 413 body
//     check).
//
// So preflights and redirects are answered without limits or
// authentication, and rate limits count requests that are later refused,
// as in ingress-nginx.
//
// # Client address
//
// IP lists, rate limits and external auth use the client's address: the
// peer's, or, when the peer is one of Config.TrustedProxies, the
// right-most X-Forwarded-For address that is not a trusted proxy itself
// (else X-Real-IP). Without trusted proxies, forwarding headers are never
// believed, so clients cannot choose their address.
//
// # State
//
// A Traffic is plain data; the Handler keeps its runtime (rate-limit
// counters, cached auth answers, the connections to the auth service).
// Routes that carry one *Traffic share one runtime, and so do routes of
// the same Route.Object whose Traffic is equal in content: all the paths
// of an Ingress share one limit zone, as in ingress-nginx. A table given
// to Reload or Update keeps the runtime of each Traffic that the table
// being served had, the same pointer or, for the same Route.Object, equal
// content; the runtime of a policy no route uses any more is dropped. Do
// not change a Traffic once it was given to New, Reload or Update.
type Traffic struct {
	// Deny, when not empty, says why the route is closed: every request
	// gets 503 before anything else is done, as ingress-nginx answers a
	// "denied location" (one whose auth Secret, for example, is missing).
	// It fails closed: the other parts of the policy cannot be enforced.
	Deny string
	// CORS, when not nil, answers cross-origin requests (enable-cors).
	CORS *CORS
	// AllowSources, when not empty, lists the only client addresses
	// allowed (allowlist-source-range); others get 403.
	AllowSources []netip.Prefix
	// DenySources lists client addresses that get 403
	// (denylist-source-range). It is checked before AllowSources.
	DenySources []netip.Prefix
	// RateLimit, when not nil, limits each client's requests.
	RateLimit *RateLimit
	// BasicAuth, when not nil, asks for a user name and password.
	BasicAuth *BasicAuth
	// ExternalAuth, when not nil, asks an auth service about each request.
	ExternalAuth *ExternalAuth
	// RequestHeaders edit the request sent to the backend. Forwarding
	// headers (X-Forwarded-*, X-Real-IP, X-Request-ID) are set after them.
	RequestHeaders HeaderRules
	// ResponseHeaders edit the response: Set applies to every response of
	// the route, the proxy's own included (custom-headers), replacing what
	// the backend sent; Remove deletes headers of the backend's responses,
	// and Add appends to them.
	ResponseHeaders HeaderRules
}

// trafficState is the runtime of a Traffic, kept by the Handler (see
// "State" above).
type trafficState struct {
	// spec and object are what it was built from, to find it again for a
	// route of the same object with an equal policy.
	spec    Traffic
	object  ObjectRef
	cors    *cors
	sources *sourceLists
	limit   *limiter
	basic   *basicAuth
	ext     *extAuth
	req     headerRules
	res     headerRules
	// owned lists the response headers the policy sets before the
	// backend answers: when set, they replace the backend's.
	owned []string
}

// buildTraffic returns the runtime of t, a policy of a route of object,
// with the program-wide defaults of h applied to what t leaves zero, and
// what is wrong with t.
func (h *Handler) buildTraffic(t *Traffic, object ObjectRef) (*trafficState, []error) {
	st := &trafficState{spec: *t, object: object}
	var errs []error
	add := func(es []error) { errs = append(errs, es...) }
	if t.CORS != nil {
		var es []error
		st.cors, es = newCORS(t.CORS)
		add(es)
		st.owned = append(st.owned, corsKeys...)
	}
	for _, l := range []struct {
		name string
		ps   []netip.Prefix
	}{{"DenySources", t.DenySources}, {"AllowSources", t.AllowSources}} {
		for i, p := range l.ps {
			if !p.IsValid() {
				errs = append(errs, fmt.Errorf("%s[%d]: invalid prefix %q", l.name, i, p))
			}
		}
	}
	if len(t.AllowSources) > 0 || len(t.DenySources) > 0 {
		st.sources = &sourceLists{deny: normalizePrefixes(t.DenySources)}
		if len(t.AllowSources) > 0 {
			st.sources.allow = normalizePrefixes(t.AllowSources)
		}
	}
	if t.RateLimit != nil {
		add(t.RateLimit.check())
		st.limit = newLimiter(t.RateLimit, h.cfg.LimitRejectStatus)
	}
	if t.BasicAuth != nil {
		var es []error
		st.basic, es = newBasicAuth(t.BasicAuth)
		add(es)
	}
	if t.ExternalAuth != nil {
		var es []error
		st.ext, es = newExtAuth(t.ExternalAuth, h.cfg.BackendCAs)
		add(es)
	}
	var es []error
	st.req, es = newHeaderRules("RequestHeaders", &t.RequestHeaders)
	add(es)
	st.res, es = newHeaderRules("ResponseHeaders", &t.ResponseHeaders)
	add(es)
	for _, hv := range st.res.set {
		st.owned = append(st.owned, hv.key)
	}
	return st, errs
}

// respond runs step 1 of the order: it puts the route's response headers
// on w and reports whether it answered r, a CORS preflight.
func (st *trafficState) respond(w http.ResponseWriter, r *http.Request) (handled bool) {
	h := w.Header()
	for _, hv := range st.res.set {
		h[hv.key] = hv.val
	}
	if st.cors != nil && st.cors.respond(h, r) {
		servePreflight(w)
		return true
	}
	return false
}

// admit runs steps 3 to 7 of the order for r, which matched route. When
// it answered r itself (a refusal), refused says why. Otherwise it
// returns the request to proxy (r, with its headers edited, or a copy
// carrying what modifyResponse needs), and release, when not nil, is to be
// called once the request is done. In a dry run (info.dry), limits are
// looked at without being counted and the auth service is not asked.
func (st *trafficState) admit(h *Handler, route *Route, w http.ResponseWriter, r *http.Request, p peer, info *Info) (out *http.Request, release func(), refused Action) {
	var dry *dryRun
	if info != nil {
		dry = info.dry
	}
	var client netip.Addr
	known := false
	if st.limit != nil || st.sources != nil || st.ext != nil {
		client, known = clientAddr(r, p, h.cfg.TrustedProxies)
	}
	if st.limit != nil {
		key := client
		if !known {
			// Limit what cannot be placed by the connection it came on.
			key, _ = netip.ParseAddr(p.ip)
		}
		ok := true
		if dry != nil {
			ok = st.limit.wouldAdmit(key)
		} else {
			release, ok = st.limit.admit(key)
		}
		if !ok {
			writeError(w, st.limit.status, st.limit.text)
			return r, nil, ActionRateLimit
		}
	}
	refuse := func(why Action) (*http.Request, func(), Action) {
		if release != nil {
			release()
		}
		return r, nil, why
	}
	if st.sources != nil && !st.sources.permits(client, known) {
		writeError(w, http.StatusForbidden, "403 forbidden")
		return refuse(ActionDeny)
	}
	if st.basic != nil && !st.basic.authenticate(r) {
		st.basic.refuse(w)
		return refuse(ActionAuth)
	}
	if st.ext != nil {
		ri := &reqInfo{r: r, scheme: requestScheme(r, p.trusted)}
		if known {
			ri.client = client.String()
		}
		if dry != nil {
			// Not asked: the dry run reports what would be asked, and
			// goes on as if the answer were yes.
			req, err := st.ext.request(h, r, ri, p.trusted)
			if err != nil {
				// The real request fails here as well: authorize answers 500.
				writeError(w, http.StatusInternalServerError, "500 internal server error")
				return refuse(ActionAuth)
			}
			dry.auth = req
		} else {
			cookies, refused := st.ext.authorize(h, route.Name, w, r, ri, p.trusted)
			if refused {
				return refuse(ActionAuth)
			}
			if len(cookies) > 0 {
				r = r.WithContext(context.WithValue(r.Context(), authCookiesKey{}, cookies))
			}
		}
	}
	if st.basic != nil {
		delete(r.Header, "Authorization")
	}
	st.req.apply(r.Header)
	return r, release, ""
}

// authCookiesKey carries, in the proxied request's context, the Set-Cookie
// values of an auth answer for modifyResponse.
type authCookiesKey struct{}

// modifyResponse applies the policy to a backend response: the headers respond put
// on the client's response replace the backend's, ResponseHeaders.Remove
// deletes, ResponseHeaders.Add appends, and the auth service's cookies are
// added.
func (st *trafficState) modifyResponse(res *http.Response) {
	if rc := requestState(res.Request.Context()); rc != nil {
		w := rc.w.Header()
		for _, k := range st.owned {
			if _, ok := w[k]; ok {
				delete(res.Header, k)
			}
		}
	}
	for _, k := range st.res.remove {
		delete(res.Header, k)
	}
	st.res.appendTo(res.Header, true)
	if st.ext == nil {
		return
	}
	if cookies, _ := res.Request.Context().Value(authCookiesKey{}).([]string); len(cookies) > 0 &&
		slices.Contains(setCookieStatuses, res.StatusCode) {
		res.Header["Set-Cookie"] = append(res.Header["Set-Cookie"], cookies...)
	}
}

// requestScheme is the scheme the client used: the connection's, or the
// X-Forwarded-Proto of a trusted proxy.
func requestScheme(r *http.Request, trusted bool) string {
	if r.TLS != nil || trusted && forwardedHTTPS(r.Header) {
		return "https"
	}
	return "http"
}
