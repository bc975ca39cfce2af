package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClientThatStopsReadingIsCutOff checks that a client which stops
// reading a streamed response does not hold the proxy forever: once the
// proxy has been stuck writing to it for the read timeout, the write is
// abandoned and the handler returns (nginx's send_timeout). Without that,
// the handler stays blocked in Write and the test times out.
func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	chunk := make([]byte, 64<<10)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 4096; i++ { // at most 256 MiB, far more than socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer be.Close()
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("be", be), ReadTimeout: 200 * time.Millisecond}))})
	returned := make(chan struct{}, 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ReverseProxy aborts a response it cannot finish with a panic of
		// http.ErrAbortHandler, which the server swallows.
		defer func() { returned <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))
	defer front.Close()

	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, status, "200")
	// Now read nothing more.
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still writing to a client that stopped reading")
	}
}
