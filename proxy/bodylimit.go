package proxy

import (
	"errors"
	"io"
	"net/http"
)

// Request body limits (proxy-body-size) are enforced twice: a request whose
// Content-Length is over the limit gets 413 before anything is read or
// sent (see ServeHTTP), and a body of undeclared length (chunked, or
// HTTP/2 without content-length) is read through http.MaxBytesReader, so
// that reading past the limit fails. The transport then fails the request,
// and the error handler answers 413 if no response has started. The
// MaxBytesReader also tells the server to close the connection after the
// response, since the rest of the body is never read.

// hasBody reports whether r, an incoming request, has a body to forward.
// forward sends none for a zero Content-Length.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// declaredTooLarge reports whether a request that declares its length is
// over limit (negative: no limit).
func declaredTooLarge(contentLength, limit int64) bool {
	return limit >= 0 && contentLength > limit
}

// limitBody returns body, limited to limit bytes if its length is not
// declared. A declared length is already enforced by the server, and
// checked against the limit by ServeHTTP.
func limitBody(w http.ResponseWriter, body io.ReadCloser, contentLength, limit int64) io.ReadCloser {
	if limit < 0 || contentLength >= 0 {
		return body
	}
	return http.MaxBytesReader(w, body, limit)
}

// isTooLarge reports whether err says that a body went over its limit.
func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
