package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// The harness speaks just enough WebSocket (RFC 6455) for an echo: the
// opening handshake, unfragmented binary frames, ping and close. The
// module has no WebSocket dependency, and the load generator needs a
// client that costs little CPU per message.

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket opcodes used here.
const (
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// maxFrame bounds a frame's payload: the echo never needs more.
const maxFrame = 1 << 20

// wsAccept returns the Sec-WebSocket-Accept value for key.
func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// wsEcho answers the opening handshake with key and echoes every data
// frame until the client closes or the connection fails.
func wsEcho(br *bufio.Reader, bw *bufio.Writer, key string) {
	fmt.Fprintf(bw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(key))
	if bw.Flush() != nil {
		return
	}
	buf := make([]byte, 0, 4<<10)
	for {
		op, payload, err := readFrame(br, buf)
		if err != nil {
			return
		}
		switch op {
		case opClose:
			_ = writeFrame(bw, opClose, payload, nil)
			_ = bw.Flush()
			return
		case opPing:
			op = opPong
		case opPong:
			continue
		}
		if writeFrame(bw, op, payload, nil) != nil || bw.Flush() != nil {
			return
		}
		buf = payload[:0]
	}
}

// readFrame reads one frame into buf (grown as needed), unmasking it.
func readFrame(br *bufio.Reader, buf []byte) (op byte, payload []byte, err error) {
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return 0, nil, err
	}
	if hdr[0]&0x80 == 0 {
		return 0, nil, errors.New("websocket: fragmented frames are not supported")
	}
	op = hdr[0] & 0x0f
	masked := hdr[1]&0x80 != 0
	n := uint64(hdr[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("websocket: frame of %d bytes", n)
	}
	var mask [4]byte
	if masked {
		if _, err := io.ReadFull(br, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	payload = buf[:n]
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i&3]
		}
	}
	return op, payload, nil
}

// writeFrame writes one unfragmented frame, masked with mask when it is
// not nil (clients must mask, servers must not). The payload is masked
// in a copy, so the caller's bytes stay as they were.
func writeFrame(w *bufio.Writer, op byte, payload []byte, mask []byte) error {
	var hdr [14]byte
	hdr[0] = 0x80 | op
	n := len(payload)
	i := 2
	switch {
	case n < 126:
		hdr[1] = byte(n)
	case n <= 0xffff:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(n))
		i += 2
	default:
		hdr[1] = 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(n))
		i += 8
	}
	if mask != nil {
		hdr[1] |= 0x80
		i += copy(hdr[i:], mask[:4])
	}
	if _, err := w.Write(hdr[:i]); err != nil {
		return err
	}
	if mask == nil {
		_, err := w.Write(payload)
		return err
	}
	for j, b := range payload {
		if err := w.WriteByte(b ^ mask[j&3]); err != nil {
			return err
		}
	}
	return nil
}

// wsClient is one WebSocket connection of the load generator. It sends a
// message and waits for its echo.
type wsClient struct {
	dial     func() (net.Conn, error)
	host     string
	timeout  time.Duration
	c        net.Conn
	deadline time.Time
	br       *bufio.Reader
	bw       *bufio.Writer
	mask     [4]byte
	msg      []byte
	buf      []byte
}

// newWSClient returns a client that connects lazily and reconnects after
// an error.
func newWSClient(dial func() (net.Conn, error), host string, msgSize int, timeout time.Duration) *wsClient {
	c := &wsClient{dial: dial, host: host, timeout: timeout, msg: make([]byte, msgSize), buf: make([]byte, msgSize)}
	_, _ = rand.Read(c.mask[:])
	_, _ = rand.Read(c.msg)
	return c
}

// connect dials and performs the opening handshake.
func (c *wsClient) connect() error {
	conn, err := c.dial()
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(c.timeout))
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", wsPath, c.host, key)
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return err
	}
	br := bufio.NewReaderSize(conn, 8<<10)
	status, _, err := readResponse(br)
	if err == nil && status != http.StatusSwitchingProtocols {
		err = fmt.Errorf("websocket handshake: status %d", status)
	}
	if err != nil {
		conn.Close()
		return err
	}
	c.deadline = time.Time{}
	c.c, c.br, c.bw = conn, br, bufio.NewWriterSize(conn, 8<<10)
	return nil
}

// Echo sends one message and reads its echo. A lost connection is
// reported once and reopened by the next call.
func (c *wsClient) Echo() error {
	if c.c == nil {
		if err := c.connect(); err != nil {
			return err
		}
	}
	// As in httpConn, the deadline is pushed forward only when half of it
	// is used up, to keep timer work out of the per-message cost.
	if now := time.Now(); c.deadline.Sub(now) < c.timeout/2 {
		c.deadline = now.Add(c.timeout)
		_ = c.c.SetDeadline(c.deadline)
	}
	err := writeFrame(c.bw, opBinary, c.msg, c.mask[:])
	if err == nil {
		err = c.bw.Flush()
	}
	var op byte
	var got []byte
	if err == nil {
		op, got, err = readFrame(c.br, c.buf)
	}
	if err == nil && (op != opBinary || len(got) != len(c.msg)) {
		err = fmt.Errorf("websocket: echo of %d bytes with opcode %d, want %d bytes", len(got), op, len(c.msg))
	}
	if err != nil {
		c.Close()
	}
	return err
}

// Close ends the connection without a closing handshake.
func (c *wsClient) Close() {
	if c.c != nil {
		_ = c.c.Close()
		c.c = nil
	}
}
