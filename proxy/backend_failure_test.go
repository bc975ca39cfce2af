package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The failing-backend tests put a real http.Server in front of the proxy
// and real, misbehaving TCP servers behind it, so that what the client
// sees is what net/http makes of the proxy's answer on the wire.

// proxyServer serves h on loopback and returns its base URL.
func proxyServer(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// rawBackend accepts connections on loopback and gives each to serve,
// which owns it. It returns the address. At cleanup every connection still
// open is closed, so that serve functions blocked on a connection the
// proxy keeps idle return at once.
func rawBackend(tb testing.TB, serve func(net.Conn)) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound for a stuck test
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// readRequest reads one request, body included, from br.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	r, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, r.Body)
	return r, err
}

// reset closes c with a TCP RST instead of a FIN, as a crashing backend
// or a middlebox does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// TestBackendRefused: a refused connection is a 502 at once, not a wait
// for the connect timeout: the client gives up at the connect timeout, so
// it would see no answer at all if the proxy waited for it.
func TestBackendRefused(t *testing.T) {
	const connectTimeout = 10 * time.Second
	rt := &Route{Name: "refused", Upstream: &Upstream{Name: "gone", Endpoints: []string{freeAddr(t)}, ConnectTimeout: connectTimeout}}
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	base := proxyServer(t, h)
	client := &http.Client{Timeout: connectTimeout}
	res, err := client.Get(base + "/x")
	if err != nil {
		t.Fatalf("no answer within the connect timeout: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d (%q), want 502", res.StatusCode, body)
	}
	if !logs.Contains("connection refused") || !logs.Contains("upstream=gone") {
		t.Errorf("log does not say which backend refused:\n%s", logs)
	}
}

// TestBackendSilent: a backend that takes the connection and then says
// nothing — before reading the request, or after it — gets 504 once the
// read timeout has passed, and not before.
func TestBackendSilent(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	for _, tt := range []struct {
		name  string
		serve func(net.Conn)
	}{
		{"reads, never answers", func(c net.Conn) { readRequest(bufio.NewReader(c)); waitClosed(c) }},
		{"sends part of the headers", func(c net.Conn) {
			readRequest(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le")
			waitClosed(c)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := rawBackend(t, tt.serve)
			rt := &Route{Name: "silent", Upstream: &Upstream{Name: "silent", Endpoints: []string{be}}, ReadTimeout: readTimeout}
			h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
			base := proxyServer(t, h)
			start := time.Now()
			res, err := http.Get(base + "/x")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusGatewayTimeout {
				t.Errorf("status %d, want 504", res.StatusCode)
			}
			if waited := time.Since(start); waited < readTimeout {
				t.Errorf("504 after %v, before the read timeout of %v", waited, readTimeout)
			}
			if !logs.Contains("proxy-read-timeout") {
				t.Errorf("log does not name the read timeout:\n%s", logs)
			}
		})
	}
}

// waitClosed blocks until the peer closes c (or its deadline passes).
func waitClosed(c net.Conn) { io.Copy(io.Discard, c) }

// TestBackendResetMidBody: a backend that dies in the middle of its
// response body must never look, to the client, like a complete response:
// the declared length is not met, the chunked stream has no last chunk,
// or the connection ends with an error. A backend that ends a response of
// unknown length with a clean close, which is how such a response ends,
// is passed on complete.
func TestBackendResetMidBody(t *testing.T) {
	const part = "0123456789"
	for _, tt := range []struct {
		name     string
		head     string // status line and headers
		clean    bool   // close with FIN instead of RST
		complete bool   // the client must see a complete body
	}{
		{"declared length", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + part, false, false},
		{"declared length, clean close", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + part, true, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n" + part + "\r\n", false, false},
		{"chunked, clean close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n" + part + "\r\n", true, false},
		{"until close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + part, false, false},
		{"until close, clean close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + part, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := rawBackend(t, func(c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, tt.head)
				if tt.clean {
					c.Close()
					return
				}
				time.Sleep(20 * time.Millisecond) // lets the part reach the proxy before the RST discards it
				reset(c)
			})
			rt := &Route{Name: "dying", Upstream: &Upstream{Name: "dying", Endpoints: []string{be}}}
			h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
			base := proxyServer(t, h)

			// Through Go's client: an error (on the response, when the
			// proxy had not flushed the headers yet, or on the body), or
			// the whole body.
			var body []byte
			res, err := http.Get(base + "/x")
			if err == nil {
				body, err = io.ReadAll(res.Body)
				res.Body.Close()
			}
			switch {
			case tt.complete && (err != nil || string(body) != part):
				t.Errorf("complete response read as %q, %v", body, err)
			case !tt.complete && err == nil:
				t.Errorf("aborted response read as complete: status %d, body %q", res.StatusCode, body)
			}

			// On the wire: an aborted response carries no last chunk.
			raw := rawGet(t, base)
			if ended := strings.Contains(raw, "\r\n0\r\n\r\n"); ended != tt.complete {
				t.Errorf("response on the wire ends with a last chunk: %v, want %v:\n%q", ended, tt.complete, raw)
			}
			if !tt.complete && !logs.Contains("level=WARN") {
				t.Errorf("the aborted response was not logged:\n%s", logs)
			}
		})
	}
}

// rawGet sends a GET to base over a new connection and returns all that
// comes back until the proxy closes the connection.
func rawGet(tb testing.TB, base string) string {
	tb.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	return string(b)
}

// TestSlowBackendDoesNotBlockOthers: requests stuck on a slow route hold
// neither the handler nor the other routes, even those served by the same
// backend through the same transport: while many wait, another route
// answers every request.
func TestSlowBackendDoesNotBlockOthers(t *testing.T) {
	const stuck = 64
	release := make(chan struct{})
	var arrived atomic.Int32
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			echoHandler("fast").ServeHTTP(w, r)
			return
		}
		arrived.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer be.Close()
	h, _ := newHandler(t, Config{Table: newTable(t,
		prefix("", "/slow", &Route{Name: "slow", Upstream: upstreamOf("slow", be)}),
		prefix("", "/fast", &Route{Name: "fast", Upstream: upstreamOf("fast", be)}),
	)})
	base := proxyServer(t, h)
	client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()

	var wg sync.WaitGroup
	defer func() {
		close(release)
		wg.Wait() // before be.Close, which waits for its handlers
	}()
	for range stuck {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := client.Get(base + "/slow"); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	eventuallyTrue(t, "every slow request to reach the backend", func() bool { return arrived.Load() == stuck })
	for i := range 20 {
		res, err := client.Get(base + "/fast")
		if err != nil {
			t.Fatalf("fast request %d with %d stuck: %v", i, stuck, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || decode(t, body).Backend != "fast" {
			t.Fatalf("fast request %d with %d stuck: status %d, %q", i, stuck, res.StatusCode, body)
		}
	}
}

// eventuallyTrue polls cond for at most 10 seconds.
func eventuallyTrue(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetriesNeverRepeatNonIdempotent: with proxy-next-upstream on errors
// and on 502, a request that fails on one endpoint is sent to the other —
// unless it is a POST, PATCH or LOCK, which a backend may have acted on
// before failing: those are sent once, unless Retry.NonIdempotent says
// they may be repeated. Both endpoints count what they receive, so a
// repeat anywhere is seen, whichever endpoint the balancer picks first.
func TestRetriesNeverRepeatNonIdempotent(t *testing.T) {
	for _, failure := range []struct {
		name  string
		serve func(c net.Conn, br *bufio.Reader)
	}{
		{"502", func(c net.Conn, br *bufio.Reader) {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		}},
		{"reset after the request", func(c net.Conn, br *bufio.Reader) { reset(c) }},
	} {
		var got atomic.Int32
		var methods sync.Map
		fail := func(c net.Conn) {
			br := bufio.NewReader(c)
			r, err := readRequest(br)
			if err != nil {
				return
			}
			got.Add(1)
			methods.Store(r.Method, true)
			failure.serve(c, br)
		}
		endpoints := []string{rawBackend(t, fail), rawBackend(t, fail)}
		for _, tt := range []struct {
			method        string
			nonIdempotent bool
			want          int32
		}{
			{"GET", false, 2},
			{"PUT", false, 2},
			{"DELETE", false, 2},
			{"POST", false, 1},
			{"PATCH", false, 1},
			{"LOCK", false, 1},
			{"POST", true, 2},
			{"PATCH", true, 2},
		} {
			name := fmt.Sprintf("%s/%s/nonIdempotent=%v", failure.name, tt.method, tt.nonIdempotent)
			t.Run(name, func(t *testing.T) {
				rt := &Route{
					Name:          "retried",
					Upstream:      &Upstream{Name: "pair", Endpoints: endpoints},
					Retry:         Retry{OnError: true, OnStatus: []int{502}, NonIdempotent: tt.nonIdempotent},
					BufferRequest: true, // so that a body could be sent again
				}
				h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
				base := proxyServer(t, h)
				got.Store(0)
				req, _ := http.NewRequest(tt.method, base+"/order", strings.NewReader(`{"item":1}`))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusBadGateway {
					t.Errorf("status %d, want 502", res.StatusCode)
				}
				if n := got.Load(); n != tt.want {
					t.Errorf("the backends received the %s %d times, want %d", tt.method, n, tt.want)
				}
			})
		}
	}
}

// TestNoRepeatOnDeadKeepAlive: without any Retry, a POST sent on a kept-
// alive backend connection that the backend then drops is not sent again
// on a new connection; the proxy does that for idempotent requests only,
// which a GET shows.
func TestNoRepeatOnDeadKeepAlive(t *testing.T) {
	type delivery struct {
		method, attempt string
		reused          bool // not the first request on its connection
	}
	var mu sync.Mutex
	var got []delivery
	// "/warm" is answered and its connection kept; "/order" is read and
	// its connection dropped unanswered.
	be := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for i := range 100 { // bounded; a connection ends at its first order
			r, err := readRequest(br)
			if err != nil {
				return
			}
			if r.URL.Path == "/warm" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			mu.Lock()
			got = append(got, delivery{r.Method, r.URL.RawQuery, i > 0})
			mu.Unlock()
			reset(c)
			return
		}
	})
	// Buffered, as ingress-nginx's default proxy-request-buffering is: the
	// body could be sent again, so only the method keeps it from being.
	rt := &Route{Name: "keepalive", Upstream: &Upstream{Name: "one", Endpoints: []string{be}}, BufferRequest: true}
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", rt))})
	base := proxyServer(t, h)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	// Whether an order goes on the warm connection depends on the
	// transport having put it back in its pool in time, so the test tries
	// several times and asks that the interesting case happened at least
	// once for each method.
	retried := map[string]int{}
	reusedOnce := map[string]bool{}
	for attempt := range 20 {
		for _, method := range []string{"POST", "GET"} {
			// The warm-up has the order's method: requests without a body
			// and with a replayable method keep their own connections
			// (see directPool), apart from http.Transport's.
			var body io.Reader
			if method == "POST" {
				body = strings.NewReader("x")
			}
			warm, _ := http.NewRequest(method, base+"/warm", body)
			if res, err := client.Do(warm); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			time.Sleep(5 * time.Millisecond) // lets the transport pool the warm connection
			if method == "POST" {
				body = strings.NewReader("x")
			}
			id := fmt.Sprint(attempt)
			req, _ := http.NewRequest(method, base+"/order?"+id, body)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadGateway {
				t.Errorf("%s %s: status %d, want 502", method, id, res.StatusCode)
			}
			var n int
			mu.Lock()
			for _, d := range got {
				if d.method == method && d.attempt == id {
					n++
					reusedOnce[method] = reusedOnce[method] || d.reused
				}
			}
			mu.Unlock()
			switch {
			case n == 0 || n > 2 || method == "POST" && n > 1:
				t.Fatalf("%s %s was received %d times", method, id, n)
			case n == 2:
				retried[method]++
			}
		}
	}
	if !reusedOnce["POST"] || retried["GET"] == 0 {
		t.Errorf("in 20 attempts, no POST went on a kept-alive connection (%v) or no GET was retried (%d): the test proved nothing", reusedOnce["POST"], retried["GET"])
	}
}
