package proxy

import "errors"

// ErrClosed is returned by Reload after Close.
var ErrClosed = errors.New("proxy: the handler is closed")

// Close releases what the Handler holds: the idle connections of every
// transport of the current table (the direct path's, http.Transport's, the
// external auth service's) and of the RoundTrippers Config.WrapTransport
// returned, and with them their goroutines. From then on requests get
// 503 and Reload returns ErrClosed.
//
// Requests in flight are not interrupted, and a connection they still use
// may go back to its pool after Close: call Close once the server has
// stopped (after http.Server.Shutdown returns). Close is idempotent.
func (h *Handler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state.Load()
	if st.closed {
		return nil
	}
	h.state.Store(&state{table: st.table, routes: st.routes, closed: true})
	for _, te := range st.transports.all {
		te.closeIdle()
	}
	for _, rt := range st.transports.wrapped {
		if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
	for _, rs := range st.routes.all() {
		if t := rs.route.Traffic; t != nil && t.rt != nil && t.rt.ext != nil {
			t.rt.ext.client.CloseIdleConnections()
		}
	}
	return nil
}
