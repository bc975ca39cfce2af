package proxy

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/ingressmux/ingressmux/route"
)

// Action is what the Handler did with a request, in the words of
// ingress-nginx's phases.
type Action string

// The actions, in the order ServeHTTP considers them.
const (
	// ActionOptions answers "OPTIONS *" itself, with 200.
	ActionOptions Action = "options"
	// ActionBadRequest refuses a malformed request: 400 (a malformed path
	// or Upgrade header) or 405 (CONNECT).
	ActionBadRequest Action = "bad-request"
	// ActionNotFound answers a request no rule matches: Config.NotFound
	// or 404.
	ActionNotFound Action = "not-found"
	// ActionPreflight answers an allowed CORS preflight with 204.
	ActionPreflight Action = "preflight"
	// ActionRedirect answers with a redirect: app-root, a fixed redirect,
	// a host redirect or the redirect to HTTPS.
	ActionRedirect Action = "redirect"
	// ActionRateLimit refuses a request over a rate or connection limit.
	ActionRateLimit Action = "rate-limit"
	// ActionDeny refuses a client address with 403 (source ranges).
	ActionDeny Action = "deny"
	// ActionAuth refuses a request that basic or external authentication
	// did not let through (401, a redirect to sign in, 403, 500).
	ActionAuth Action = "auth"
	// ActionTooLarge refuses a request body over the route's limit: 413.
	ActionTooLarge Action = "too-large"
	// ActionProxy sends the request to the route's upstream or a canary.
	ActionProxy Action = "proxy"
	// ActionDefaultBackend sends the request to the route's
	// DefaultBackend because its upstream has no ready endpoint.
	ActionDefaultBackend Action = "default-backend"
	// ActionUnavailable answers 503: the upstream has no ready endpoint
	// and the route no DefaultBackend, or the route is closed (Traffic.Deny)
	// until an object it needs is loaded.
	ActionUnavailable Action = "unavailable"
	// ActionUnresolved answers with the upstream's Status, a stand-in for
	// a backend that could not be resolved, or with 500 when every
	// backend of the route has weight 0 (Route.Backends), as Gateway API
	// requires. It also answers 500 for a rule the Handler never
	// validated, which only a table given to Update with rules that
	// neither the table served nor added held can have.
	ActionUnresolved Action = "unresolved"
	// ActionClosed answers 503 because the Handler was closed.
	ActionClosed Action = "closed"
)

// Info is what the Handler learned about one request: the rule and route
// it matched, what it did, the upstream and endpoints it tried, the
// statuses, sizes and timings. It is filled in only when somebody reads
// it (Config.Observe is set, or the request came through WithInfo), so a
// Handler without observers pays nothing for it.
//
// During the request, hooks read the Info so far with RequestInfo: the
// fields up to the current step are set. Once ServeHTTP has returned,
// every field is final and the Info no longer changes.
type Info struct {
	// Start is when ServeHTTP began.
	Start time.Time
	// Method is the request's method, as the client sent it.
	Method string
	// Action is what the Handler did.
	Action Action
	// Rule is the rule of the table the request matched: its Host, Path,
	// Type, Backend and Origin. Nil when none matched.
	Rule *route.Rule
	// Route is the rule's route: its Name, Object and settings. Nil when
	// no rule matched.
	Route *Route
	// Upstream is where the request was sent: Route.Upstream, a canary's,
	// one of Route.Backends or Route.DefaultBackend; for a 500 of an
	// unresolved backend, its stand-in. Nil when the request was not
	// proxied.
	Upstream *Upstream
	// Canary is the index in Route.Canaries of the canary that was taken,
	// or -1 when none was.
	Canary int
	// Attempts are the exchanges with the upstream's endpoints, in order:
	// more than one when Route.Retry sent the request again.
	Attempts []Attempt
	// UpstreamStatus is the status of the last backend response, before a
	// custom error page replaced it; 0 when no backend answered.
	UpstreamStatus int
	// Status is the status sent to the client: the backend's, or the
	// Handler's own (a redirect, a refusal, 502, 503, 504). 0 when nothing
	// was written (499 is written for a client that went away).
	Status int
	// BytesIn counts the request body bytes read from the client.
	BytesIn int64
	// BytesOut counts the response body bytes written to the client. The
	// bytes of an upgraded connection (WebSocket) are not counted.
	BytesOut int64
	// Connect is the time spent getting connections to the backend,
	// dialing and TLS handshakes included, over all attempts; zero when
	// every attempt reused a kept-alive connection.
	Connect time.Duration
	// FirstByte is the time from Start to the last attempt's response
	// headers (time to first byte); zero when no backend answered.
	FirstByte time.Duration
	// UpstreamTime is the time from the first attempt's start to the end
	// of the response body's copy, as nginx's $upstream_response_time.
	UpstreamTime time.Duration
	// Total is the time from Start to the end of ServeHTTP.
	Total time.Duration
	// Err is why the request failed, when it did: an *Error for the 502,
	// 503 and 504 answers, the error that broke off a response whose
	// headers were sent, or the context's error for a client that went
	// away. Nil otherwise.
	Err error

	bytesIn  int64      // atomic: the transport may read the body after ServeHTTP
	dry      *dryRun    // set by Explain: record, do not send
	w        infoWriter // the client's writer, counted: one allocation with the Info
	attempts [1]Attempt // backing for Attempts without a retry
	// connStart is clock() when the current attempt began to get a
	// connection; 0 when it is not getting one.
	connStart int64
}

// Attempt is one exchange with an endpoint.
type Attempt struct {
	// Endpoint is the "host:port" address the request was sent to.
	Endpoint string
	// Start is when the attempt began.
	Start time.Time
	// Connect is the time spent getting a new connection, dialing and TLS
	// handshake included; zero when a kept-alive connection was reused.
	Connect time.Duration
	// FirstByte is the time from Start to the response headers; zero when
	// the attempt failed.
	FirstByte time.Duration
	// Status is the response's status; 0 when the attempt failed.
	Status int
	// Err is why the attempt failed; nil when a response came back.
	Err error
}

// infoKey is the context key under which WithInfo leaves an Info.
type infoKey struct{}

// WithInfo returns a shallow copy of r whose context asks the Handler to
// fill in info. A middleware that wraps the Handler serves the returned
// request and reads info once ServeHTTP has returned:
//
//	func logged(h http.Handler) http.Handler {
//		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			r, info := proxy.WithInfo(r)
//			h.ServeHTTP(w, r)
//			log.Print(info.Action, info.Status, info.Total)
//		})
//	}
func WithInfo(r *http.Request) (*http.Request, *Info) {
	info := &Info{Canary: -1}
	return r.WithContext(context.WithValue(r.Context(), infoKey{}, info)), info
}

// RequestInfo returns the Info of the request whose context is ctx: a
// request given to a hook (Config.ModifyResponse, ErrorHandler, a
// transport returned by Config.WrapTransport) or one that went through
// WithInfo. It returns nil when nobody asked for the request's Info.
func RequestInfo(ctx context.Context) *Info {
	if rc := requestState(ctx); rc != nil {
		return rc.info
	}
	info, _ := ctx.Value(infoKey{}).(*Info)
	return info
}

// tracking returns the Info to fill in for r, or nil when nobody reads
// one.
func (h *Handler) tracking(r *http.Request) *Info {
	if info, ok := r.Context().Value(infoKey{}).(*Info); ok {
		return info
	}
	if h.cfg.Observe != nil {
		return &Info{Canary: -1}
	}
	return nil
}

// act records the action; nil-safe, so that untracked requests pay one
// comparison.
func (i *Info) act(a Action) {
	if i != nil {
		i.Action = a
	}
}

// finish completes info once ServeHTTP is done and hands it to the
// observer.
func (h *Handler) finish(info *Info) {
	info.Total = time.Since(info.Start)
	info.BytesIn = atomic.LoadInt64(&info.bytesIn)
	if info.Status == 0 && info.UpstreamStatus == http.StatusSwitchingProtocols {
		info.Status = http.StatusSwitchingProtocols // written on the hijacked connection
	}
	if len(info.Attempts) > 0 {
		info.UpstreamTime = time.Since(info.Attempts[0].Start)
	}
	if f := h.cfg.Observe; f != nil {
		f(info)
	}
}

// writer returns w wrapped to count into i.
func (i *Info) writer(w http.ResponseWriter) http.ResponseWriter {
	i.w = infoWriter{ResponseWriter: w, info: i}
	return &i.w
}

// infoWriter is the client's ResponseWriter while an Info is filled in:
// it records the status and counts the body bytes. Unwrap lets
// http.ResponseController reach the server's writer for flushes,
// deadlines and hijacking.
type infoWriter struct {
	http.ResponseWriter
	info *Info
}

func (w *infoWriter) WriteHeader(code int) {
	if w.info.Status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.info.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *infoWriter) Write(p []byte) (int, error) {
	if w.info.Status == 0 {
		w.info.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.info.BytesOut += int64(n)
	return n, err
}

// Unwrap returns the server's ResponseWriter, for http.ResponseController.
func (w *infoWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// beginAttempt records the start of an attempt to send to endpoint.
func (rc *reqCtx) beginAttempt(endpoint string) {
	if rc.info.Attempts == nil {
		rc.info.Attempts = rc.info.attempts[:0]
	}
	rc.info.Attempts = append(rc.info.Attempts, Attempt{Endpoint: endpoint, Start: time.Now()})
	rc.info.connStart = 0
}

// endAttempt records the outcome of the current attempt.
func (rc *reqCtx) endAttempt(res *http.Response, err error) {
	a := &rc.info.Attempts[len(rc.info.Attempts)-1]
	if err != nil {
		a.Err = err
		return
	}
	a.FirstByte = time.Since(a.Start)
	a.Status = res.StatusCode
	rc.info.UpstreamStatus = res.StatusCode
	rc.info.FirstByte = time.Since(rc.info.Start)
}

// connecting and connected time a new connection of the current attempt;
// they are the client trace's GetConn and GotConn, and are called around
// the direct path's dials.
func (rc *reqCtx) connecting(string) { rc.info.connStart = clock() }

func (rc *reqCtx) connected(c httptrace.GotConnInfo) {
	if rc.info.connStart == 0 || c.Reused || len(rc.info.Attempts) == 0 {
		return
	}
	d := time.Duration(clock() - rc.info.connStart)
	rc.info.Attempts[len(rc.info.Attempts)-1].Connect += d
	rc.info.Connect += d
	rc.info.connStart = 0
}
