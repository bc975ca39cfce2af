package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Mirror sends copies of a route's requests to another upstream, as
// Gateway API's RequestMirror filter does: fire and forget. The copy is
// the request as it is sent to the route's backend (headers edited, path
// rewritten, forwarding headers set), sent to one endpoint of the mirror;
// its response is read and discarded. A mirror never delays nor fails the
// request it copies: copies beyond MaxMirrorsInFlight, of requests whose
// body is larger than MaxMirrorBodyBytes or not read to its end, and of
// upgrade requests are not sent, and a mirror that fails is only logged
// (at debug level). Close cancels the copies in flight.
type Mirror struct {
	// Upstream receives the copies. An Upstream with Status set (a
	// stand-in for a backend that could not be resolved), or without
	// endpoints, receives none.
	Upstream *Upstream
	// Numerator out of Denominator is the share of the requests copied,
	// drawn per request (Gateway API's percent is Numerator out of 100,
	// its fraction the same two numbers). Denominator 0 copies every
	// request.
	Numerator, Denominator int
}

// Bounds of mirroring, so that copies cannot exhaust the proxy.
const (
	// MaxMirrorsInFlight bounds the copies being sent at once by one
	// Handler; a copy beyond it is dropped.
	MaxMirrorsInFlight = 128
	// MaxMirrorBodyBytes bounds the request body kept for copies; the
	// requests with a larger body are not copied.
	MaxMirrorBodyBytes = 1 << 20
)

// checkMirrors returns what is wrong with rt.Mirrors themselves.
func checkMirrors(rt *Route) []error {
	var errs []error
	for i, m := range rt.Mirrors {
		if m.Numerator < 0 || m.Denominator < 0 || m.Denominator > 0 && m.Numerator > m.Denominator {
			//lint:ignore ST1005 the message starts with the field path it is about, as every check of this package does
			errs = append(errs, fmt.Errorf("Mirrors[%d]: Numerator %d out of Denominator %d is not a share", i, m.Numerator, m.Denominator))
		}
	}
	return errs
}

// sampled draws whether a request is copied.
func (m *Mirror) sampled() bool {
	return m.Denominator <= 0 || rand.IntN(m.Denominator) < m.Numerator
}

// mirrorRunner runs a Handler's copies: it bounds them, and Close cancels
// and waits for them.
type mirrorRunner struct {
	ctx      context.Context // canceled by close
	cancel   context.CancelFunc
	inFlight atomic.Int32

	mu     sync.Mutex // guards closed against wg.Add after close
	closed bool
	wg     sync.WaitGroup
}

func (m *mirrorRunner) init() {
	m.ctx, m.cancel = context.WithCancel(context.Background())
}

// launch runs send on its own goroutine unless the runner is full or
// closed, and reports whether it did.
func (m *mirrorRunner) launch(send func(context.Context)) bool {
	if m.inFlight.Add(1) > MaxMirrorsInFlight {
		m.inFlight.Add(-1)
		return false
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.inFlight.Add(-1)
		return false
	}
	m.wg.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.wg.Done()
		defer m.inFlight.Add(-1)
		send(m.ctx)
	}()
	return true
}

// close cancels the copies in flight, waits for them to end, and lets no
// new one start.
func (m *mirrorRunner) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

// mirrorCopy is one copy to send.
type mirrorCopy struct {
	up  *upstream
	te  *transportEntry
	req *http.Request
}

// mirror prepares the copies of out, the request about to be sent to the
// backend, for the route's mirrors that sample it. A bodiless request is
// copied at once; otherwise out's body is wrapped so that the copies
// leave with the body once it has been read to its end.
func (rc *reqCtx) mirror(out *http.Request) {
	hasBody := out.Body != nil && out.Body != http.NoBody
	if hasBody && out.ContentLength > MaxMirrorBodyBytes {
		// Before choosing endpoints: a copy that is never sent must not
		// move a mirror's balancing on.
		rc.log(slog.LevelDebug, "proxy: request not mirrored: its body is too large", nil)
		return
	}
	var copies []mirrorCopy
	for i, up := range rc.rt.mirrors {
		if !rc.rt.route.Mirrors[i].sampled() {
			continue
		}
		up = up.current()
		if up.spec.Status != 0 {
			continue
		}
		pick, ok := rc.h.choose(up, rc.in, rc.peer, rc.path, false)
		if !ok {
			continue
		}
		te := up.transport(rc.in.TLS != nil)
		u := *out.URL
		u.Scheme, u.Host = te.scheme, pick.endpoint
		req := &http.Request{
			Method:        out.Method,
			URL:           &u,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        out.Header.Clone(),
			Host:          out.Host,
			ContentLength: out.ContentLength,
			Body:          http.NoBody,
		}
		copies = append(copies, mirrorCopy{up: up, te: te, req: req})
	}
	if len(copies) == 0 {
		return
	}
	if !hasBody {
		rc.sendCopies(copies, nil)
		return
	}
	out.Body = &teeBody{r: out.Body, rc: rc, copies: copies}
}

// sendCopies sends the copies, with body (nil: none).
func (rc *reqCtx) sendCopies(copies []mirrorCopy, body []byte) {
	h, route, timeout := rc.h, rc.rt.route.Name, rc.rt.readTimeout
	for _, c := range copies {
		if body != nil {
			c.req.ContentLength = int64(len(body))
		}
		if !h.mirrors.launch(func(ctx context.Context) { h.sendCopy(ctx, route, timeout, c, body) }) {
			h.logger().LogAttrs(rc.client, slog.LevelDebug, "proxy: request not mirrored: too many copies in flight",
				slog.String("route", route), slog.String("mirror", c.up.name))
		}
	}
}

// sendCopy sends one copy and discards the answer. The whole copy is
// bounded by the route's read timeout, so that a silent mirror does not
// hold its place for long.
func (h *Handler) sendCopy(ctx context.Context, route string, timeout time.Duration, c mirrorCopy, body []byte) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := c.req.WithContext(ctx)
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	var res *http.Response
	var err error
	if rt := c.up.wrapped(c.te == c.up.teTLS); rt != nil {
		res, err = rt.RoundTrip(req)
	} else {
		res, err = c.te.send(req, nil)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			h.logger().LogAttrs(ctx, slog.LevelDebug, "proxy: mirrored request failed",
				slog.String("route", route), slog.String("mirror", c.up.name), slog.Any("error", err))
		}
		return
	}
	discard(res.Body)
}

// teeBody is a request body on its way to the backend that keeps a copy
// for the mirrors, up to MaxMirrorBodyBytes, and sends them once it has
// been read to its end.
type teeBody struct {
	r      io.ReadCloser
	rc     *reqCtx
	copies []mirrorCopy
	buf    []byte
	done   bool // sent, or given up
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.done {
		return n, err
	}
	if len(b.buf)+n > MaxMirrorBodyBytes {
		b.done, b.buf = true, nil
		b.rc.log(slog.LevelDebug, "proxy: request not mirrored: its body is too large", nil)
		return n, err
	}
	b.buf = append(b.buf, p[:n]...)
	switch {
	case err == io.EOF:
		b.done = true
		b.rc.sendCopies(b.copies, b.buf)
	case err != nil:
		b.done, b.buf = true, nil // a broken body is not copied
	}
	return n, err
}

func (b *teeBody) Close() error { return b.r.Close() }
