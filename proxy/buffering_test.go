package proxy

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestResponsesStreamUnlessBuffered checks proxy-buffering: by default each
// piece of a response reaches the client as soon as the backend sends it,
// even with a Content-Length (which Go's ReverseProxy would otherwise
// buffer); the backend here sends its second half only after the client
// has read the first, so the test would hang, not pass, without flushing.
func TestResponsesStreamUnlessBuffered(t *testing.T) {
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(10))
		io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "-last")
	}))
	defer be.Close()
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("be", be)}))})
	front := httptest.NewServer(h)
	defer front.Close()

	res, err := http.Get(front.URL + "/")
	require.NoError(t, err)
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	first := make([]byte, 5)
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(br, first); done <- err }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(4 * time.Second):
		t.Fatal("the first half of the response was held back by the proxy")
	}
	require.Equal(t, "first", string(first))
	close(release)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	require.Equal(t, "-last", string(rest))
}
