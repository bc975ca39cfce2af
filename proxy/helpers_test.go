package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// seen is what an echo backend reports about the request it got.
type seen struct {
	Backend    string
	Host       string
	URI        string // RequestURI
	Proto      string
	ServerName string // TLS SNI, if TLS
	Header     http.Header
	BodyLen    int64
}

// echoHandler answers with a JSON seen.
func echoHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		s := seen{Backend: name, Host: r.Host, URI: r.RequestURI, Proto: r.Proto, Header: r.Header, BodyLen: n}
		if r.TLS != nil {
			s.ServerName = r.TLS.ServerName
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s)
	})
}

// newBackend starts an echo backend on 127.0.0.1.
func newBackend(tb testing.TB, name string) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(echoHandler(name))
	tb.Cleanup(srv.Close)
	return srv
}

// addr returns the "host:port" of srv.
func addr(srv *httptest.Server) string { return srv.Listener.Addr().String() }

// upstreamOf returns an HTTP upstream named name over the servers.
func upstreamOf(name string, srvs ...*httptest.Server) *Upstream {
	u := &Upstream{Name: name}
	for _, s := range srvs {
		u.Endpoints = append(u.Endpoints, addr(s))
	}
	return u
}

// newTable builds a table, failing the test on error.
func newTable(tb testing.TB, rules ...route.Rule) *route.Table {
	tb.Helper()
	t, err := route.New(rules)
	if err != nil {
		tb.Fatalf("route.New: %v", err)
	}
	return t
}

// prefix returns a Prefix rule for host and path to rt.
func prefix(host, path string, rt *Route) route.Rule {
	return route.Rule{Host: host, Path: path, Type: route.Prefix, Value: rt, Origin: "test " + host + path}
}

// newHandler returns a Handler for cfg, logging into the returned buffer.
func newHandler(tb testing.TB, cfg Config) (*Handler, *logBuffer) {
	tb.Helper()
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return h, logs
}

// serve runs r through h and returns the recorded response.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decode parses an echo backend's answer.
func decode(tb testing.TB, body []byte) seen {
	tb.Helper()
	var s seen
	if err := json.Unmarshal(body, &s); err != nil {
		tb.Fatalf("backend answer %q: %v", body, err)
	}
	return s
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Contains(s string) bool { return strings.Contains(b.String(), s) }

// trafficRuntime returns the runtime the Handler keeps for t, or nil.
func (h *Handler) trafficRuntime(t *Traffic) *trafficState {
	return h.state.Load().traffics.byPolicy.get(t)
}
