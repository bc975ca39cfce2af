package proxy

// Tests of the direct path against hostile backends and clients, with the
// path through http.Transport alongside where both must behave alike: a
// GET without a body takes the direct path, a POST with one goes through
// http.Transport.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bothPaths are the two ways a request reaches an HTTP/1.1 backend.
var bothPaths = []struct {
	name   string
	method string
	body   string
}{
	{"direct", "GET", ""},
	{"transport", "POST", "body"},
}

// TestDirectStatusBelow100: a status line with a code below 100 is a
// malformed response, a 502 on both paths, never an interim response; the
// direct path closes the connection at once, so the bytes after it are
// never read as an answer.
func TestDirectStatusBelow100(t *testing.T) {
	const next = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!"
	for _, status := range []string{"099", "000", "+99"} {
		t.Run(status+"/pool", func(t *testing.T) {
			closed := make(chan error, 1)
			be := rawBackend(t, func(c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 "+status+" Low\r\nContent-Length: 43\r\n\r\n"+next)
				_, err := c.Read(make([]byte, 1))
				closed <- err
			})
			p := newDirectPool(&net.Dialer{})
			defer p.closeIdle()
			var interim []int
			req, _ := http.NewRequest("GET", "http://"+be+"/", nil)
			res, err := p.roundTrip(req, func(code int, _ textproto.MIMEHeader) error {
				interim = append(interim, code)
				return nil
			})
			if err == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				t.Errorf("got %d %q, want an error", res.StatusCode, b)
			}
			assert.ErrorIs(t, err, errBadStatus)
			assert.Empty(t, interim, "interim responses")
			select {
			case err := <-closed:
				assert.ErrorIs(t, err, io.EOF, "the backend connection was not closed")
			case <-time.After(5 * time.Second):
				t.Error("the backend connection is still open")
			}
		})
		for _, path := range bothPaths {
			t.Run(status+"/"+path.name, func(t *testing.T) {
				be := rawBackend(t, func(c net.Conn) {
					if _, err := readRequest(bufio.NewReader(c)); err != nil {
						return
					}
					io.WriteString(c, "HTTP/1.1 "+status+" Low\r\nContent-Length: 43\r\n\r\n"+next)
					io.Copy(io.Discard, c)
				})
				h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: &Upstream{Name: "be", Endpoints: []string{be}}}))})
				base := proxyServer(t, h)
				req, _ := http.NewRequest(path.method, base+"/", strings.NewReader(path.body))
				if path.body == "" {
					req.Body = nil
				}
				res, err := http.DefaultTransport.RoundTrip(req)
				require.NoError(t, err)
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				assert.Equal(t, http.StatusBadGateway, res.StatusCode, "body %q", b)
			})
		}
	}
}

// TestDirectLateBodyAfterBodilessAnswer: a HEAD, 204 or 304 answer that
// announces a body is not followed by one, by rule; a backend that sends
// it anyway, later than the idle check can see (100 ms here, the next
// request goes out after 20), would have it read as the next request's
// response. Such a connection is never kept. Answers that announce no
// body keep their connection.
func TestDirectLateBodyAfterBodilessAnswer(t *testing.T) {
	const evil = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!"
	for _, tt := range []struct {
		name, method, response string
		kept                   bool
	}{
		{"HEAD with a length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n", false},
		{"HEAD chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false},
		{"204 with a length", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 40\r\n\r\n", false},
		{"204 chunked", "GET", "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", false},
		{"304 with a length", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 40\r\n\r\n", false},
		{"HEAD with length 0", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"HEAD without a length", "HEAD", "HTTP/1.1 200 OK\r\n\r\n", true},
		{"204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", true},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var conns atomic.Int32
			be := rawBackend(t, func(c net.Conn) {
				n := conns.Add(1)
				br := bufio.NewReader(c)
				for i := 0; ; i++ {
					if _, err := readRequest(br); err != nil {
						return
					}
					if n > 1 || i > 0 {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
						continue
					}
					io.WriteString(c, tt.response)
					if !tt.kept {
						time.Sleep(100 * time.Millisecond)
						io.WriteString(c, evil)
					}
				}
			})
			p := newDirectPool(&net.Dialer{})
			defer p.closeIdle()
			res, err := directGet(t, p, context.Background(), tt.method, "http://"+be+"/")
			require.NoError(t, err)
			io.ReadAll(res.Body)
			res.Body.Close()
			time.Sleep(20 * time.Millisecond)
			res, err = directGet(t, p, context.Background(), "GET", "http://"+be+"/")
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, "fresh", string(b))
			want := int32(2)
			if tt.kept {
				want = 1
			}
			assert.Equal(t, want, conns.Load(), "connections")
		})
	}
}

// TestDirectRefusesInvalidHeaders: a request header HTTP/1.1 cannot carry
// (control characters in a value, a malformed name) never reaches the
// backend, on either path, as http.Transport refuses it. net/http's server
// refuses such requests itself; a program calling ServeHTTP may not.
func TestDirectRefusesInvalidHeaders(t *testing.T) {
	for _, tt := range []struct {
		name, key, value string
	}{
		{"NUL in a value", "X-Test", "a\x00b"},
		{"control character in a value", "X-Test", "a\x01b"},
		{"DEL in a value", "X-Test", "a\x7fb"},
		{"CR in a value", "X-Test", "a\rb"},
		{"space in a name", "X Test", "v"},
		{"colon in a name", "X:Test", "v"},
	} {
		for _, path := range bothPaths {
			t.Run(tt.name+"/"+path.name, func(t *testing.T) {
				var requests atomic.Int32
				be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					requests.Add(1)
				}))
				defer be.Close()
				h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("be", be)}))})
				req := httptest.NewRequest(path.method, "/", strings.NewReader(path.body))
				if path.body == "" {
					req.Body = http.NoBody
				}
				req.Header[tt.key] = []string{tt.value}
				w := serve(h, req)
				assert.Equal(t, http.StatusBadGateway, w.Code)
				assert.Zero(t, requests.Load(), "requests the backend got")
			})
		}
	}
}

// TestInvalidHeadersFailNoEndpoint: a request refused for its headers is
// the client's mistake: no endpoint is counted as failed for it.
func TestInvalidHeadersFailNoEndpoint(t *testing.T) {
	for _, path := range bothPaths {
		t.Run(path.name, func(t *testing.T) {
			a, b := newBackend(t, "a"), newBackend(t, "b")
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("ab", a, b)})), MaxFails: 1})
			req := httptest.NewRequest(path.method, "/", strings.NewReader(path.body))
			req.Header.Set("X-Test", "a\x00b")
			require.Equal(t, http.StatusBadGateway, serve(h, req).Code)
			seen := map[string]int{}
			for range 10 {
				w := serve(h, httptest.NewRequest(path.method, "/", strings.NewReader(path.body)))
				require.Equal(t, 200, w.Code)
				seen[decode(t, w.Body.Bytes()).Backend]++
			}
			assert.Equal(t, map[string]int{"a": 5, "b": 5}, seen, "an endpoint left the rotation")
		})
	}
}

// TestInterimToClientThatStopsReading: a backend sending interim responses
// (103) without end to a client that does not read them cannot hold the
// handler and the backend connection: the read timeout cuts the client
// off, as for a final response.
func TestInterimToClientThatStopsReading(t *testing.T) {
	link := "Link: </" + strings.Repeat("a", 64<<10) + ">\r\n"
	for _, path := range bothPaths {
		t.Run(path.name, func(t *testing.T) {
			backendDone := make(chan struct{})
			be := rawBackend(t, func(c net.Conn) {
				defer close(backendDone)
				if _, err := readRequest(bufio.NewReader(c)); err != nil {
					return
				}
				// Headers stay below the 10 MiB budget; the socket buffers
				// between here and the client hold far less.
				for range 150 {
					if _, err := io.WriteString(c, "HTTP/1.1 103 Early Hints\r\n"+link+"\r\n"); err != nil {
						return
					}
				}
				io.Copy(io.Discard, c) // until the proxy closes the connection
			})
			h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{
				Upstream: &Upstream{Name: "be", Endpoints: []string{be}}, ReadTimeout: 200 * time.Millisecond}))})
			returned := make(chan struct{})
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(returned)
				h.ServeHTTP(w, r)
			}))
			defer front.Close()
			c, err := smallWindowDialer.Dial("tcp", front.Listener.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			fmt.Fprintf(c, "%s / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", path.method, len(path.body), path.body)
			// Now read nothing.
			for name, done := range map[string]chan struct{}{"handler": returned, "backend connection": backendDone} {
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("the %s is still busy with a client that stopped reading", name)
				}
			}
		})
	}
}

// TestDirectEarlyResponse: a backend that answers before it has read the
// whole request (431 to headers too large) and closes the connection makes
// the rest of the request fail to be written; its answer is still read
// and returned, as http.Transport does, rather than an error.
func TestDirectEarlyResponse(t *testing.T) {
	be := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := br.ReadString('\n'); err != nil { // the request line only
			return
		}
		io.WriteString(c, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntoo large")
		c.(*net.TCPConn).CloseWrite()
		time.Sleep(10 * time.Millisecond)
		// Closing with the request unread sends a reset.
	})
	big := strings.Repeat("a", 8<<20)
	for i := range 20 {
		p := newDirectPool(&net.Dialer{})
		req, _ := http.NewRequest("GET", "http://"+be+"/", nil)
		req.Header.Set("X-Big", big)
		res, err := p.roundTrip(req, nil)
		require.NoError(t, err, "try %d", i)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		p.closeIdle()
		require.NoError(t, err, "try %d", i)
		assert.Equal(t, 431, res.StatusCode, "try %d", i)
		assert.Equal(t, "too large", string(b), "try %d", i)
		p.mu.Lock()
		assert.Empty(t, p.idle[be], "a connection that failed a write was kept")
		p.mu.Unlock()
	}
}

// TestInterimResponsesRelayed: interim responses reach HTTP/1.1 clients
// without hop-by-hop headers (Keep-Alive, and those their Connection header
// names), and never reach HTTP/1.0 clients, for which RFC 9110 (section
// 15.2) forbids them and which would read one as the final response.
func TestInterimResponsesRelayed(t *testing.T) {
	be := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nKeep-Alive: timeout=5\r\nConnection: X-Private\r\nX-Private: secret\r\n\r\n"+
				"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
		}
	})
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: &Upstream{Name: "be", Endpoints: []string{be}}}))})
	front := httptest.NewServer(h)
	defer front.Close()
	for _, proto := range []string{"HTTP/1.1", "HTTP/1.0"} {
		for _, path := range bothPaths {
			t.Run(proto+"/"+path.name, func(t *testing.T) {
				c, err := net.Dial("tcp", front.Listener.Addr().String())
				require.NoError(t, err)
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fmt.Fprintf(c, "%s / %s\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", path.method, proto, len(path.body), path.body)
				raw, err := io.ReadAll(c)
				require.NoError(t, err)
				head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
				if proto == "HTTP/1.0" {
					assert.True(t, strings.HasPrefix(string(raw), "HTTP/1.0 200 OK\r\n"), "the HTTP/1.0 client got %q", raw)
					return
				}
				assert.True(t, strings.HasPrefix(head, "HTTP/1.1 103 Early Hints\r\n"), "got %q", raw)
				tp := textproto.NewReader(bufio.NewReader(strings.NewReader(head[strings.Index(head, "\r\n")+2:] + "\r\n\r\n")))
				hdr, err := tp.ReadMIMEHeader()
				if err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				assert.Equal(t, "</a.css>", hdr.Get("Link"))
				for _, k := range []string{"Keep-Alive", "Connection", "X-Private"} {
					assert.Empty(t, hdr.Values(k), "%s in the 103", k)
				}
				assert.True(t, strings.HasSuffix(string(raw), "done"), "got %q", raw)
			})
		}
	}
}
