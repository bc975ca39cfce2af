package proxy

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// forward sends out, the request of rc ready but for its headers and URL,
// to the backend, and copies the answer to w.
//
// It does what httputil.ReverseProxy.ServeHTTP does, in the same order and
// with the same rules (hop-by-hop headers, trailers, 1xx responses,
// upgrades, aborting the response on a broken body), but for this handler
// alone: the outgoing request is built once instead of cloned and copied
// again, hop-by-hop headers are left out while copying instead of deleted
// one canonicalized key at a time, and response bodies are flushed as they
// arrive without a timer per response. Measured with BenchmarkOverhead
// (instructions per request, callgrind) and examples/bench.
func (h *Handler) forward(w http.ResponseWriter, rc *reqCtx, out *http.Request) {
	in := rc.in
	upType := upgradeType(in.Header)
	if upType != "" && !printableASCII(upType) {
		rc.log(slog.LevelDebug, "proxy: malformed Upgrade header", nil, slog.String("upgrade", upType))
		rc.info.act(ActionBadRequest)
		writeError(w, http.StatusBadRequest, "400 bad request: malformed Upgrade header")
		return
	}
	if httpguts.HeaderValuesContainsToken(in.Header["Upgrade"], "h2c") {
		// See dropH2CUpgrade: proxied as a plain request.
		upType = ""
	}
	out.Header = outgoingHeader(in.Header, upType)
	rc.url = *in.URL
	out.URL = &rc.url
	out.Close = false // the client's Connection: close is about its own connection
	if in.ContentLength == 0 {
		out.Body = nil // http.Transport retries only requests without a body
	}
	h.rewrite(rc, in, out)
	if err := checkRequestHeader(out.Header); err != nil {
		// Only a program calling ServeHTTP itself can pass such a header
		// (net/http's server refuses it). Refused as http.Transport
		// refuses it, but before any endpoint is asked, so that none is
		// retried or counted as failed for the client's mistake.
		rc.log(slog.LevelWarn, "proxy: request not sent", err)
		writeError(w, http.StatusBadGateway, "502 bad gateway")
		return
	}
	if rc.info != nil && rc.info.dry != nil {
		rc.info.dry.record(rc, out) // Explain: what would be sent, not sent
		return
	}
	if len(rc.rt.mirrors) > 0 && upType == "" {
		rc.mirror(out)
	}

	var res *http.Response
	var err error
	if rc.rt.route.Retry.enabled() {
		res, err = rc.roundTripWithRetries(out)
	} else {
		res, err = rc.roundTrip(out)
	}
	rc.endInterim()
	if err == nil {
		// http.Transport takes a status below 100 for a final one, which
		// the ResponseWriter would panic on; the direct path refuses it.
		if err = checkStatus(res.StatusCode); err != nil {
			res.Body.Close()
		}
	}
	if err != nil {
		h.serveError(w, rc, err)
		return
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		if err := rc.modifyResponse(res); err != nil {
			h.serveError(w, rc, err)
			return
		}
		serveUpgrade(w, rc, res)
		return
	}
	removeHopByHop(res.Header)
	if err := rc.modifyResponse(res); err != nil {
		h.serveError(w, rc, err)
		return
	}
	addHeaders(w.Header(), res.Header)
	announced := len(res.Trailer)
	if announced > 0 {
		names := make([]string, 0, announced)
		for k := range res.Trailer {
			names = append(names, k)
		}
		w.Header().Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(res.StatusCode)

	if err := copyBody(w, res); err != nil {
		res.Body.Close()
		if rc.info != nil {
			rc.info.Err = err
		}
		// Headers, and maybe part of the body, are out: the only way left
		// to tell the client the response is broken is to abort it, which
		// net/http's server does on this panic (recovered there, not
		// logged). recvBody has logged why.
		if in.Context().Value(http.ServerContextKey) != nil {
			panic(http.ErrAbortHandler)
		}
		return
	}
	res.Body.Close() // now, so that res.Trailer is filled in
	if len(res.Trailer) == 0 {
		return
	}
	// Flushing forces chunked encoding, the only one that carries
	// trailers, even for a body short enough to be sent with a length.
	flush(w)
	if len(res.Trailer) == announced {
		addHeaders(w.Header(), res.Trailer)
		return
	}
	for k, vv := range res.Trailer {
		k = http.TrailerPrefix + k
		for _, v := range vv {
			w.Header().Add(k, v)
		}
	}
}

// copyBody copies the response body to w, flushing as nginx does with
// proxy_buffering off (ingress-nginx's default): whatever arrives is sent
// on at once, unless it completes the body, in which case the handler's
// return sends it. Flushing the last piece early would let the client
// send its next request while the handler is still finishing, which costs
// net/http's server a background read per request (measured with
// examples/bench: flushing every piece served 0.71x the bare proxy per CPU
// second against 0.88x). Streams (unknown length, server-sent events)
// also get their headers at once. It returns the first read or write
// error; io.EOF is not one.
func copyBody(w http.ResponseWriter, res *http.Response) error {
	known := res.ContentLength >= 0 && !isEventStream(res.Header)
	if !known {
		if err := flush(w); err != nil {
			return err
		}
	}
	if res.Body == nil || res.Body == http.NoBody {
		return nil
	}
	buf := buffers.Get().(*[bufferSize]byte)
	defer buffers.Put(buf)
	left := res.ContentLength
	for {
		n, rerr := res.Body.Read(buf[:])
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			left -= int64(n)
			if rerr == nil && (!known || left > 0) {
				if err := flush(w); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// flush sends what w holds to the client, if w can flush.
func flush(w http.ResponseWriter) error {
	err := http.NewResponseController(w).Flush()
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

// isEventStream reports whether h's Content-Type is text/event-stream
// (server-sent events), parameters and case aside.
func isEventStream(h http.Header) bool {
	v := h["Content-Type"]
	if len(v) == 0 {
		return false
	}
	const sse = "text/event-stream"
	ct := strings.TrimLeft(v[0], " \t")
	if len(ct) < len(sse) || !strings.EqualFold(ct[:len(sse)], sse) {
		return false
	}
	rest := strings.TrimLeft(ct[len(sse):], " \t")
	return rest == "" || rest[0] == ';'
}

// hopHeaders are the hop-by-hop headers: about one connection, never
// forwarded (RFC 9110, section 7.6.1, and the names RFC 2616 listed,
// which clients still send).
var hopHeaders = [...]string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// hopHeader reports whether the canonical header name k is one of
// hopHeaders.
func hopHeader(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// replacedHeader reports whether the canonical header name k is one of
// the forwarding headers that setForwarded decides from scratch.
func replacedHeader(k string) bool {
	switch k {
	case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
		return true
	}
	return false
}

var (
	teTrailers     = []string{"trailers"}
	emptyUserAgent = []string{""} // http.Transport then sends none, not Go's own
	connUpgrade    = []string{"Upgrade"}
)

// outgoingHeader returns the headers to send to the backend for a client
// request with headers in: all but the hop-by-hop ones, those the client
// names in Connection, and the forwarding headers setForwarded decides.
// Values are shared with in, capacity capped, so that appending to them
// never writes into in. upType is the protocol the client asks to upgrade
// to, if any: its Connection and Upgrade headers are put back.
func outgoingHeader(in http.Header, upType string) http.Header {
	out := make(http.Header, len(in)+forwardedHeaders)
	for k, vv := range in {
		if hopHeader(k) || replacedHeader(k) {
			continue
		}
		out[k] = vv[:len(vv):len(vv)]
	}
	removeConnectionListed(out, in["Connection"])
	if httpguts.HeaderValuesContainsToken(in["Te"], "trailers") {
		// The backend learns that trailers reach the client (RFC 9110,
		// section 10.1.4), as the client said of itself.
		out["Te"] = teTrailers
	}
	if upType != "" {
		out["Connection"] = connUpgrade
		out["Upgrade"] = []string{upType}
	}
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = emptyUserAgent
	}
	return out
}

// removeConnectionListed deletes from h the headers named in the values of
// a Connection header.
func removeConnectionListed(h http.Header, connection []string) {
	for _, v := range connection {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				delete(h, http.CanonicalHeaderKey(name))
			}
		}
	}
}

// removeHopByHop deletes the hop-by-hop headers of h and those its
// Connection header names.
func removeHopByHop(h http.Header) {
	removeConnectionListed(h, h["Connection"])
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// addHeaders adds the values of src to dst. Slices are shared when dst
// has no such header yet; when it has, they are joined in a new slice, so
// that neither header's backing array is written to.
func addHeaders(dst, src http.Header) {
	for k, vv := range src {
		if prior, ok := dst[k]; ok {
			dst[k] = append(prior[:len(prior):len(prior)], vv...)
		} else {
			dst[k] = vv[:len(vv):len(vv)]
		}
	}
}

// upgradeType returns the protocol h asks to upgrade to, or "".
func upgradeType(h http.Header) string {
	if !httpguts.HeaderValuesContainsToken(h["Connection"], "Upgrade") {
		return ""
	}
	return h.Get("Upgrade")
}

// printableASCII reports whether s is all printable ASCII.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
