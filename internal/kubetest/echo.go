package kubetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// EchoHeader is the response header in which an Echo backend names itself.
const EchoHeader = "X-Echo-Backend"

// Echo is an HTTP backend for tests that answers every request with 200, its
// name in the EchoHeader header, and a body "NAME HOST PATH\n" saying what it
// got, so a test can tell which backend a proxy chose and what it sent.
type Echo struct {
	// Name is what the backend answers with.
	Name string
	// Addr is the address it listens on.
	Addr netip.AddrPort

	requests atomic.Int64
	server   *http.Server
}

// ServeEcho serves an Echo backend called name on l until the test ends.
func ServeEcho(tb testing.TB, l net.Listener, name string) *Echo {
	tb.Helper()
	addr, err := netip.ParseAddrPort(l.Addr().String())
	if err != nil {
		tb.Fatalf("kubetest: echo backend %s: %v", name, err)
	}
	e := &Echo{Name: name, Addr: addr}
	e.server = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- e.server.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.server.Shutdown(ctx); err != nil {
			e.server.Close()
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("kubetest: echo backend %s: %v", name, err)
		}
	})
	return e
}

// Requests returns how many requests the backend has answered.
func (e *Echo) Requests() int64 { return e.requests.Load() }

// ServeHTTP answers as the type's documentation says.
func (e *Echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.requests.Add(1)
	w.Header().Set(EchoHeader, e.Name)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s %s %s\n", e.Name, r.Host, r.URL.Path)
}
