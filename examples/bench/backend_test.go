package main

import (
	"net"
	"testing"
	"time"
)

func TestBackend(t *testing.T) {
	c, err := newCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := listenBackend(c)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tt := range []struct {
		name string
		spec loadSpec
	}{
		{"1 KiB", loadSpec{Addr: b.HTTPAddr, Targets: []target{{plainHost, "/1k"}}}},
		{"16 KiB, new connections", loadSpec{Addr: b.HTTPAddr, Targets: []target{{plainHost, "/a/16k"}}, NewConn: true}},
		{"TLS", loadSpec{Addr: b.HTTPSAddr, Targets: []target{{tlsHost, "/1k"}}, TLS: c.clientTLS(tlsHost)}},
		{"WebSocket", loadSpec{Addr: b.HTTPAddr, Targets: []target{{plainHost, wsPath}}, WebSocket: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Timeout = 5 * time.Second
			r := tt.spec.newRequester(tt.spec.encoded(), 0, 1)
			defer r.Close()
			for range 3 {
				if status, err := r.Do(); err != nil || status != 200 {
					t.Fatalf("Do() = %d, %v", status, err)
				}
			}
		})
	}
	// The body sizes are right: read one response by hand.
	for path, want := range map[string]int{"/x": smallBody, "/x/16k": bigBody} {
		conn, err := net.Dial("tcp", b.HTTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(encodeRequest(target{plainHost, path}, true)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64<<10)
		n := 0
		for {
			m, err := conn.Read(buf[n:])
			n += m
			if err != nil {
				break
			}
		}
		conn.Close()
		resp := string(buf[:n])
		head := len(resp) - want
		if head <= 0 || resp[head-4:head] != "\r\n\r\n" {
			t.Errorf("GET %s: %d bytes, want a head and %d body bytes:\n%.200s", path, n, want, resp)
		}
	}
}

func TestWebSocketFrames(t *testing.T) {
	if got := wsAccept("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("wsAccept = %q, want the RFC 6455 example", got)
	}
}
