package proxy

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	var hits atomic.Int64
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		echoHandler("a").ServeHTTP(w, r)
	}))
	defer be.Close()
	up := upstreamOf("a", be)
	table := newTable(t,
		prefix("", "/", &Route{Upstream: up}),                        // Config.MaxBodyBytes
		prefix("", "/small", &Route{Upstream: up, MaxBodyBytes: 10}), // its own
		prefix("", "/any", &Route{Upstream: up, MaxBodyBytes: -1}),   // unlimited
	)
	h, _ := newHandler(t, Config{Table: table, MaxBodyBytes: 100})
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, tt := range []struct {
		name    string
		path    string
		size    int
		chunked bool
		code    int
		reached bool // the backend was asked
	}{
		{"declared within", "/", 100, false, 200, true},
		{"declared over", "/", 101, false, 413, false},
		{"route limit declared over", "/small", 11, false, 413, false},
		{"chunked within", "/", 100, true, 200, true},
		{"chunked over", "/", 64 << 10, true, 413, true},
		{"route limit chunked over", "/small", 11, true, 413, true},
		{"unlimited declared", "/any", 2 << 20, false, 200, true},
		{"unlimited chunked", "/any", 2 << 20, true, 200, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(bytes.Repeat([]byte("x"), tt.size))
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest("POST", srv.URL+tt.path, body)
			before := hits.Load()
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.code {
				t.Fatalf("POST %d bytes to %s: status %d, want %d: %s", tt.size, tt.path, res.StatusCode, tt.code, got)
			}
			if tt.code == 200 {
				if s := decode(t, got); s.BodyLen != int64(tt.size) {
					t.Errorf("backend read %d bytes, want %d", s.BodyLen, tt.size)
				}
			} else if !strings.HasPrefix(string(got), "413") {
				t.Errorf("body %q, want a 413 message", got)
			}
			if !tt.reached && hits.Load() != before {
				t.Errorf("the backend was asked for a request declared too large")
			}
		})
	}
}
