package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/internal/testpki"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// echoUpgrade is a WebSocket-style backend: it hijacks the connection
// after a 101 and echoes bytes back. Hijacking works over HTTP/1.1 only, so
// it also proves the proxy did not use HTTP/2 for the upgrade.
var echoUpgrade = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "websocket" {
		http.Error(w, "want an upgrade, got "+r.Proto, 400)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack "+r.Proto, 500)
		return
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Seen-Host: %s\r\n\r\n", r.Host)
	brw.Flush()
	io.Copy(c, brw)
})

func TestUpgrade(t *testing.T) {
	ca := testpki.NewCA(t, "backend CA")
	plain := httptest.NewServer(echoUpgrade)
	defer plain.Close()
	secure := httptest.NewUnstartedServer(echoUpgrade)
	secure.EnableHTTP2 = true
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{*ca.Issue(t, "ws.example")}, NextProtos: []string{"h2", "http/1.1"}}
	secure.Config.ErrorLog = log.New(io.Discard, "", 0)
	secure.StartTLS()
	defer secure.Close()
	verified := tlsconfig.Client{ServerName: "ws.example", RootCAs: ca.Pool()}

	for _, tt := range []struct {
		name string
		up   *Upstream
	}{
		{"HTTP", &Upstream{Name: "ws", Endpoints: []string{addr(plain)}}},
		{"HTTPS", &Upstream{Name: "wss", Protocol: HTTPS, Endpoints: []string{addr(secure)}, TLS: verified}},
		{"HTTPS without SNI", &Upstream{Name: "wss", Protocol: HTTPS, Endpoints: []string{addr(secure)},
			TLS: tlsconfig.Client{ServerName: "ws.example", RootCAs: ca.Pool(), DisableSNI: true}}},
		// With h2 offered the handshake must still go over HTTP/1.1, the
		// only protocol echoUpgrade can hijack.
		{"HTTPS offering h2", &Upstream{Name: "wss", Protocol: HTTPS, Endpoints: []string{addr(secure)},
			TLS: tlsconfig.Client{ServerName: "ws.example", RootCAs: ca.Pool(), NextProtos: []string{"h2", "http/1.1"}}}},
		{"HTTPS offering h2 without SNI", &Upstream{Name: "wss", Protocol: HTTPS, Endpoints: []string{addr(secure)},
			TLS: tlsconfig.Client{ServerName: "ws.example", RootCAs: ca.Pool(), DisableSNI: true, NextProtos: []string{"h2", "http/1.1"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: tt.up}))})
			c, br, res := upgradeThrough(t, h)
			if res.StatusCode != 101 {
				body, _ := io.ReadAll(res.Body)
				t.Fatalf("status %d %q, want 101; log:\n%s", res.StatusCode, body, logs)
			}
			if got := res.Header.Get("X-Seen-Host"); got != "chat.example" {
				t.Errorf("backend saw Host %q, want chat.example", got)
			}
			checkEcho(t, c, br, "hello", "again")
		})
	}
}

// upgradeThrough serves h, asks it for a WebSocket upgrade of /chat on
// chat.example over a new connection, and returns the connection, its
// reader and the response. The connection is closed when the test ends.
func upgradeThrough(t *testing.T, h http.Handler) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := net.Dial("tcp", addr(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /chat HTTP/1.1\r\nHost: chat.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, br, res
}

// checkEcho sends each message on an upgraded connection to echoUpgrade
// and checks that it comes back.
func checkEcho(t *testing.T, c net.Conn, br *bufio.Reader, msgs ...string) {
	t.Helper()
	for _, msg := range msgs {
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q: got %q, %v", msg, buf, err)
		}
	}
}

// TestGRPCStream streams over h2c both ways through the proxy, which must
// forward each message as it comes and pass the trailers through.
func TestGRPCStream(t *testing.T) {
	h2c := new(http.Protocols)
	h2c.SetHTTP1(true)
	h2c.SetUnencryptedHTTP2(true)

	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2, got "+r.Proto, 400)
			return
		}
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.Header().Set("Content-Type", "application/grpc")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		br := bufio.NewReader(r.Body)
		n := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				break
			}
			n++
			io.WriteString(w, "echo "+line)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("Grpc-Status", "0")
		w.Header().Set("Grpc-Message", fmt.Sprintf("%d messages", n))
	}))
	be.Config.Protocols = h2c
	be.Start()
	defer be.Close()

	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: &Upstream{Name: "grpc", Protocol: GRPC, Endpoints: []string{addr(be)}}}))})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = h2c
	srv.Start()
	defer srv.Close()

	clientProtos := new(http.Protocols)
	clientProtos.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: clientProtos}}
	defer client.CloseIdleConnections()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", srv.URL+"/pkg.Service/Chat", pr)
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %d %q; log:\n%s", res.Proto, res.StatusCode, body, logs)
	}
	br := bufio.NewReader(res.Body)
	for _, msg := range []string{"one", "two", "three"} {
		// Each reply must arrive before the next message is sent.
		io.WriteString(pw, msg+"\n")
		line, err := br.ReadString('\n')
		if want := "echo " + msg + "\n"; line != want || err != nil {
			t.Fatalf("reply %q, %v; want %q", line, err, want)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("end of stream: %q, %v", rest, err)
	}
	if got := res.Trailer.Get("Grpc-Status"); got != "0" {
		t.Errorf("trailer Grpc-Status %q, want 0 (trailers %v)", got, res.Trailer)
	}
	if got := res.Trailer.Get("Grpc-Message"); got != "3 messages" {
		t.Errorf("trailer Grpc-Message %q, want %q", got, "3 messages")
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
}

// brokenClient is a ResponseWriter whose connection, once taken over,
// refuses every write, as a client gone during a protocol switch does.
type brokenClient struct {
	header http.Header
	conn   net.Conn
}

func (w *brokenClient) Header() http.Header         { return w.header }
func (w *brokenClient) Write(b []byte) (int, error) { return 0, io.ErrClosedPipe }
func (w *brokenClient) WriteHeader(int)             {}
func (w *brokenClient) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}

// TestUpgradeClientWriteFails: when the 101 answer cannot be written to the
// client, the switch ends there and says why, instead of relaying bytes
// over a connection whose client never learned of the switch.
func TestUpgradeClientWriteFails(t *testing.T) {
	be := httptest.NewServer(echoUpgrade)
	defer be.Close()
	h, logs := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: upstreamOf("ws", be)}))})
	client, peer := net.Pipe()
	peer.Close() // every write on client now fails
	req := httptest.NewRequest("GET", "/chat", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	h.ServeHTTP(&brokenClient{header: http.Header{}, conn: client}, req)
	if !logs.Contains("relaying the protocol switch to the client") {
		t.Errorf("the failed write of the 101 answer went unnoticed; log:\n%s", logs)
	}
}
