package proxy

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
)

// Request buffering (proxy-request-buffering: "on", ingress-nginx's
// default): the whole body is read before the backend is contacted, so a
// slow client never holds a backend connection, the backend gets a
// Content-Length, and a retry can send the body again. As nginx keeps
// small bodies in memory and writes larger ones to a temporary file, so
// does the proxy: memory stays bounded however many uploads run at once.

// memoryBodyLimit is the largest body kept in memory; larger ones go to a
// temporary file (nginx's client_body_buffer_size, generously).
const memoryBodyLimit = 64 << 10

// bufferBody reads out's body, within the route's body limit, and makes
// it replayable. It reports false after answering the request itself:
// 413 for a body over the limit, 400 for one the client did not finish,
// 500 when the temporary file fails.
func (rc *reqCtx) bufferBody(out *http.Request) bool {
	var mem bytes.Buffer
	n, err := io.CopyN(&mem, out.Body, memoryBodyLimit+1)
	if err == nil {
		// More than fits in memory: all of it goes to a file.
		var fileErr error
		n, err, fileErr = rc.spoolToFile(mem.Bytes(), out.Body)
		if fileErr != nil {
			rc.log(slog.LevelError, "proxy: buffering the request body to a temporary file", fileErr)
			writeError(rc.w, http.StatusInternalServerError, "500 internal server error")
			return false
		}
	}
	switch {
	case errors.Is(err, io.EOF):
	case isTooLarge(err) || rc.tooLarge.Load():
		rc.log(slog.LevelDebug, "proxy: request body too large", err, slog.Int64("limit", rc.rt.maxBody))
		writeError(rc.w, http.StatusRequestEntityTooLarge, "413 request body too large")
		return false
	case rc.timedOut() != nil:
		rc.log(slog.LevelDebug, "proxy: the client stalled while sending the request body", err)
		writeError(rc.w, http.StatusRequestTimeout, "408 request timeout")
		return false
	default:
		rc.log(slog.LevelDebug, "proxy: reading the request body", err)
		writeError(rc.w, http.StatusBadRequest, "400 bad request: incomplete body")
		return false
	}
	out.Body.Close()
	out.ContentLength, out.TransferEncoding = n, nil
	if rc.spool == nil {
		data := mem.Bytes()
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	} else {
		f := rc.spool
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(f, 0, n)), nil }
	}
	out.Body, _ = out.GetBody()
	return true
}

// spoolToFile writes head and the rest of body to a new temporary file,
// rc.spool. It returns the size and io.EOF when the body was read to its
// end, or the error reading it; fileErr reports a failing file.
func (rc *reqCtx) spoolToFile(head []byte, body io.Reader) (n int64, err, fileErr error) {
	if rc.spool, fileErr = os.CreateTemp("", "ingressmux-body-*"); fileErr != nil {
		return 0, nil, fileErr
	}
	if _, fileErr = rc.spool.Write(head); fileErr != nil {
		return 0, nil, fileErr
	}
	buf := buffers.Get().(*[bufferSize]byte)
	defer buffers.Put(buf)
	n = int64(len(head))
	for {
		m, rerr := body.Read(buf[:])
		if m > 0 {
			if _, fileErr = rc.spool.Write(buf[:m]); fileErr != nil {
				return n, nil, fileErr
			}
			n += int64(m)
		}
		if rerr != nil {
			return n, rerr, nil
		}
	}
}
