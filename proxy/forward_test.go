package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"testing"
	"time"
)

// proxyTo serves h over loopback with one catch-all route to backend.
func proxyTo(t *testing.T, backend http.Handler) *httptest.Server {
	t.Helper()
	be := httptest.NewServer(backend)
	t.Cleanup(be.Close)
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("be", be)}))})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// rawExchange sends raw (a request head) to srv and returns the response.
func rawExchange(t *testing.T, srv *httptest.Server, raw string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestHopByHopHeaders(t *testing.T) {
	srv := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, k := range []string{"Keep-Alive", "Proxy-Authorization", "X-Dropped", "Te", "User-Agent", "X-Kept"} {
			if v, ok := r.Header[k]; ok {
				w.Header()["Seen-"+k] = v
			}
		}
		w.Header().Set("Connection", "X-Backend-Private")
		w.Header().Set("X-Backend-Private", "secret")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Backend-Public", "ok")
	}))
	for _, tt := range []struct {
		name    string
		headers string
		want    map[string]string // at the backend, "" for absent
	}{
		{"hop-by-hop and Connection-listed dropped",
			"Connection: keep-alive, x-dropped\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic eDp5\r\nX-Dropped: 1\r\nX-Kept: 1\r\nUser-Agent: curl/8\r\n",
			map[string]string{"Keep-Alive": "", "Proxy-Authorization": "", "X-Dropped": "", "X-Kept": "1", "User-Agent": "curl/8", "Te": ""}},
		{"Te: trailers kept, other codings not",
			"Te: gzip, trailers\r\n",
			map[string]string{"Te": "trailers"}},
		{"Te without trailers dropped",
			"Te: gzip\r\n",
			map[string]string{"Te": ""}},
		{"no User-Agent: none sent, not Go's",
			"",
			map[string]string{"User-Agent": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := rawExchange(t, srv, "GET / HTTP/1.1\r\nHost: foo.com\r\n"+tt.headers+"\r\n")
			for k, want := range tt.want {
				if got := res.Header.Get("Seen-" + k); got != want {
					t.Errorf("backend saw %s %q, want %q", k, got, want)
				}
			}
			if res.Header.Get("X-Backend-Private") != "" || res.Header.Get("Keep-Alive") != "" {
				t.Errorf("hop-by-hop response headers reached the client: %v", res.Header)
			}
			if res.Header.Get("X-Backend-Public") != "ok" {
				t.Errorf("X-Backend-Public missing: %v", res.Header)
			}
		})
	}
}

func TestInterimResponses(t *testing.T) {
	srv := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("X-Final", "yes")
		io.WriteString(w, "done")
	}))
	var interim []int
	var links []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		interim = append(interim, code)
		links = append(links, h.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "GET", srv.URL+"/", nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if len(interim) != 1 || interim[0] != http.StatusEarlyHints || links[0] != "</style.css>; rel=preload; as=style" {
		t.Errorf("interim responses %v with Link %q, want one 103 with the backend's Link", interim, links)
	}
	if res.StatusCode != 200 || string(body) != "done" || res.Header.Get("X-Final") != "yes" {
		t.Errorf("final response %d %q %v", res.StatusCode, body, res.Header)
	}
	if res.Header.Get("Link") != "" {
		t.Errorf("the 103's Link leaked into the final response: %v", res.Header)
	}
}

// TestResponsesFlowAsTheyArrive: a piece of a response reaches the client
// while the backend is still working on the rest (nginx's proxy_buffering
// off), and a stream's headers reach it before any body. The backend
// waits for the client to have seen the first part, so a proxy that held
// it back would fail here instead of passing slowly.
func TestResponsesFlowAsTheyArrive(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header http.Header
		first  string // written and flushed before waiting; "" waits with headers only
	}{
		{"known length, first half", http.Header{"Content-Length": {"10"}}, "hello"},
		{"unknown length (chunked)", http.Header{}, "hello"},
		{"server-sent events, headers first", http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}}, ""},
		{"server-sent events, first event", http.Header{"Content-Type": {"Text/Event-Stream"}}, "data: 1\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(chan struct{})
			srv := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.WriteHeader(200)
				io.WriteString(w, tt.first)
				w.(http.Flusher).Flush()
				select {
				case <-seen:
				case <-time.After(10 * time.Second):
				}
				io.WriteString(w, "world")
			}))
			res, err := srv.Client().Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if tt.first != "" {
				got := make([]byte, len(tt.first))
				if _, err := io.ReadFull(res.Body, got); err != nil || string(got) != tt.first {
					t.Fatalf("first part %q, %v", got, err)
				}
			}
			close(seen)
			rest, _ := io.ReadAll(res.Body)
			if string(rest) != "world" {
				t.Errorf("rest %q, want %q", rest, "world")
			}
		})
	}
}

func TestTrailersNotAnnounced(t *testing.T) {
	srv := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "body")
		w.(http.Flusher).Flush() // chunked, so that trailers can follow
		w.Header().Set(http.TrailerPrefix+"X-Checksum", "abc")
	}))
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "body" || res.Trailer.Get("X-Checksum") != "abc" {
		t.Errorf("body %q, trailers %v; want body and X-Checksum: abc", body, res.Trailer)
	}
}

func TestUpgradeToAnotherProtocolRefused(t *testing.T) {
	srv := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: tunnel\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
	}))
	for _, tt := range []struct {
		name, headers string
		want          int
	}{
		{"asked websocket, got tunnel", "Connection: Upgrade\r\nUpgrade: websocket\r\n", http.StatusBadGateway},
		{"asked nothing, got tunnel", "", http.StatusBadGateway},
		{"malformed protocol asked", "Connection: Upgrade\r\nUpgrade: web\x01socket\r\n", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := rawExchange(t, srv, "GET / HTTP/1.1\r\nHost: foo.com\r\n"+tt.headers+"\r\n")
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}

func TestIsEventStream(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/event-stream":                 true,
		"TEXT/EVENT-STREAM":                 true,
		"text/event-stream;charset=utf-8":   true,
		" text/event-stream ; charset=utf8": true,
		"text/event-streams":                false,
		"text/event":                        false,
		"application/json":                  false,
		"":                                  false,
	} {
		h := http.Header{}
		if ct != "" {
			h["Content-Type"] = []string{ct}
		}
		if got := isEventStream(h); got != want {
			t.Errorf("isEventStream(%q) = %v, want %v", ct, got, want)
		}
	}
}
