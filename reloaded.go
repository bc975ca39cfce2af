package ingressmux

import (
	"time"

	"github.com/ingressmux/ingressmux/proxy"
)

// ReloadResult is the outcome of one Load, Reload or Resolve, given to
// Hooks.Reloaded: for metrics, status pages and logs.
type ReloadResult struct {
	// Op is "load" (Load and LoadObjects), "reload", "resolve",
	// "replace" (ReplaceObjects) or "apply" (Apply).
	Op string
	// Start is when it began; Duration how long it took.
	Start    time.Time
	Duration time.Duration
	// Err is why it failed; nil when the new routing is being served.
	Err error
	// Routes is the number of rules served after it (the previous table's
	// when it failed; 0 when Load failed).
	Routes int
}

// reported calls Hooks.Reloaded, if set, with the outcome of op, which
// began at start, and returns err.
func (m *Mux) reported(op string, start time.Time, err error) error {
	if f := m.cfg.Hooks.Reloaded; f != nil {
		f(ReloadResult{Op: op, Start: start, Duration: time.Since(start), Err: err, Routes: m.handler.Table().Len()})
	}
	return err
}

// reportLoad calls f, if set, with the outcome of Load, which began at
// start and returned m and err.
func reportLoad(f func(ReloadResult), start time.Time, m *Mux, err error) {
	if f == nil {
		return
	}
	res := ReloadResult{Op: "load", Start: start, Duration: time.Since(start), Err: err}
	if m != nil {
		res.Routes = m.handler.Table().Len()
	}
	f(res)
}

// Upstreams returns the upstreams being served with the passive health of
// their endpoints (see proxy.Handler.Upstreams).
func (m *Mux) Upstreams() []proxy.UpstreamStatus { return m.handler.Upstreams() }
