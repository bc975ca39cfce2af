package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// backend is the origin every proxy forwards to. It runs as its own
// process (this program's serve-backend mode) on the load generator's
// core: in the harness's process, the Go scheduler would interleave it
// with the built-in generator's goroutines on one P and add queueing that
// belongs to neither. It answers any GET with a fixed body (1
// KiB, or 16 KiB for paths ending in "/16k") and echoes WebSocket messages
// on /ws, over plain HTTP and over HTTPS (HTTP/1.1 only).
//
// It is not net/http: on two cores the backend shares a core with the load
// generator, and whatever it spends per request caps what can be measured
// for the proxy on the other core. A keep-alive loop that parses just the
// request head and writes a pre-encoded response costs a fraction of
// net/http's server, which leaves the fastest proxy room to show its speed.
type backend struct {
	HTTPAddr  string // host:port of the plain listener
	HTTPSAddr string // host:port of the TLS listener

	lns   []net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// Pre-encoded responses, keep-alive and closing.
var (
	smallResp, smallRespClose = encodeResponse(smallBody, false), encodeResponse(smallBody, true)
	bigResp, bigRespClose     = encodeResponse(bigBody, false), encodeResponse(bigBody, true)
)

func encodeResponse(size int, closeConn bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n", size)
	if closeConn {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(strings.Repeat("a", size))
	return b.Bytes()
}

// listenBackend listens on two loopback ports and serves until Close.
func listenBackend(c *certs) (*backend, error) {
	b := &backend{conns: map[net.Conn]bool{}}
	for _, useTLS := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Close()
			return nil, err
		}
		if useTLS {
			b.HTTPSAddr = ln.Addr().String()
			// HTTP/1.1 only, so that every proxy speaks the same protocol to
			// it (ingressmux would otherwise pick HTTP/2 by ALPN, nginx
			// cannot).
			ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c.Pair}, NextProtos: []string{"http/1.1"}})
		} else {
			b.HTTPAddr = ln.Addr().String()
		}
		b.lns = append(b.lns, ln)
		go b.accept(ln)
	}
	return b, nil
}

func (b *backend) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		b.mu.Lock()
		b.conns[c] = true
		b.mu.Unlock()
		go func() {
			serveBackendConn(c)
			c.Close()
			b.mu.Lock()
			delete(b.conns, c)
			b.mu.Unlock()
		}()
	}
}

// Close stops the listeners and closes every open connection.
func (b *backend) Close() {
	for _, ln := range b.lns {
		ln.Close()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.conns {
		c.Close()
	}
}

// requestHead is what the backend needs to know of a request.
type requestHead struct {
	path      string
	closeConn bool
	length    int64 // -1: none
	chunked   bool
	wsKey     string // set for a WebSocket upgrade
}

// serveBackendConn answers requests on c until it closes, fails, or a
// request asks to close it.
func serveBackendConn(c net.Conn) {
	br := bufio.NewReaderSize(c, 8<<10)
	for {
		h, err := readRequestHead(br)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}
			return
		}
		if h.wsKey != "" && h.path == wsPath {
			wsEcho(br, bufio.NewWriterSize(c, 8<<10), h.wsKey)
			return
		}
		switch {
		case h.chunked:
			err = discardChunked(br)
		case h.length > 0:
			_, err = br.Discard(int(h.length))
		}
		if err != nil {
			return
		}
		resp := smallResp
		switch big := strings.HasSuffix(h.path, "/16k"); {
		case big && h.closeConn:
			resp = bigRespClose
		case big:
			resp = bigResp
		case h.closeConn:
			resp = smallRespClose
		}
		if _, err := c.Write(resp); err != nil || h.closeConn {
			return
		}
	}
}

// readRequestHead reads a request line and headers.
func readRequestHead(br *bufio.Reader) (requestHead, error) {
	h := requestHead{length: -1}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return h, err
	}
	// "GET /path HTTP/1.1"
	f := bytes.Fields(line)
	if len(f) != 3 || !bytes.HasPrefix(f[2], []byte("HTTP/1.")) {
		return h, fmt.Errorf("malformed request line %q", line)
	}
	path, _, _ := bytes.Cut(f[1], []byte("?"))
	h.path = string(path)
	h.closeConn = bytes.Equal(f[2], []byte("HTTP/1.0"))
	upgrade := false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return h, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if h.length, err = strconv.ParseInt(string(value), 10, 64); err != nil || h.length < 0 {
				return h, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			h.closeConn = h.closeConn || bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Upgrade")):
			upgrade = bytes.EqualFold(value, []byte("websocket"))
		case bytes.EqualFold(name, []byte("Sec-WebSocket-Key")):
			h.wsKey = string(value)
		}
	}
	if !upgrade {
		h.wsKey = ""
	}
	return h, nil
}
