package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/rewrite"
)

// BenchmarkOverhead measures what the Handler costs per request on top of
// a bare httputil.ReverseProxy, without the network: both send through
// an http.Transport whose connections are in memory and answer every
// request with the same 1 KiB response, and both are called directly with
// a request shaped as net/http's server makes it (a cancelable context
// holding the local address). What is left is the proxies' own work, so
// the difference between the two is the Handler's routing, headers,
// timers and hooks, measured without the kernel's noise.
func BenchmarkOverhead(b *testing.B) {
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\n\r\n" + string(bytes.Repeat([]byte("a"), 1024)))
	dial := func(context.Context, string, string) (net.Conn, error) { return newMemConn(resp), nil }

	up := &Upstream{Name: "bench", Endpoints: []string{"10.0.0.1:80"}}
	table := newTable(b, prefix("bench.example", "/", &Route{Upstream: up, Name: "bench"}))
	h, err := New(Config{Table: table})
	if err != nil {
		b.Fatal(err)
	}
	// observed is the handler with request Info read by an Observe hook,
	// which is what metrics cost.
	var observedRequests int
	observed, err := New(Config{Table: table, Observe: func(*Info) { observedRequests++ }})
	if err != nil {
		b.Fatal(err)
	}
	// gateway serves a route with what Gateway API's filters and fields
	// make of it: two weighted backends, a prefix replacement, a Host, a
	// request header added, request and backend timeouts.
	gw, err := New(Config{Table: newTable(b, prefix("bench.example", "/", &Route{
		Name: "gateway",
		Backends: []WeightedBackend{
			{Upstream: &Upstream{Name: "bench-a", Endpoints: []string{"10.0.0.1:80"}}, Weight: 1},
			{Upstream: &Upstream{Name: "bench-b", Endpoints: []string{"10.0.0.1:80"}}, Weight: 1},
		},
		ReplacePath:    &rewrite.PathModifier{Prefix: true, Value: "/v2"},
		Host:           "internal.example",
		RequestTimeout: 30 * time.Second,
		BackendTimeout: 10 * time.Second,
		Traffic:        &Traffic{RequestHeaders: HeaderRules{Add: map[string]string{"Accept": "text/plain"}}},
	}))})
	if err != nil {
		b.Fatal(err)
	}
	bareTransport := baseTransport(&net.Dialer{}, DefaultConnectTimeout)
	bareTransport.DialContext = dial
	for _, te := range slices.Concat(h.state.Load().transports.all, observed.state.Load().transports.all, gw.state.Load().transports.all) {
		te.t.DialContext = dial
		if te.direct != nil {
			te.direct.dial = timedDial(dial)
		}
		b.Cleanup(te.closeIdle)
	}
	b.Cleanup(bareTransport.CloseIdleConnections)
	target := &url.URL{Scheme: "http", Host: "10.0.0.1:80"}
	bare := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport:  bareTransport,
		BufferPool: benchBufferPool{},
	}

	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	base := context.WithValue(context.Background(), http.LocalAddrContextKey, local)
	for _, p := range []struct {
		name    string
		handler http.Handler
	}{
		{"bare", bare},
		{"handler", h},
		{"observed", observed},
		{"gateway", gw},
	} {
		b.Run(p.name, func(b *testing.B) {
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.WithCancel(base)
				r := &http.Request{
					Method:     http.MethodGet,
					URL:        &url.URL{Path: "/bench/path", RawQuery: "q=1"},
					Proto:      "HTTP/1.1",
					ProtoMajor: 1,
					ProtoMinor: 1,
					Header: http.Header{
						"User-Agent": {"bench"},
						"Accept":     {"*/*"},
					},
					Host:       "bench.example",
					RemoteAddr: "127.0.0.1:40000",
					RequestURI: "/bench/path?q=1",
					Body:       http.NoBody,
				}
				p.handler.ServeHTTP(w, r.WithContext(ctx))
				cancel()
				if w.status != http.StatusOK || w.n != 1024 {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
				w.reset()
			}
		})
	}
}

// benchBufferPool gives the bare proxy the Handler's pooled copy buffers.
type benchBufferPool struct{}

func (benchBufferPool) Get() []byte { return buffers.Get().(*[bufferSize]byte)[:] }
func (benchBufferPool) Put(b []byte) {
	if cap(b) == bufferSize {
		buffers.Put((*[bufferSize]byte)(b[:bufferSize]))
	}
}

// discardWriter is a ResponseWriter that keeps only the status and the
// number of body bytes.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) Flush() {}
func (w *discardWriter) reset() {
	clear(w.header)
	w.status, w.n = 0, 0
}

// memConn is a backend connection in memory: for every request head
// written to it, it makes resp available to read. Requests in the
// benchmark have no body.
type memConn struct {
	resp []byte

	mu     sync.Mutex
	cond   sync.Cond
	tail   [3]byte // the last bytes written, to find "\r\n\r\n" across writes
	out    []byte  // response bytes not read yet
	closed bool
}

func newMemConn(resp []byte) *memConn {
	c := &memConn{resp: resp}
	c.cond.L = &c.mu
	return c
}

var errMemClosed = errors.New("memConn: closed")

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errMemClosed
	}
	seen := append(c.tail[:], p...)
	for i := 0; i+4 <= len(seen); i++ {
		if string(seen[i:i+4]) == "\r\n\r\n" {
			c.out = append(c.out, c.resp...)
		}
	}
	copy(c.tail[:], seen[len(seen)-3:])
	c.cond.Broadcast()
	return len(p), nil
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.out) == 0 && !c.closed {
		c.cond.Wait()
	}
	if len(c.out) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = c.out[:0:0] // let the next append start a fresh buffer
	}
	return n, nil
}

func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

func (c *memConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40001} }
func (c *memConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 80} }

func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }
