package proxy

// Tests of when a direct connection may carry the next request: a stale
// connection is retried, and one with bytes nobody asked for, or closed by
// the backend, is never used again.

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// TestDirectRetriesStaleConnection: a backend that closes a kept
// connection just as the next request goes out on it (too late for the
// idle check to see) makes that request fail before any answer; it is
// sent again on a new connection and the client sees nothing of it.
func TestDirectRetriesStaleConnection(t *testing.T) {
	var conns, requests atomic.Int32
	be := rawBackend(t, func(c net.Conn) {
		n := conns.Add(1)
		br := bufio.NewReader(c)
		for i := 0; ; i++ {
			if _, err := readRequest(br); err != nil {
				return
			}
			requests.Add(1)
			if n == 1 && i == 1 {
				c.Close() // the second request on the first connection: read, never answered
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	p := newDirectPool(&net.Dialer{})
	defer p.closeIdle()
	for i := range 2 {
		res, err := directGet(t, p, context.Background(), "GET", "http://"+be+"/")
		require.NoError(t, err, "request %d", i)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, "ok", string(b))
	}
	assert.Equal(t, int32(2), conns.Load(), "connections")
	assert.Equal(t, int32(3), requests.Load(), "requests the backend read: the second one twice")
}

// TestDirectNotReused: a connection is not used again when the response
// asks for it to be closed, is HTTP/1.0, is not read to its end, or is
// followed by bytes nobody asked for: right after it (in the read buffer,
// or past a long body, still in the socket), later (a HEAD answered with a
// body), or inside the same TLS record. The next request gets a new
// connection and its own answer, never the stray bytes.
func TestDirectNotReused(t *testing.T) {
	const stray = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale"
	// Long enough that the last part of the body is read straight into
	// the caller's buffer, past bufio's (and, over TLS with full-size
	// records, out of the middle of a record).
	long := strings.Repeat("x", 40000)
	for _, tt := range []struct {
		name     string
		tls      bool
		method   string
		response string
		late     string // written 5 ms after response
		readBody bool
	}{
		{"Connection: close", false, "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "", true},
		{"HTTP/1.0", false, "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "", true},
		{"body closed early", false, "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", "", false},
		{"bytes past a short body", false, "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + stray, "", true},
		{"bytes past a long body", false, "GET", "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + long + stray, "", true},
		{"HEAD answered with a late body", false, "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", stray, true},
		{"TLS: bytes past a long body", true, "GET", "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + long + stray, "", true},
		{"TLS: HEAD answered with a late body", true, "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", stray, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var conns atomic.Int32
			serve := func(c net.Conn) {
				n := conns.Add(1)
				br := bufio.NewReader(c)
				for {
					if _, err := readRequest(br); err != nil {
						return
					}
					if n > 1 {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
						continue
					}
					io.WriteString(c, tt.response) // one write, one TLS record
					if tt.late != "" {
						time.Sleep(5 * time.Millisecond)
						io.WriteString(c, tt.late)
					}
				}
			}
			p := newDirectPool(&net.Dialer{})
			scheme := "http"
			var be string
			if tt.tls {
				ca := testpki.NewCA(t, "backend CA")
				cert := ca.Issue(t, "backend.example")
				be = rawBackend(t, func(c net.Conn) {
					// Full-size records, as nginx's ssl_buffer_size sends.
					serve(tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*cert}, DynamicRecordSizingDisabled: true}))
				})
				dial, err := tlsconfig.Client{ServerName: "backend.example", RootCAs: ca.Pool()}.DialTLSContext(nil)
				require.NoError(t, err)
				p.dial, scheme = dial, "https"
			} else {
				be = rawBackend(t, serve)
			}
			defer p.closeIdle()
			res, err := directGet(t, p, context.Background(), tt.method, scheme+"://"+be+"/")
			require.NoError(t, err)
			if tt.readBody {
				// As copyBody reads: into a buffer larger than the
				// connection's, which bufio then fills directly.
				buf := make([]byte, bufferSize)
				for err == nil {
					_, err = res.Body.Read(buf)
				}
			}
			res.Body.Close()
			time.Sleep(20 * time.Millisecond) // for the late bytes
			res, err = directGet(t, p, context.Background(), "GET", scheme+"://"+be+"/")
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, "fresh", string(b))
			assert.Equal(t, int32(2), conns.Load())
		})
	}
}

// writeCountingConn counts the writes on a TCP connection, and still
// offers its socket for the idle check.
type writeCountingConn struct {
	*net.TCPConn
	writes *atomic.Int32
}

func (c writeCountingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.TCPConn.Write(b)
}

// TestDirectSkipsClosedIdleConnections: idle connections the backend has
// closed (its keep-alive timeout is shorter than the proxy's) are seen to
// be closed before use: the request is written once, on a new connection,
// not first on every dead one.
func TestDirectSkipsClosedIdleConnections(t *testing.T) {
	closeIdle := make(chan struct{})
	be := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			r, err := readRequest(br)
			if err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			if r.URL.Path == "/warm" {
				<-closeIdle
				c.Close()
				return
			}
		}
	})
	var writes atomic.Int32
	p := newDirectPool(&net.Dialer{})
	p.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCountingConn{c.(*net.TCPConn), &writes}, nil
	}
	defer p.closeIdle()
	var warm []*http.Response
	for range 10 { // ten connections at once, all pooled afterwards
		res, err := directGet(t, p, context.Background(), "GET", "http://"+be+"/warm")
		require.NoError(t, err)
		warm = append(warm, res)
	}
	for _, res := range warm {
		io.ReadAll(res.Body)
		res.Body.Close()
	}
	close(closeIdle)
	time.Sleep(20 * time.Millisecond) // for the backend's FINs
	writes.Store(0)
	res, err := directGet(t, p, context.Background(), "GET", "http://"+be+"/order")
	require.NoError(t, err)
	io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, int32(1), writes.Load(), "writes of the request")
	p.mu.Lock()
	assert.Len(t, p.idle[be], 1, "idle connections: only the new one")
	p.mu.Unlock()
}
