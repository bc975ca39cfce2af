package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// idleTimer enforces a route's send and read timeouts for one request: a
// deadline, pushed forward on every read of the request body and of the
// response, and one timer that cancels the outgoing request's context once
// the deadline has passed. So a stream lives as long as bytes keep coming,
// and a silent peer is cut off after the timeout.
//
// While the request body is being sent, reads of it move the deadline to
// SendTimeout from now; once it is sent (or when there is none), the
// deadline is ReadTimeout after the last event: the request being sent,
// the response headers, a read of the response body. Routes with different
// timeouts share transports, which is why the timeouts are here and not on
// the http.Transport.
//
// Reads only store the new deadline, which costs a clock reading; the
// timer is never re-created: when it fires early it is reset to the time
// left, and it is reset when the deadline moves closer (from the send to
// the read phase). Timers are recycled across requests.
//
// A send timeout must also unblock the read of the client's body that the
// transport is waiting on (http.Transport returns only once it stops
// writing), so it sets the client connection's read deadline too.
type idleTimer struct {
	tm       *timer
	deadline atomic.Int64 // in clock() time
	sending  atomic.Bool  // the request body is still being sent
	// limit, when not 0, is the latest the deadline may be (see
	// Route.RequestTimeout and BackendTimeout); requestEnd is the
	// RequestTimeout's part of it.
	limit      atomic.Int64
	requestEnd int64

	mu    sync.Mutex // guards ended, and resetting tm after the request
	ended bool       // ServeHTTP returned: tm and the ResponseWriter are gone
}

// timer is a time.AfterFunc timer serving one request at a time.
type timer struct {
	t  *time.Timer
	rc atomic.Pointer[reqCtx] // nil while in the pool
}

var timers sync.Pool // of *timer

// fire runs when the timer goes off. A late run, for a request that has
// since finished and whose timer was recycled, finds the new request's
// deadline in the future and only resets the timer.
func (tm *timer) fire() {
	if rc := tm.rc.Load(); rc != nil {
		rc.onTimer(tm)
	}
}

// epoch anchors clock on the monotonic clock.
var epoch = time.Now()

// clock returns monotonic time, for deadlines.
func clock() int64 { return int64(time.Since(epoch)) }

// timeoutError is the cause given to a request's context when its idle
// timer fires.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string { return e.msg }

// Timeout reports true: this is a timeout, in the sense of net.Error.
func (e *timeoutError) Timeout() bool { return true }

var (
	errSendTimeout = &timeoutError{"proxy: the request body stalled for longer than the send timeout (proxy-send-timeout)"}
	errReadTimeout = &timeoutError{"proxy: the backend sent nothing for longer than the read timeout (proxy-read-timeout)"}
)

// start wraps the body of out, the request about to be proxied, starts
// the idle timer and, for routes that buffer requests, reads the body. It
// reports false when it has answered the request itself (a body that
// could not be read); finish must be called in either case.
func (rc *reqCtx) start(out *http.Request, w http.ResponseWriter) bool {
	d := rc.rt.readTimeout
	if hasBody(out) {
		rc.reqBody = sendBody{rc: rc, r: limitBody(w, out.Body, out.ContentLength, rc.rt.maxBody)}
		out.Body = &rc.reqBody
		rc.idle.sending.Store(true)
		d = rc.rt.sendTimeout
	}
	now := clock()
	if rt := rc.rt.route; rt.RequestTimeout > 0 || rt.BackendTimeout > 0 {
		rc.startLimits(now)
		d = time.Duration(rc.capped(now+int64(d)) - now)
	}
	rc.idle.deadline.Store(now + int64(d))
	tm, _ := timers.Get().(*timer)
	if tm == nil {
		tm = new(timer)
		tm.t = time.AfterFunc(math.MaxInt64, tm.fire) // armed below, once tm.t is set
	}
	tm.rc.Store(rc)
	rc.idle.tm = tm
	tm.t.Reset(d)
	if rc.rt.route.BufferRequest && hasBody(out) && rc.te.key.proto != GRPC && rc.te.key.proto != GRPCS {
		return rc.bufferBody(out)
	}
	return true
}

// finish stops the timer, recycles it, and releases the request's
// context. Nothing resets the timer afterwards: the request's own late
// activity (the transport may still read the request body) only stores a
// deadline.
func (rc *reqCtx) finish() {
	rc.idle.mu.Lock()
	rc.idle.ended = true
	rc.idle.mu.Unlock()
	if rc.spool != nil {
		rc.spool.Close()
		os.Remove(rc.spool.Name())
	}
	rc.reqBody.closed.Store(true)
	tm := rc.idle.tm
	tm.t.Stop()
	tm.rc.Store(nil)
	timers.Put(tm)
	rc.cancel()
}

// touch records activity: the deadline moves to the timeout of the current
// phase from now. Within a phase deadlines only move later, so the timer
// is left alone.
func (rc *reqCtx) touch() {
	d := rc.rt.readTimeout
	if rc.idle.sending.Load() {
		d = rc.rt.sendTimeout
	}
	rc.idle.deadline.Store(rc.capped(clock() + int64(d)))
}

// toReadPhase ends the send phase, if not over yet: the deadline becomes
// ReadTimeout from now, which may be sooner than the timer is set for.
func (rc *reqCtx) toReadPhase() {
	if !rc.idle.sending.Swap(false) {
		rc.touch()
		return
	}
	now := clock()
	dl := rc.capped(now + int64(rc.rt.readTimeout))
	rc.idle.mu.Lock()
	defer rc.idle.mu.Unlock()
	rc.idle.deadline.Store(dl)
	if !rc.idle.ended {
		rc.idle.tm.t.Reset(time.Duration(dl - now))
	}
}

// onTimer expires the request if its deadline has passed, and otherwise
// resets the timer to the time left.
func (rc *reqCtx) onTimer(tm *timer) {
	rc.idle.mu.Lock()
	if rc.idle.ended {
		rc.idle.mu.Unlock()
		return
	}
	if left := rc.idle.deadline.Load() - clock(); left > 0 {
		tm.t.Reset(time.Duration(left))
		rc.idle.mu.Unlock()
		return
	}
	rc.idle.mu.Unlock()
	rc.expire()
}

// expire cancels the outgoing request, naming the timeout as the cause.
func (rc *reqCtx) expire() {
	if !rc.idle.sending.Load() {
		rc.timeout.Store(rc.cause(errReadTimeout))
		rc.cancel()
		if rc.responding.Load() || rc.interimWriting.Load() {
			// The response is on its way to the client, so no 504 can be
			// sent; or an interim response is, which a 504 can only follow
			// once it is out. If the proxy is stuck writing to a client
			// that stopped reading (no backend read moved the deadline
			// meanwhile), the write deadline frees it, as nginx's
			// send_timeout does; otherwise the canceled backend read ends
			// the response. got1xx checks for the cancel after marking
			// its write, so a write that starts after this check is not
			// made.
			rc.idle.mu.Lock()
			if !rc.idle.ended {
				_ = http.NewResponseController(rc.w).SetWriteDeadline(time.Now())
			}
			rc.idle.mu.Unlock()
		}
		return
	}
	rc.timeout.Store(rc.cause(errSendTimeout))
	rc.cancel()
	rc.idle.mu.Lock()
	defer rc.idle.mu.Unlock()
	if !rc.idle.ended {
		// Not supported by every ResponseWriter; the transport then waits
		// for the client's next bytes or its going away.
		_ = http.NewResponseController(rc.w).SetReadDeadline(time.Now())
	}
}

// timedOut returns the timeout that canceled the request, or nil.
func (rc *reqCtx) timedOut() *timeoutError { return rc.timeout.Load() }

// modifyResponse applies the route, then Config.ModifyResponse, to a
// backend's response before its headers are copied: the response headers
// are in, so the read timeout applies from now on, reset by every read of
// the response body. An error from Config.ModifyResponse is returned, the
// response body closed.
func (rc *reqCtx) modifyResponse(res *http.Response) error {
	rc.toReadPhase()
	rc.responding.Store(true)
	if rc.rt.intercept != nil {
		rc.interceptError(res)
	}
	if t := rc.rt.traffic; t != nil {
		t.modifyResponse(res)
	}
	rc.rt.route.rewriteResponseHeaders(res.Header, rc.in)
	if rc.cookie != "" {
		rc.setAffinityCookie(res.Header) // after the rewrites, which are for the backend's cookies
	}
	switch {
	case res.StatusCode == http.StatusSwitchingProtocols:
		rc.endLimits() // the exchange is over; the connection lives on
		// serveUpgrade needs the body to stay an io.ReadWriteCloser.
		if rwc, ok := res.Body.(io.ReadWriteCloser); ok {
			rc.upBody = upgradeBody{rc: rc, rwc: rwc}
			res.Body = &rc.upBody
		}
	case res.Body != nil && res.Body != http.NoBody:
		rc.resBody = recvBody{rc: rc, r: res.Body}
		res.Body = &rc.resBody
	}
	if f := rc.h.cfg.ModifyResponse; f != nil {
		if err := f(res); err != nil {
			if res.Body != nil {
				res.Body.Close()
			}
			return fmt.Errorf("proxy: ModifyResponse: %w", err)
		}
	}
	return nil
}

// sendBody is the request body on its way to the backend.
//
// Closing it does not close the client's body: http.Transport closes a
// request body when it fails to connect, and closing the server's body
// then would consume what the client has not sent yet (with Expect:
// 100-continue, forever). The server closes it after the handler. Reads
// after Close (the transport's writer can outlive the handler) fail.
type sendBody struct {
	rc     *reqCtx
	r      io.ReadCloser
	closed atomic.Bool
}

var errBodyClosed = errors.New("proxy: read of the request body after the handler returned")

func (b *sendBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errBodyClosed
	}
	n, err := b.r.Read(p)
	if b.rc.info != nil {
		atomic.AddInt64(&b.rc.info.bytesIn, int64(n))
	}
	switch {
	case err == io.EOF:
		b.rc.toReadPhase()
	case err != nil && isTooLarge(err):
		b.rc.tooLarge.Store(true)
	case n > 0:
		b.rc.touch()
	}
	return n, err
}

func (b *sendBody) Close() error {
	b.closed.Store(true)
	return nil
}

// recvBody is the response body on its way to the client.
type recvBody struct {
	rc *reqCtx
	r  io.ReadCloser
}

func (b *recvBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.rc.touch()
	}
	if err != nil && err != io.EOF {
		b.rc.responseAborted(err)
	}
	return n, err
}

func (b *recvBody) Close() error { return b.r.Close() }

// upgradeBody is the backend side of an upgraded connection (WebSocket):
// bytes from the backend reset the timer, so the connection is closed when
// the backend is silent for the read timeout, as nginx does.
type upgradeBody struct {
	rc  *reqCtx
	rwc io.ReadWriteCloser
}

func (b *upgradeBody) Read(p []byte) (int, error) {
	n, err := b.rwc.Read(p)
	if n > 0 {
		b.rc.touch()
	}
	return n, err
}

func (b *upgradeBody) Write(p []byte) (int, error) { return b.rwc.Write(p) }
func (b *upgradeBody) Close() error                { return b.rwc.Close() }

// responseAborted logs a response that broke off after its headers were
// sent: the client sees a truncated body or a reset stream.
func (rc *reqCtx) responseAborted(err error) {
	if rc.client.Err() != nil {
		rc.log(slog.LevelDebug, "proxy: client went away during the response", err)
		return
	}
	if te := rc.timedOut(); te != nil {
		rc.log(slog.LevelWarn, "proxy: backend timed out during the response", te, slog.Duration("timeout", rc.timeoutOf(te)))
		return
	}
	rc.log(slog.LevelWarn, "proxy: backend response aborted", err)
}
