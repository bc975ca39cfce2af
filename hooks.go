package ingressmux

import (
	"context"
	"net/http"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// Resolver finds the addresses ("host:port") of a backend. It returns nil
// addresses and a nil error for backends it does not handle, which then
// resolve from the loaded Services. ctx is the one given to Load, Reload
// or Resolve.
type Resolver func(ctx context.Context, b route.Backend) (addresses []string, err error)

// Hooks observe and shape the proxying of every request, as the hooks of
// httputil.ReverseProxy do. Each is optional; an unset hook costs
// nothing. They are those of proxy.Config, which documents them in full.
type Hooks struct {
	// Observe is called with the Info of every request once it is done:
	// the route, Ingress and backend, the endpoints tried, statuses,
	// sizes and timings. The place for metrics and access logs.
	Observe func(*proxy.Info)
	// WrapTransport wraps or replaces what sends the requests of each
	// upstream, for tracing or client certificates.
	WrapTransport func(u proxy.Upstream, next http.RoundTripper) http.RoundTripper
	// ModifyResponse edits backend responses before they are copied to
	// the client; an error answers 502.
	ModifyResponse func(*http.Response) error
	// ErrorHandler answers in place of the proxy's own 502, 503 and 504;
	// err is a *proxy.Error.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Reloaded, when not nil, is told the outcome of every Load,
	// LoadObjects, Reload, Resolve, ReplaceObjects and Apply once it is
	// done, failed ones included. It is called with the Mux's reload lock
	// held: it must not call any of these.
	Reloaded func(ReloadResult)
}

// apply sets the hooks on c.
func (h Hooks) apply(c *proxy.Config) {
	c.Observe, c.WrapTransport, c.ModifyResponse, c.ErrorHandler = h.Observe, h.WrapTransport, h.ModifyResponse, h.ErrorHandler
}
