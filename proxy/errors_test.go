package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBackendErrors(t *testing.T) {
	// A free port: listen, then close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the proxy hanging up
		<-r.Context().Done()        // never answers; ends when the proxy gives up
	}))
	defer silent.Close()

	for _, tt := range []struct {
		name string
		rt   *Route
		body string
		code int
		log  string
	}{
		{"no endpoints", &Route{Upstream: &Upstream{Name: "none"}}, "", 503, "no ready endpoints"},
		{"connection refused", &Route{Upstream: &Upstream{Name: "gone", Endpoints: []string{refused}}}, "", 502, "connection refused"},
		{"no answer", &Route{Upstream: upstreamOf("silent", silent), ReadTimeout: 100 * time.Millisecond}, "", 504, "proxy-read-timeout"},
		// The long send timeout ends with the body: the read timeout applies.
		{"no answer after the body", &Route{Upstream: upstreamOf("silent", silent), ReadTimeout: 100 * time.Millisecond, SendTimeout: time.Hour}, "body", 504, "proxy-read-timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.rt.Name = "route " + tt.name
			h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", tt.rt))})
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			w := serve(h, httptest.NewRequest("POST", "/", body))
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if !strings.HasPrefix(w.Body.String(), fmt.Sprint(tt.code)) {
				t.Errorf("body %q, want a short message starting with the status", w.Body)
			}
			if !logs.Contains(tt.log) || !logs.Contains(`route="route `+tt.name) || !logs.Contains("upstream="+tt.rt.Upstream.Name) {
				t.Errorf("log lacks %q, the route or the upstream:\n%s", tt.log, logs)
			}
		})
	}
}

func TestClientGoneIsNotABackendError(t *testing.T) {
	started := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	defer be.Close()
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be), Name: "r"}))})
	srv := httptest.NewServer(h)
	defer srv.Close()

	c, err := net.Dial("tcp", addr(srv))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.Close()
	// The proxy's request ends when the backend's does.
	srv.Close()
	if s := logs.String(); strings.Contains(s, "level=ERROR") || strings.Contains(s, "level=WARN") {
		t.Errorf("client going away was logged as a problem:\n%s", s)
	}
	if !logs.Contains("client went away") {
		t.Errorf("no debug record of the client going away:\n%s", logs)
	}
}

func TestSendTimeout(t *testing.T) {
	be := newBackend(t, "a")
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("a", be), SendTimeout: 100 * time.Millisecond}))})
	srv := httptest.NewServer(h)
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", srv.URL, pr)
	go pw.Write([]byte("a few bytes, then nothing"))
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 504 {
		t.Errorf("status %d, want 504", res.StatusCode)
	}
	if !logs.Contains("proxy-send-timeout") {
		t.Errorf("log lacks proxy-send-timeout:\n%s", logs)
	}
}

// TestReadTimeoutIsIdle: an event stream outlives the read timeout as long
// as events come more often; a backend that stalls after its headers is cut
// off.
func TestReadTimeoutIsIdle(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 5 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			if r.URL.Path == "/stall" && i == 1 {
				<-r.Context().Done()
				return
			}
			time.Sleep(50 * time.Millisecond) // pacing the stream, not synchronisation
		}
	}))
	defer be.Close()
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("sse", be), ReadTimeout: 150 * time.Millisecond}))})
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	// Each event arrives on its own: the proxy flushes as it goes.
	br := bufio.NewReader(res.Body)
	for i := range 5 {
		line, err := br.ReadString('\n')
		if want := fmt.Sprintf("data: %d\n", i); line != want || err != nil {
			t.Fatalf("event %d: %q, %v; want %q", i, line, err, want)
		}
		br.ReadString('\n')
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("end of stream: %q, %v", rest, err)
	}
	res.Body.Close()

	res, err = srv.Client().Get(srv.URL + "/stall")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Errorf("stalled stream ended cleanly with %q, want an aborted response", got)
	}
	if !strings.HasPrefix(string(got), "data: 0\n\ndata: 1\n\n") {
		t.Errorf("stalled stream gave %q before it was cut", got)
	}
	if !logs.Contains("backend timed out during the response") {
		t.Errorf("log lacks the timeout:\n%s", logs)
	}
}
