package proxy

import (
	"cmp"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Decision is what the Handler would do with a request, as Explain
// tells it: the same steps as ServeHTTP, run by the same code, but
// nothing is sent to a backend or an auth service and no rate limit is
// counted.
type Decision struct {
	// Action is what the Handler would do.
	Action Action
	// Status is the status of the Handler's own answer (a redirect, a
	// refusal, 404, 503); 0 when the request would be proxied.
	Status int
	// Location is the Location of a redirect, or of a refusal that sends
	// the client to sign in.
	Location string
	// Header holds the response headers the Handler sets itself: those of
	// its own answer, or for a proxied request those the route puts on
	// the backend's response (custom headers, CORS).
	Header http.Header
	// Route is the route the request matched; nil when none did.
	Route *Route
	// Canary is the index in Route.Canaries of the canary taken, -1 for
	// none. A canary chosen by weight is a draw: another call may differ.
	Canary int
	// Upstream is where the request would be sent: Route.Upstream, a
	// canary's, one of Route.Backends (a draw by weight: another call may
	// differ), or Route.DefaultBackend. Nil when it would not be proxied.
	Upstream *Upstream
	// Outgoing is the request the backend would receive; nil when the
	// request would not be proxied.
	Outgoing *Outgoing
	// Auth is the request the external auth service would be asked,
	// when the route has one; the decision assumes it says yes.
	Auth *http.Request
	// ConnectTimeout, ReadTimeout and SendTimeout are the timeouts that
	// apply to the backend, defaults included: to the dial, to each wait
	// for the backend's bytes and to each write of the request. The
	// bounds on the whole request and on each attempt, which have no
	// default, are Route.RequestTimeout and Route.BackendTimeout.
	ConnectTimeout, ReadTimeout, SendTimeout time.Duration
	// MaxBodyBytes is the request body limit; negative means none.
	MaxBodyBytes int64
}

// Outgoing is the request a backend would receive.
type Outgoing struct {
	// Method is the request's method.
	Method string
	// URL is what would be sent: scheme, endpoint ("host:port"), the path
	// after rewrites and the query.
	URL *url.URL
	// Host is the Host header sent.
	Host string
	// SNI is the TLS server name sent to an HTTPS backend; empty for
	// plain HTTP and when SNI is off.
	SNI string
	// Header holds the headers sent, forwarding headers included.
	Header http.Header
	// Set lists, sorted, the headers sent with values the client did not
	// send; Removed those the client sent that are not forwarded.
	Set, Removed []string
}

// dryRun is what a request run by Explain records instead of sending.
type dryRun struct {
	out  *Outgoing
	auth *http.Request
	rt   *routeState
	up   *upstream
}

// record keeps out, the request ready to be sent, and the route's
// settings.
func (d *dryRun) record(rc *reqCtx, out *http.Request) {
	u := *out.URL
	o := &Outgoing{Method: out.Method, URL: &u, Host: out.Host, Header: out.Header.Clone()}
	if o.Host == "" {
		o.Host = rc.in.Host
	}
	if v := o.Header["User-Agent"]; len(v) == 1 && v[0] == "" {
		delete(o.Header, "User-Agent") // the transport then sends none
	}
	if out.Close {
		o.Header.Set("Connection", "close") // as the transport writes it
	}
	if rc.te.scheme == "https" && !rc.te.key.tls.DisableSNI {
		o.SNI = rc.te.key.tls.ServerName
		if o.SNI == "" {
			o.SNI, _, _ = net.SplitHostPort(rc.endpoint)
		}
		if net.ParseIP(o.SNI) != nil {
			o.SNI = "" // an IP address is never sent as SNI (RFC 6066)
		}
	}
	d.out, d.rt, d.up = o, rc.rt, rc.up
}

// Explain tells what the Handler would do with r, by running it through
// ServeHTTP's own steps without sending anything: nothing reaches a
// backend or an auth service, and rate limits are looked at, not counted.
// The endpoint is the one the next real request would get, but no
// round-robin turn is taken; Config.Observe is not called. r is
// not changed and its body is not read: its ContentLength is what the
// body limit is checked against.
func (h *Handler) Explain(r *http.Request) Decision {
	in := r.Clone(r.Context())
	in.Body = http.NoBody // never read; a declared ContentLength still counts
	if in.RequestURI == "" && in.URL != nil {
		in.RequestURI = in.URL.RequestURI()
	}
	dry := &dryRun{}
	info := &Info{Canary: -1, dry: dry}
	w := &recorder{header: http.Header{}}
	h.serve(info.writer(w), in, info)
	d := Decision{Action: info.Action, Route: info.Route, Canary: info.Canary, Upstream: info.Upstream, Header: w.header, Auth: dry.auth}
	if d.Action == ActionNotFound && h.cfg.NotFound != nil {
		d.Status = 0 // Config.NotFound's to decide; it is not called
	} else if dry.out == nil {
		d.Status = cmp.Or(w.status, http.StatusOK)
	}
	d.Location = w.header.Get("Location")
	if dry.out != nil {
		d.Outgoing = dry.out
		d.Outgoing.Set, d.Outgoing.Removed = headerChanges(r.Header, dry.out.Header)
		d.Header = w.header
	}
	if rs := dry.rt; rs != nil {
		d.ReadTimeout, d.SendTimeout, d.MaxBodyBytes = rs.readTimeout, rs.sendTimeout, rs.maxBody
		d.ConnectTimeout = cmp.Or(dry.up.cfg.ConnectTimeout, DefaultConnectTimeout)
	} else if info.Route != nil {
		if rs := h.state.Load().routes.get(info.Route); rs != nil {
			d.ReadTimeout, d.SendTimeout, d.MaxBodyBytes = rs.readTimeout, rs.sendTimeout, rs.maxBody
			d.ConnectTimeout = cmp.Or(rs.up.cfg.ConnectTimeout, DefaultConnectTimeout)
		}
	}
	return d
}

// headerChanges returns the names of the headers of out whose values are
// not in's, and of those of in that out lacks, sorted.
func headerChanges(in, out http.Header) (set, removed []string) {
	for k, v := range out {
		if !slices.Equal(in[k], v) {
			set = append(set, k)
		}
	}
	for k := range in {
		if _, ok := out[k]; !ok {
			removed = append(removed, k)
		}
	}
	slices.Sort(set)
	slices.Sort(removed)
	return set, removed
}

// recorder is the ResponseWriter of a dry run: it keeps the status and
// headers and drops the body.
type recorder struct {
	header http.Header
	status int
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
