package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"sync"
	"syscall"
	"time"
)

// directPool sends requests without a body to plain-HTTP backends, and to
// HTTPS backends spoken to in HTTP/1.1 only, on the handler's own
// goroutine, over HTTP/1.1 connections it keeps alive per endpoint.
//
// http.Transport gives every connection two goroutines, one writing
// requests and one reading responses, and hands each request to them and
// the response back over channels. A request without a body needs nothing
// done concurrently: written, then answered. Sending it inline saves the
// goroutine switches, channel operations and selects of every request
// (measured with examples/bench and BenchmarkOverhead, see the commit that
// added this file). Requests with a body and upgrades keep going through
// http.Transport, whose concurrent writer they need, and so does HTTP/2.
//
// http.Transport's reader also watches idle connections, for the backend
// closing them and for bytes nobody asked for; here an idle connection is
// checked once, when it is taken for a request (directConn.unsolicited);
// bytes that come later than that are only kept out by never keeping a
// connection whose last answer leaves its framing in doubt (a HEAD, 204
// or 304 announcing a body, see announcesMissingBody).
// A backend may still close a connection just as a request goes out on it;
// that shows only when the request is sent, and the request is then sent
// again on a new connection, as http.Transport does. That is safe only for
// methods without side effects, so only replayable methods come here (see
// sendsDirect).
type directPool struct {
	dial           func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle        int           // idle connections kept per endpoint
	idleTimeout    time.Duration // an idle connection is closed after this long
	maxHeaderBytes int64         // bound on a response's header block

	mu     sync.Mutex
	idle   map[string][]*directConn // by endpoint; the most recently used last
	sweep  *time.Timer              // closes expired idle connections; nil until first needed
	armed  bool                     // sweep is scheduled
	closed bool                     // closeIdle ran: the pool is out of use
}

// maxResponseHeaderBytes bounds a response's headers, as http.Transport's
// default does, so that a backend cannot make the proxy buffer without end.
const maxResponseHeaderBytes = 10 << 20

var (
	errHeaderTooLarge = errors.New("proxy: backend's response headers are too large")
	errUnasked101     = errors.New("proxy: backend switched protocols without being asked to")
)

// aLongTimeAgo is a deadline in the past: setting it makes blocked reads
// and writes on a connection return at once.
var aLongTimeAgo = time.Unix(1, 0)

func newDirectPool(d *net.Dialer) *directPool {
	return &directPool{
		dial:           d.DialContext,
		maxIdle:        maxIdleConnsPerHost,
		idleTimeout:    idleConnTimeout,
		maxHeaderBytes: maxResponseHeaderBytes,
		idle:           make(map[string][]*directConn),
	}
}

// sendsDirect reports whether req can go through a directPool: no body, a
// replayable method (see directPool), no protocol upgrade or 100-continue
// handshake. Its URL's host is an endpoint, "host:port", as New checked.
func sendsDirect(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		return false
	}
	if req.Body != nil && req.Body != http.NoBody || req.Close {
		return false
	}
	return req.Header["Upgrade"] == nil && req.Header["Expect"] == nil
}

// roundTrip sends req, which sendsDirect accepts and whose headers
// checkRequestHeader accepts (Request.Write would pass control
// characters), and returns the final response; got1xx, if not nil, is
// given each interim response before it.
// Canceling req's context aborts the exchange, including the reading of
// the returned body.
func (p *directPool) roundTrip(req *http.Request, got1xx func(int, textproto.MIMEHeader) error) (*http.Response, error) {
	ctx := req.Context()
	for {
		pc, err := p.get(ctx, req.URL.Host)
		if err != nil {
			return nil, err
		}
		res, stale, err := pc.exchange(ctx, req, got1xx)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !stale {
			return nil, err
		}
		// The backend closed the kept connection before answering: ask
		// again on another one. Each retry takes a connection out of the
		// pool or dials a new one, which is never stale, so this ends.
	}
}

// get returns an idle connection to addr, or a new one.
func (p *directPool) get(ctx context.Context, addr string) (*directConn, error) {
	now := clock()
	p.mu.Lock()
	for conns := p.idle[addr]; len(conns) > 0; conns = p.idle[addr] {
		pc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		p.idle[addr] = conns[:len(conns)-1]
		fresh := now-pc.idleAt < int64(p.idleTimeout)
		p.mu.Unlock()
		if fresh && !pc.unsolicited() {
			pc.reused = true
			return pc, nil
		}
		pc.close()
		p.mu.Lock()
	}
	p.mu.Unlock()
	c, err := p.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return newDirectConn(p, addr, c)
}

// put keeps pc for the next request to its endpoint, or closes it when
// the endpoint has enough idle connections.
func (p *directPool) put(pc *directConn) {
	pc.idleAt = clock()
	pc.reused = false
	p.mu.Lock()
	conns := p.idle[pc.addr]
	if p.closed || len(conns) >= p.maxIdle {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.idle[pc.addr] = append(conns, pc)
	if !p.armed {
		p.armed = true
		if p.sweep == nil {
			p.sweep = time.AfterFunc(p.idleTimeout, p.expire)
		} else {
			p.sweep.Reset(p.idleTimeout)
		}
	}
	p.mu.Unlock()
}

// expire closes the connections idle for idleTimeout or longer, and
// schedules itself for the next one to expire.
func (p *directPool) expire() {
	now := clock()
	var old []*directConn
	p.mu.Lock()
	next := int64(-1)
	for addr, conns := range p.idle {
		keep := conns[:0]
		for _, pc := range conns {
			if left := int64(p.idleTimeout) - (now - pc.idleAt); left > 0 {
				keep = append(keep, pc)
				if next < 0 || left < next {
					next = left
				}
			} else {
				old = append(old, pc)
			}
		}
		clear(conns[len(keep):])
		if len(keep) == 0 {
			delete(p.idle, addr)
		} else {
			p.idle[addr] = keep
		}
	}
	p.armed = next >= 0
	if p.armed {
		p.sweep.Reset(time.Duration(next))
	}
	p.mu.Unlock()
	for _, pc := range old {
		pc.close()
	}
}

// closeIdle closes every idle connection, and those in use when their
// request ends: it is called when a reload leaves the pool unused.
func (p *directPool) closeIdle() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = make(map[string][]*directConn)
	p.mu.Unlock()
	for _, conns := range idle {
		for _, pc := range conns {
			pc.close()
		}
	}
}

// directConn is one kept-alive connection, used by one request at a time.
type directConn struct {
	pool     *directPool
	addr     string
	conn     net.Conn
	tls      *tls.Conn            // conn, when it is TLS
	tlsState *tls.ConnectionState // its handshake, given to responses as Response.TLS
	peek     socketPeek           // the socket under conn (see unsolicited)
	limit    readLimit            // under br: bounds the header block
	br       *bufio.Reader
	bw       *bufio.Writer
	idleAt   int64 // clock() when it went idle
	reused   bool  // it served a request before this one
}

// errNotHTTP1 is the error of a TLS connection on which the backend chose a
// protocol other than HTTP/1.1.
var errNotHTTP1 = errors.New("proxy: backend negotiated a protocol other than HTTP/1.1 (ALPN)")

// newDirectConn wraps a new connection to addr.
func newDirectConn(p *directPool, addr string, c net.Conn) (*directConn, error) {
	pc := &directConn{pool: p, addr: addr, conn: c}
	under := c
	if tc, ok := c.(*tls.Conn); ok {
		st := tc.ConnectionState()
		if proto := st.NegotiatedProtocol; proto != "" && proto != "http/1.1" {
			c.Close()
			return nil, fmt.Errorf("%w: %q", errNotHTTP1, proto)
		}
		pc.tls, pc.tlsState = tc, &st
		under = tc.NetConn()
	}
	if sc, ok := under.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			pc.peek.raw = raw
		}
	}
	pc.limit.r = c
	pc.br = bufio.NewReader(&pc.limit)
	pc.bw = bufio.NewWriter(c)
	return pc, nil
}

// unsolicited reports whether the idle connection holds bytes no request
// asked for, or was closed by the backend. A response followed by more
// bytes than it announced (a HEAD answered with a body, a wrong
// Content-Length) leaves them behind, in the read buffer, in the TLS
// layer's or in the socket; read as the next request's response, they would
// give one client what was meant for nobody, or another client's answer.
// http.Transport keeps a reader on idle connections for this; here one
// non-blocking look at the socket per reuse does it.
func (pc *directConn) unsolicited() bool {
	if pc.br.Buffered() > 0 {
		return true
	}
	if pc.tls != nil {
		// Decrypted bytes wait in the TLS layer, out of the socket's
		// sight. A read that may not block answers from them, or times
		// out at once (the poller does not even try the socket).
		pc.tls.SetReadDeadline(aLongTimeAgo)
		_, err := pc.br.Peek(1)
		pc.tls.SetReadDeadline(time.Time{})
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return true
		}
	}
	return pc.peek.pending()
}

func (pc *directConn) close() { pc.conn.Close() }

// abort makes the connection's blocked reads and writes return; it runs
// when the request's context is canceled.
func (pc *directConn) abort() { pc.conn.SetDeadline(aLongTimeAgo) }

// exchange writes req and reads the response's headers. stale reports
// that the connection was a kept one and failed before any byte of a
// response came back, so that the request can be sent again elsewhere.
// On an error, and on a panic of got1xx, the connection is closed: what
// is left on it can never be read as another request's response.
func (pc *directConn) exchange(ctx context.Context, req *http.Request, got1xx func(int, textproto.MIMEHeader) error) (res *http.Response, stale bool, err error) {
	stop := context.AfterFunc(ctx, pc.abort)
	handedOver := false
	defer func() {
		if !handedOver {
			stop()
			pc.close()
		}
	}()
	werr := req.Write(pc.bw)
	if werr == nil {
		werr = pc.bw.Flush()
	}
	if werr != nil {
		// A backend may answer before it has read the whole request (431
		// to headers too large) and close the connection, which fails the
		// rest of the write. Its answer is then waiting to be read, as
		// http.Transport, reading while it writes, would. Errors other
		// than the connection's came before any byte was written.
		var ne net.Error
		if ctx.Err() != nil || !errors.As(werr, &ne) {
			return nil, pc.reused, werr
		}
	}
	// Interim responses share the header budget with the final one, so
	// that a backend cannot keep the proxy reading them without end.
	pc.limit.n = pc.pool.maxHeaderBytes
	for interim := 0; ; interim++ {
		if _, err := pc.br.Peek(1); err != nil {
			if werr != nil {
				err = werr
			}
			return nil, pc.reused && interim == 0, err
		}
		res, err = http.ReadResponse(pc.br, req)
		if err != nil {
			return nil, false, err
		}
		if res.StatusCode >= 200 {
			break
		}
		if err := checkStatus(res.StatusCode); err != nil {
			return nil, false, err
		}
		if res.StatusCode == http.StatusSwitchingProtocols {
			return nil, false, errUnasked101
		}
		if got1xx != nil {
			if err := got1xx(res.StatusCode, textproto.MIMEHeader(res.Header)); err != nil {
				return nil, false, err
			}
		}
	}
	pc.limit.n = math.MaxInt64
	res.TLS = pc.tlsState
	// A connection the request could not be written to whole is done.
	keep := !res.Close && werr == nil
	handedOver = true
	if res.Body == nil || res.Body == http.NoBody {
		pc.release(keep && !announcesMissingBody(req, res), stop)
		return res, false, nil
	}
	// One directBody per response, not one per connection: a late Close
	// of this body must not reach the next request on the connection.
	res.Body = &directBody{pc: pc, r: res.Body, stop: stop, keep: keep}
	return res, false, nil
}

// release gives the connection back to the pool when keep allows and its
// request was not canceled, and closes it otherwise.
func (pc *directConn) release(keep bool, stop func() bool) {
	if !stop() {
		keep = false // abort ran or runs: the connection's deadline is gone
	}
	if keep && pc.br.Buffered() == 0 {
		pc.pool.put(pc)
		return
	}
	pc.close() // bytes after the response would be read as the next one's
}

// directBody is a response body read from a directConn: at its end the
// connection goes back to the pool.
type directBody struct {
	pc   *directConn // nil once released
	r    io.ReadCloser
	stop func() bool
	keep bool
}

func (b *directBody) Read(p []byte) (int, error) {
	if b.pc == nil {
		return b.r.Read(p) // the body's own answer: EOF, or read after close
	}
	n, err := b.r.Read(p)
	if err != nil {
		b.finish(err == io.EOF && b.keep)
	}
	return n, err
}

// Close releases the connection. A body closed before its end leaves the
// connection in the middle of a response, so the connection is closed
// first, as http.Transport does: net/http's body would otherwise read the
// rest of the response, which for a stream never ends.
func (b *directBody) Close() error {
	if pc := b.pc; pc != nil {
		b.pc = nil
		b.stop()
		pc.close()
	}
	b.r.Close() // at its end, or failing on the closed connection
	return nil
}

func (b *directBody) finish(keep bool) {
	pc := b.pc
	b.pc = nil
	pc.release(keep, b.stop)
}

// readLimit reads from r until n bytes are read, then fails.
type readLimit struct {
	r io.Reader
	n int64
}

func (l *readLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
