package tlsconfig

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// handshake is what a test server saw of one connection.
type handshake struct {
	sni   string              // server name the client sent, "" for none
	state tls.ConnectionState // server side, after the handshake
	err   error               // server-side handshake error
}

// serveTLS starts a TLS server with cfg on 127.0.0.1 that completes a
// handshake per connection, reports it, and closes the connection.
func serveTLS(tb testing.TB, cfg *tls.Config) (addr string, seen <-chan handshake) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	ch := make(chan handshake, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				var h handshake
				c := cfg.Clone()
				c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
					h.sni = hello.ServerName
					return nil, nil
				}
				tc := tls.Server(conn, c)
				tc.SetDeadline(time.Now().Add(10 * time.Second))
				h.err = tc.Handshake()
				h.state = tc.ConnectionState()
				ch <- h
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// dialTLS connects to addr with cfg exactly as given (unlike tls.Dial, it
// does not fill an empty ServerName) and returns the client's view.
func dialTLS(tb testing.TB, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	tc := tls.Client(conn, cfg)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	err = tc.Handshake()
	return tc.ConnectionState(), err
}

// leafName names a certificate in failure messages.
func leafName(c *tls.Certificate) string {
	if c == nil {
		return "<nil>"
	}
	if l := leafOf(c); l != nil {
		return l.Subject.CommonName
	}
	return "<unparsable>"
}
