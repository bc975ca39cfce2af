package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

func TestSendsDirect(t *testing.T) {
	for _, tt := range []struct {
		name   string
		method string
		host   string
		body   io.Reader
		header http.Header
		want   bool
	}{
		{"GET", "GET", "10.0.0.1:80", nil, nil, true},
		{"HEAD", "HEAD", "10.0.0.1:80", nil, nil, true},
		{"OPTIONS", "OPTIONS", "[::1]:8080", nil, nil, true},
		{"POST without a body is not replayable", "POST", "10.0.0.1:80", nil, nil, false},
		{"DELETE", "DELETE", "10.0.0.1:80", nil, nil, false},
		{"GET with a body", "GET", "10.0.0.1:80", strings.NewReader("x"), nil, false},
		{"upgrade", "GET", "10.0.0.1:80", nil, http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}, false},
		{"100-continue", "GET", "10.0.0.1:80", nil, http.Header{"Expect": {"100-continue"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://"+tt.host+"/x", tt.body)
			require.NoError(t, err)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			assert.Equal(t, tt.want, sendsDirect(req))
		})
	}
}

// countingBackend is an httptest server that counts the connections it
// accepted and the ones that were closed.
func countingBackend(t *testing.T, h http.Handler) (addr string, opened, closed *atomic.Int32) {
	t.Helper()
	opened, closed = new(atomic.Int32), new(atomic.Int32)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), opened, closed
}

func directGet(t *testing.T, p *directPool, ctx context.Context, method, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	return p.roundTrip(req, nil)
}

// TestDirectReusesConnection: responses of every framing (length, chunked
// with trailers, none for HEAD and 204) leave the connection reusable, so
// a sequence of requests through the Handler uses one backend connection.
// (A HEAD or 204 answer that announces a body it does not have closes its
// connection: see TestDirectLateBodyAfterBodilessAnswer.)
func TestDirectReusesConnection(t *testing.T) {
	addr, opened, _ := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "part one ")
			w.(http.Flusher).Flush()
			io.WriteString(w, "part two")
			w.Header().Set("X-Sum", "42")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/head":
			// Nothing written: net/http announces no length for HEAD.
		default:
			io.WriteString(w, "body of "+r.URL.Path)
		}
	}))
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Name: "r", Upstream: &Upstream{Name: "u", Endpoints: []string{addr}}}))})
	base := proxyServer(t, h)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for _, tt := range []struct {
		method, path, body string
		status             int
		trailer            string
	}{
		{"GET", "/a", "body of /a", 200, ""},
		{"GET", "/chunked", "part one part two", 200, "42"},
		{"HEAD", "/head", "", 200, ""},
		{"GET", "/empty", "", 204, ""},
		{"OPTIONS", "/b", "body of /b", 200, ""},
		{"GET", "/c", "body of /c", 200, ""},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		res, err := client.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, tt.status, res.StatusCode, tt.method+" "+tt.path)
		assert.Equal(t, tt.body, string(b), tt.method+" "+tt.path)
		assert.Equal(t, tt.trailer, res.Trailer.Get("X-Sum"), tt.method+" "+tt.path)
	}
	assert.Equal(t, int32(1), opened.Load(), "backend connections opened")
}

// TestDirectHTTPSReusesConnection: GETs to an HTTPS backend spoken to in
// HTTP/1.1 share one verified TLS connection.
func TestDirectHTTPSReusesConnection(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	var opened atomic.Int32
	be := httptest.NewUnstartedServer(echoHandler("tls"))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	be.TLS = &tls.Config{Certificates: []tls.Certificate{*ca.Issue(t, "project-domain.com")}}
	be.StartTLS()
	defer be.Close()
	up := &Upstream{Name: "tls", Protocol: HTTPS, Endpoints: []string{addr(be)}, TLS: tlsconfig.Client{ServerName: "project-domain.com", RootCAs: ca.Pool()}}
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	for i := range 5 {
		w := serve(h, httptest.NewRequest("GET", fmt.Sprintf("/%d", i), nil))
		require.Equal(t, 200, w.Code, "log:\n%s", logs)
		s := decode(t, w.Body.Bytes())
		assert.Equal(t, "project-domain.com", s.ServerName)
		assert.Equal(t, fmt.Sprintf("/%d", i), s.URI)
	}
	assert.Equal(t, int32(1), opened.Load(), "TLS connections opened")
	te := h.state.Load().transports.all[0]
	require.NotNil(t, te.direct, "no direct pool for HTTPS in HTTP/1.1")
	te.direct.mu.Lock()
	assert.Len(t, te.direct.idle[addr(be)], 1, "the connection is not the direct pool's")
	te.direct.mu.Unlock()
}

// TestDirectCloseStream: closing the body of an endless stream returns at
// once and closes the connection, instead of reading the stream to an
// end that never comes.
func TestDirectCloseStream(t *testing.T) {
	const ticks = 10000       // ten seconds at most
	gone := make(chan int, 1) // how many ticks the backend could write
	be := rawBackend(t, func(c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for i := range ticks {
			if _, err := io.WriteString(c, "5\r\ntick\n\r\n"); err != nil {
				gone <- i
				return
			}
			time.Sleep(time.Millisecond)
		}
		gone <- ticks
	})
	p := newDirectPool(&net.Dialer{})
	defer p.closeIdle()
	res, err := directGet(t, p, context.Background(), "GET", "http://"+be+"/")
	require.NoError(t, err)
	buf := make([]byte, 5)
	_, err = io.ReadFull(res.Body, buf)
	require.NoError(t, err)
	res.Body.Close()
	assert.Less(t, <-gone, ticks/2, "the stream was read on instead of being cut")
}

// TestDirectCancel: canceling the request's context ends a wait for the
// response headers and a read of the body, with the context's error, and
// the connection is not used again.
func TestDirectCancel(t *testing.T) {
	var conns atomic.Int32
	be := rawBackend(t, func(c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		r, err := readRequest(br)
		if err != nil {
			return
		}
		if r.URL.Path == "/body" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart")
		}
		io.Copy(io.Discard, br) // silent until the proxy gives up
	})
	p := newDirectPool(&net.Dialer{})
	defer p.closeIdle()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := directGet(t, p, ctx, "GET", "http://"+be+"/headers")
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithCancel(context.Background())
	res, err := directGet(t, p, ctx, "GET", "http://"+be+"/body")
	require.NoError(t, err)
	time.AfterFunc(20*time.Millisecond, cancel)
	b, err := io.ReadAll(res.Body)
	assert.Error(t, err)
	assert.Equal(t, "part", string(b))
	res.Body.Close()
	p.mu.Lock()
	idle := len(p.idle[be])
	p.mu.Unlock()
	assert.Zero(t, idle, "a canceled request's connection was pooled")
	assert.Equal(t, int32(2), conns.Load())
}

// TestDirectResponseErrors: a backend's malformed or oversized answer is
// an error, and interim responses are given to got1xx in order.
func TestDirectResponseErrors(t *testing.T) {
	for _, tt := range []struct {
		name     string
		response string
		err      string // what the error says; "": success
		interim  string // codes given to got1xx
	}{
		{"interim responses", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", "100 103 "},
		{"six interim responses", strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", "102 102 102 102 102 102 "},
		{"interim responses over the header budget", strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 100), errHeaderTooLarge.Error(), strings.Repeat("102 ", 1024/len("HTTP/1.1 102 Processing\r\n\r\n"))},
		{"101 without an upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", errUnasked101.Error(), ""},
		{"headers over the limit", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 4096) + "\r\n\r\n", errHeaderTooLarge.Error(), ""},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", "malformed HTTP response", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := rawBackend(t, func(c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, tt.response)
				c.Close()
			})
			p := newDirectPool(&net.Dialer{})
			p.maxHeaderBytes = 1024
			defer p.closeIdle()
			var interim strings.Builder
			req, _ := http.NewRequest("GET", "http://"+be+"/", nil)
			res, err := p.roundTrip(req, func(code int, h textproto.MIMEHeader) error {
				fmt.Fprintf(&interim, "%d ", code)
				return nil
			})
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
			} else {
				require.NoError(t, err)
				res.Body.Close()
				assert.Equal(t, 200, res.StatusCode)
			}
			assert.Equal(t, tt.interim, interim.String())
		})
	}
}

// TestDirectIdleConnectionsClosed: idle connections are closed after the
// idle timeout, and at once by closeIdle.
func TestDirectIdleConnectionsClosed(t *testing.T) {
	addr, opened, closed := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	get := func(p *directPool) {
		res, err := directGet(t, p, context.Background(), "GET", "http://"+addr+"/")
		require.NoError(t, err)
		io.ReadAll(res.Body)
		res.Body.Close()
	}

	p := newDirectPool(&net.Dialer{})
	p.idleTimeout = 50 * time.Millisecond
	get(p)
	require.Eventually(t, func() bool { return closed.Load() == 1 }, 5*time.Second, 5*time.Millisecond, "expired connection not closed")
	p.mu.Lock()
	assert.Empty(t, p.idle)
	p.mu.Unlock()

	p = newDirectPool(&net.Dialer{})
	get(p)
	get(p)
	assert.Equal(t, int32(2), opened.Load(), "the second request reused the first's connection")
	p.closeIdle()
	require.Eventually(t, func() bool { return closed.Load() == 2 }, 5*time.Second, 5*time.Millisecond, "closeIdle left the connection open")

	// A request in flight when the pool is closed (a reload dropped it)
	// closes its connection when it ends.
	p = newDirectPool(&net.Dialer{})
	res, err := directGet(t, p, context.Background(), "GET", "http://"+addr+"/")
	require.NoError(t, err)
	p.closeIdle()
	io.ReadAll(res.Body)
	res.Body.Close()
	require.Eventually(t, func() bool { return closed.Load() == 3 }, 5*time.Second, 5*time.Millisecond, "a closed pool kept the connection")
}

// TestDirectRefusesOtherProtocols: a TLS backend that picks a protocol
// other than HTTP/1.1 through ALPN is not spoken to in HTTP/1.1.
func TestDirectRefusesOtherProtocols(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	cert := ca.Issue(t, "backend.example")
	be := rawBackend(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*cert}, NextProtos: []string{"x-other"}})
		tc.Handshake()
		io.Copy(io.Discard, tc)
	})
	dial, err := tlsconfig.Client{ServerName: "backend.example", RootCAs: ca.Pool(), NextProtos: []string{"x-other", "http/1.1"}}.DialTLSContext(nil)
	require.NoError(t, err)
	p := newDirectPool(&net.Dialer{})
	p.dial = dial
	defer p.closeIdle()
	_, err = directGet(t, p, context.Background(), "GET", "https://"+be+"/")
	assert.ErrorIs(t, err, errNotHTTP1)
}

// TestDirectConcurrent: concurrent requests get their own connections and
// their own answers, and at most maxIdle connections are kept afterwards.
func TestDirectConcurrent(t *testing.T) {
	addr, _, _ := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		io.WriteString(w, r.URL.Path)
	}))
	p := newDirectPool(&net.Dialer{})
	p.maxIdle = 4
	defer p.closeIdle()
	var wg sync.WaitGroup
	errs := make(chan error, 16*20)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				path := fmt.Sprintf("/%d/%d", g, i)
				req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
				res, err := p.roundTrip(req, nil)
				if err != nil {
					errs <- err
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || string(b) != path {
					errs <- errors.Join(err, fmt.Errorf("got %q for %s", b, path))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	p.mu.Lock()
	assert.LessOrEqual(t, len(p.idle[addr]), 4)
	p.mu.Unlock()
}
