package proxy

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
)

// reqCtx is everything the handler knows about one proxied request, from
// ServeHTTP to the transport and back. It is the outgoing request's
// context itself, so that passing it costs one allocation: it embeds a
// cancelable child of the client's context (canceled by the idle timer, see
// timeout.go) carrying the client trace that relays 1xx responses, and
// answers Value(ctxKey{}) with itself.
type reqCtx struct {
	context.Context
	cancel  context.CancelFunc
	timeout atomic.Pointer[timeoutError] // why the idle timer canceled, if it did
	client  context.Context              // the incoming request's context

	w        http.ResponseWriter // the client's, for a send timeout (see expire)
	h        *Handler
	rt       *routeState
	up       *upstream       // rt.up, or rt.fallback when rt.up has no endpoint
	te       *transportEntry // up's transport for this request (see AutoHTTP)
	info     *Info           // nil unless somebody reads it (see Info)
	in       *http.Request   // the client's request
	endpoint string          // "host:port" chosen for this request
	cookie   string          // the affinity cookie value to set; empty: none
	path     string          // the cleaned, escaped path that was matched
	prefix   string          // the matched rule's path, for Route.ReplacePath
	backend  int             // the index of the Route.Backends chosen, or -1
	peer     peer

	idle    idleTimer
	reqBody sendBody    // wraps the request body, if any
	resBody recvBody    // wraps the response body
	upBody  upgradeBody // wraps the backend side of an upgraded connection

	tooLarge   atomic.Bool // the request body went over the limit
	responding atomic.Bool // the backend's response headers are in
	spool      *os.File    // the buffered request body, when it is on disk

	hdr [forwardedHeaders]string // backing store for the forwarding headers
	url url.URL                  // the outgoing request's URL

	trace       httptrace.ClientTrace // Got1xxResponse: got1xx
	interimMu   sync.Mutex            // guards interimDone and 1xx writes
	interimDone bool                  // the final response is in: no more 1xx
	// interimWriting: an interim response is being written to the client
	// (see expire).
	interimWriting atomic.Bool
}

type ctxKey struct{}

// Value returns rc for ctxKey{}, and otherwise asks the parent.
func (rc *reqCtx) Value(key any) any {
	if key == (ctxKey{}) {
		return rc
	}
	return rc.Context.Value(key)
}

// requestState returns the reqCtx that ctx is or wraps, or nil.
func requestState(ctx context.Context) *reqCtx {
	if rc, ok := ctx.(*reqCtx); ok {
		return rc
	}
	rc, _ := ctx.Value(ctxKey{}).(*reqCtx)
	return rc
}
