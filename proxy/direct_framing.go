package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Checks the direct pool makes on what it writes and reads, beyond those
// of net/http's Request.Write and ReadResponse, so that it refuses what
// http.Transport refuses and keeps no connection whose framing is in
// doubt.

var (
	errBadStatus     = errors.New("proxy: malformed HTTP response: status code below 100")
	errInvalidHeader = errors.New("proxy: invalid request header")
)

// checkRequestHeader returns an error when h holds a field name or value
// that HTTP/1.1 cannot carry: Request.Write passes NUL and other control
// characters in values and drops invalid names silently, where
// http.Transport refuses the request.
func checkRequestHeader(h http.Header) error {
	for k, vv := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("%w: field name %q", errInvalidHeader, k)
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("%w: value of %s", errInvalidHeader, k)
			}
		}
	}
	return nil
}

// checkStatus returns an error for a final status below 100: ReadResponse
// accepts any three digits ("000", "099", "+99"), which no HTTP status is,
// and net/http's ResponseWriter panics on.
func checkStatus(code int) error {
	if code < 100 {
		return fmt.Errorf("%w: %d", errBadStatus, code)
	}
	return nil
}

// announcesMissingBody reports whether res, the answer to req, has no body
// by rule (a HEAD answer, 204, 304) although its headers announce one: a
// Content-Length other than 0, or a Transfer-Encoding. A backend that
// sends such an answer may send the body too, later than the idle check
// before the next reuse can see it; the next request's response would then
// be read from those bytes. So such a connection is never kept.
func announcesMissingBody(req *http.Request, res *http.Response) bool {
	if req.Method != http.MethodHead && res.StatusCode != http.StatusNoContent && res.StatusCode != http.StatusNotModified {
		return false
	}
	if len(res.TransferEncoding) > 0 {
		return true
	}
	for _, v := range res.Header["Content-Length"] {
		if strings.TrimLeft(textproto.TrimString(v), "0") != "" {
			return true
		}
	}
	return false
}
