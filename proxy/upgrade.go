package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
)

// serveUpgrade completes a protocol switch the backend accepted (101
// Switching Protocols, a WebSocket handshake): it checks that the backend
// switched to the protocol the request asked for, takes over the client's
// connection, relays the 101 response, and then copies bytes both ways
// until either side is done. Canceling the request (the client going
// away, the idle timeout) closes the backend connection.
func serveUpgrade(w http.ResponseWriter, rc *reqCtx, res *http.Response) {
	asked, got := upgradeType(res.Request.Header), upgradeType(res.Header)
	switch {
	case !printableASCII(got):
		res.Body.Close()
		rc.failUpgrade(w, fmt.Errorf("backend switched to a malformed protocol %q", got))
		return
	case !strings.EqualFold(asked, got):
		// Also what refuses a switch to h2c, which is never asked for.
		res.Body.Close()
		rc.failUpgrade(w, fmt.Errorf("backend switched to protocol %q when %q was asked for", got, asked))
		return
	}
	backend, ok := res.Body.(io.ReadWriteCloser)
	if !ok {
		res.Body.Close()
		rc.failUpgrade(w, errors.New("101 Switching Protocols response without a writable body"))
		return
	}
	client, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		backend.Close()
		rc.failUpgrade(w, fmt.Errorf("taking over the client connection: %w", err))
		return
	}
	defer client.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-rc.Done():
		case <-done:
		}
		backend.Close()
	}()

	addHeaders(w.Header(), res.Header)
	res.Header = w.Header()
	res.Body = nil // Write sends the status line and headers only
	if err = res.Write(brw); err == nil {
		err = brw.Flush()
	}
	if err != nil {
		rc.log(slog.LevelDebug, "proxy: relaying the protocol switch to the client", err)
		return
	}
	// brw.Reader may hold bytes the client sent right after its
	// handshake: the copy to the backend starts with them.
	errc := make(chan error, 2)
	go relay(backend, brw.Reader, errc)
	go relay(client, backend, errc)
	if err := <-errc; err == nil {
		<-errc // one direction ended cleanly: let the other finish
	}
}

// failUpgrade answers a protocol switch that cannot be completed with 502.
func (rc *reqCtx) failUpgrade(w http.ResponseWriter, err error) {
	rc.log(slog.LevelError, "proxy: protocol switch failed", err)
	writeError(w, http.StatusBadGateway, "502 bad gateway")
}

// relay copies src to dst until src ends, then half-closes dst, if it
// can, so that its peer sees the end too. It sends nil on errc when both
// went well; otherwise the error, or errRelayDone when dst cannot be
// half-closed and so the whole connection has to be.
func relay(dst io.Writer, src io.Reader, errc chan<- error) {
	if _, err := io.Copy(dst, src); err != nil {
		errc <- err
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		errc <- cw.CloseWrite()
		return
	}
	errc <- errRelayDone
}

// errRelayDone ends a relay whose destination cannot be half-closed.
var errRelayDone = errors.New("proxy: upgraded connection done")

// got1xx relays an interim response (103 Early Hints, 102 Processing) to
// the client while the final one is awaited, without its hop-by-hop
// headers, and only to clients of HTTP/1.1 or later: RFC 9110 (section
// 15.2) forbids sending one to an HTTP/1.0 client, which would read it as
// the final response. It is the Got1xxResponse hook of the request's
// client trace, called by the transport's connection goroutine or, on the
// direct path, the handler's; once the final response is in (endInterim),
// the ResponseWriter is the handler's alone and hooks do nothing.
func (rc *reqCtx) got1xx(code int, header textproto.MIMEHeader) error {
	if !rc.in.ProtoAtLeast(1, 1) {
		return nil
	}
	rc.interimMu.Lock()
	defer rc.interimMu.Unlock()
	if rc.interimDone {
		return nil
	}
	// A client that does not read blocks the write below; expire cuts it
	// off when it sees interimWriting, and a write that starts after the
	// request expired is not made (see expire).
	rc.interimWriting.Store(true)
	defer rc.interimWriting.Store(false)
	if err := rc.Err(); err != nil {
		return err
	}
	h := rc.w.Header()
	removeHopByHop(http.Header(header))
	addHeaders(h, http.Header(header))
	rc.w.WriteHeader(code)
	// The ResponseWriter sends the headers it holds with a 1xx status and
	// keeps them: they belong to the interim response only.
	clear(h)
	return nil
}

// endInterim stops relaying interim responses.
func (rc *reqCtx) endInterim() {
	rc.interimMu.Lock()
	rc.interimDone = true
	rc.interimMu.Unlock()
}
