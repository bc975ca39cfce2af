package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// httpConn is one client connection of the built-in load generator. It
// sends pre-encoded HTTP/1.1 requests and reads responses with a minimal
// parser, so that the generator, which shares its core with the backend,
// spends as little CPU per request as wrk does: net/http's client would
// cost several times more and cap what can be measured.
type httpConn struct {
	dial     func() (net.Conn, error)
	timeout  time.Duration // per request, reset at most once a second
	c        net.Conn
	br       *bufio.Reader
	deadline time.Time
}

// errStatusLine is a response that does not start with "HTTP/1.x NNN".
var errStatusLine = errors.New("malformed status line")

// newHTTPConn returns a connection that dials lazily and redials after
// the server closes.
func newHTTPConn(dial func() (net.Conn, error), timeout time.Duration) *httpConn {
	return &httpConn{dial: dial, timeout: timeout, br: bufio.NewReaderSize(nil, 32<<10)}
}

// Close closes the underlying connection, if any.
func (h *httpConn) Close() {
	if h.c != nil {
		_ = h.c.Close()
		h.c = nil
	}
}

// Connect dials unless a connection is open.
func (h *httpConn) Connect() error {
	if h.c != nil {
		return nil
	}
	c, err := h.dial()
	if err != nil {
		return err
	}
	h.c = c
	h.br.Reset(c)
	h.deadline = time.Time{}
	return nil
}

// RoundTrip sends req, a complete encoded request, and reads the whole
// response, returning its status code. After an error, or a response
// that ends the connection, the next call dials again.
func (h *httpConn) RoundTrip(req []byte) (int, error) {
	if err := h.Connect(); err != nil {
		return 0, err
	}
	// Setting a deadline arms a runtime timer; doing it for every request
	// would show in a profile of the generator, so it is pushed forward
	// only when less than half of it is left.
	if now := time.Now(); h.deadline.Sub(now) < h.timeout/2 {
		h.deadline = now.Add(h.timeout)
		_ = h.c.SetDeadline(h.deadline)
	}
	if _, err := h.c.Write(req); err != nil {
		h.Close()
		return 0, err
	}
	status, keep, err := readResponse(h.br)
	if err != nil || !keep {
		h.Close()
	}
	return status, err
}

// readResponse reads one response and discards its body. keep reports
// whether the connection may carry another request.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errStatusLine
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errStatusLine
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told not to
	length := int64(-1)
	chunked := false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, false, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return status, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			}
		}
	}
	switch {
	case status == 101:
		// Switching Protocols: the body is the new protocol; the caller
		// takes over the connection.
		return status, true, nil
	case status < 200 || status == 204 || status == 304:
		return status, keep, nil
	case chunked:
		return status, keep, discardChunked(br)
	case length >= 0:
		_, err := br.Discard(int(length))
		return status, keep, err
	default:
		// No length: the body runs to the end of the connection.
		_, err := io.Copy(io.Discard, br)
		return status, false, err
	}
}

// discardChunked reads a chunked body and its trailers.
func discardChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", size)
		}
		if n == 0 {
			break
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
	for { // trailers, up to the empty line
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

// encodeRequest returns a GET request for t, ending the connection after
// the response when closeConn is set.
func encodeRequest(t target, closeConn bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ingressmux-bench\r\n", t.Path, t.Host)
	if closeConn {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
