package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The slow-client tests attack the serving mode itself, with its own
// http.Server settings, shortened by flags so that the tests take
// seconds: -read-header-timeout and -idle-timeout of slowTimeout, and a
// route with proxy-send-timeout "1". Each attack runs while an ordinary
// client keeps making requests, which must all succeed.

const slowTimeout = 300 * time.Millisecond

// attackBound is how long an attacker's connection may live before the
// test calls the protection missing: many times the timeout, so that a
// busy machine never fails the test, and far below the attack's own
// length.
const attackBound = 20 * slowTimeout

// slowRig runs the server program in front of a backend that reports the
// length of the body it read.
type slowRig struct {
	addr, tlsAddr string // "host:port" of the plain and TLS listeners
	stop          func() int
}

func newSlowRig(t *testing.T) *slowRig {
	t.Helper()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "read %d", n)
	}))
	t.Cleanup(be.Close)
	dir := t.TempDir()
	manifest := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-send-timeout: "1"
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	addrs, _, stop := startServe(t, []string{
		"-f", dir, "-listen", "127.0.0.1:0", "-tls-listen", "127.0.0.1:0", "-watch-interval", "0", "-access-log=false",
		"-read-header-timeout", slowTimeout.String(), "-idle-timeout", slowTimeout.String(),
		"-backend", "default/web:80=" + be.URL,
	}, nil)
	rig := &slowRig{
		addr:    strings.TrimPrefix(addrs["http"], "http://"),
		tlsAddr: strings.TrimPrefix(addrs["https"], "https://"),
		stop:    stop,
	}
	t.Cleanup(func() {
		if code := rig.stop(); code != 0 {
			t.Errorf("exit code %d", code)
		}
	})
	return rig
}

// whileServing runs attack while an ordinary client makes requests, and
// fails t if any of them fails. The client makes at least one request
// after the attack has begun and one after it has returned.
func (rig *slowRig) whileServing(t *testing.T, attack func()) {
	t.Helper()
	// Each ordinary request has a connection of its own. A kept-alive one
	// sits idle between requests, and on a busy machine the pause can
	// reach the rig's short idle timeout: the server then rightly closes
	// it as the next POST is sent, which the client does not retry (POST
	// is not idempotent). Failures here must be the attack's doing.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: attackBound}
	defer client.CloseIdleConnections()
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for i := 0; i < 1000; i++ {
			res, err := client.Post("http://"+rig.addr+"/ok", "text/plain", strings.NewReader("hello"))
			if err != nil {
				errs <- fmt.Errorf("ordinary request %d: %w", i, err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != "read 5" {
				errs <- fmt.Errorf("ordinary request %d: status %d, %q", i, res.StatusCode, body)
				return
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond): // pacing, not synchronisation
			}
		}
	}()
	attack()
	close(done)
	if err := <-errs; err != nil {
		t.Error(err)
	}
}

// closedByServer waits until the server closes c, reading (and
// discarding) whatever it sends, and reports whether that happened within
// attackBound.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(attackBound))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// attackers opens n connections to addr and runs each through attack
// concurrently, then reports how many the server closed.
func attackers(t *testing.T, addr string, n int, attack func(net.Conn) bool) (closed int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			if attack(c) {
				mu.Lock()
				closed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return closed
}

// TestSlowloris: connections that send a request's headers a byte at a
// time, that send nothing at all, or that stall in the TLS handshake are
// closed by the server's read-header timeout, while other clients are
// served throughout.
func TestSlowloris(t *testing.T) {
	rig := newSlowRig(t)
	const n = 50
	for _, tt := range []struct {
		name   string
		addr   string
		attack func(net.Conn) bool
	}{
		{"headers a byte at a time", rig.addr, func(c net.Conn) bool {
			// Writes stop when the server closes the connection; the
			// loop itself would outlast attackBound by far.
			head := "GET / HTTP/1.1\r\nHost: example.com\r\nX-Slow: " + strings.Repeat("a", 1000)
			deadline := time.Now().Add(attackBound)
			for i := 0; i < len(head) && time.Now().Before(deadline); i++ {
				if _, err := c.Write([]byte{head[i]}); err != nil {
					return true
				}
				time.Sleep(slowTimeout / 10)
			}
			return closedByServer(c)
		}},
		{"nothing at all", rig.addr, closedByServer},
		{"half a request line", rig.addr, func(c net.Conn) bool {
			io.WriteString(c, "GET /")
			return closedByServer(c)
		}},
		{"stalled TLS handshake", rig.tlsAddr, func(c net.Conn) bool {
			// The first bytes of a ClientHello record, then nothing.
			c.Write([]byte{0x16, 0x03, 0x01, 0x02})
			return closedByServer(c)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var closed int
			rig.whileServing(t, func() { closed = attackers(t, tt.addr, n, tt.attack) })
			if closed != n {
				t.Errorf("the server closed %d of %d slow connections", closed, n)
			}
		})
	}
	// The TLS listener still serves once the attack is over.
	c, err := tls.Dial("tcp", rig.tlsAddr, &tls.Config{InsecureSkipVerify: true, ServerName: "example.com"})
	if err != nil {
		t.Fatalf("TLS after the attack: %v", err)
	}
	c.Close()
}

// TestSlowBodies: a body that keeps coming, however slowly, is read to
// its end, since uploads have no natural bound; a body that stalls for
// longer than the route's proxy-send-timeout is cut off with 408 and its
// connection closed. Other clients are served meanwhile.
func TestSlowBodies(t *testing.T) {
	rig := newSlowRig(t)
	const n = 20
	var trickled, stalled []string
	var mu sync.Mutex
	rig.whileServing(t, func() {
		var wg sync.WaitGroup
		for i := range 2 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", rig.addr)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(4 * attackBound))
				const body = "0123456789"
				io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n")
				if i%2 == 0 {
					// 10 bytes over 1.5 s: longer than the send timeout in
					// all, never idle for as long.
					for j := range len(body) {
						c.Write([]byte{body[j]})
						time.Sleep(150 * time.Millisecond)
					}
				} else {
					io.WriteString(c, body[:3]) // then nothing
				}
				res, err := http.ReadResponse(bufio.NewReader(c), nil)
				got := "no response: " + fmt.Sprint(err)
				if err == nil {
					b, _ := io.ReadAll(res.Body)
					got = fmt.Sprintf("%d %s close=%v", res.StatusCode, b, res.Close)
				}
				mu.Lock()
				defer mu.Unlock()
				if i%2 == 0 {
					trickled = append(trickled, got)
				} else {
					stalled = append(stalled, got)
				}
			}()
		}
		wg.Wait()
	})
	for _, got := range trickled {
		if got != "200 read 10 close=false" {
			t.Errorf("trickled body: %s, want 200 with all 10 bytes read", got)
		}
	}
	for _, got := range stalled {
		if !strings.HasPrefix(got, "408 ") || !strings.HasSuffix(got, "close=true") {
			t.Errorf("stalled body: %s, want 408 and the connection closed", got)
		}
	}
}

// TestIdleKeepAliveFlood: many clients that make one request each and
// then keep their connection open without a word have it closed by the
// server's idle timeout, while other clients are served throughout.
func TestIdleKeepAliveFlood(t *testing.T) {
	rig := newSlowRig(t)
	const n = 200
	var closed int
	rig.whileServing(t, func() {
		closed = attackers(t, rig.addr, n, func(c net.Conn) bool {
			io.WriteString(c, "GET /idle HTTP/1.1\r\nHost: example.com\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(attackBound))
			br := bufio.NewReader(c)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				return false
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || res.Close {
				return false // not the kept-alive connection this attack needs
			}
			_, err = br.ReadByte()
			return err == io.EOF
		})
	})
	if closed != n {
		t.Errorf("the server closed %d of %d idle connections", closed, n)
	}
}

// TestTimeoutFlagsMustBePositive: a zero timeout would mean none at all,
// so the program refuses it rather than serve without slowloris
// protection.
func TestTimeoutFlagsMustBePositive(t *testing.T) {
	for _, flag := range []string{"-read-header-timeout", "-idle-timeout"} {
		var stdout, stderr strings.Builder
		if code := run([]string{"-f", "../seed", "-listen", "127.0.0.1:0", flag, "0"}, &stdout, &stderr); code != 2 {
			t.Errorf("%s 0: exit code %d, want 2; stderr: %s", flag, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "must be positive") {
			t.Errorf("%s 0: stderr %q does not say why", flag, stderr.String())
		}
	}
}

// TestOversizedRequests: a request line or header section over the
// server's 1 MiB limit gets 431 and reaches no backend; one well under it
// is served.
func TestOversizedRequests(t *testing.T) {
	rig := newSlowRig(t)
	over := strings.Repeat("a", maxHeaderBytes+8<<10)
	under := strings.Repeat("a", 64<<10)
	for _, tt := range []struct {
		name, request string
		code          int
	}{
		{"long target", "GET /" + over + " HTTP/1.1\r\nHost: example.com\r\n\r\n", 431},
		{"long header", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Big: " + over + "\r\n\r\n", 431},
		{"long but allowed header", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Big: " + under + "\r\nConnection: close\r\n\r\n", 200},
	} {
		c, err := net.Dial("tcp", rig.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(attackBound))
		go io.WriteString(c, tt.request) // the server may answer before reading it all
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body, _ := io.ReadAll(res.Body)
		c.Close()
		if res.StatusCode != tt.code {
			t.Errorf("%s: status %d, want %d (%.60q)", tt.name, res.StatusCode, tt.code, body)
		}
		if reached := strings.HasPrefix(string(body), "read "); reached != (tt.code == 200) {
			t.Errorf("%s: reached the backend: %v, want %v (%.60q)", tt.name, reached, tt.code == 200, body)
		}
	}
}
