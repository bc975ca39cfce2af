package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// enabled reports whether r can ever retry.
func (r *Retry) enabled() bool {
	return r.OnError || r.OnTimeout || len(r.OnStatus) > 0
}

// nonIdempotent reports whether nginx considers method non-idempotent:
// such requests are retried only with Retry.NonIdempotent.
func nonIdempotent(method string) bool {
	return method == http.MethodPost || method == http.MethodPatch || method == "LOCK"
}

// drainLimit is how much of a retried response's body is read so that its
// connection can be reused; larger bodies close the connection instead.
const drainLimit = 64 << 10

// roundTripWithRetries sends req and, when the attempt fails in a way the
// route's Retry names, sends it again to another endpoint. Nothing has
// been written to the client before RoundTrip returns, so a retry can
// never follow response bytes; the response that ends the loop, good or
// bad, is the one the client gets.
func (rc *reqCtx) roundTripWithRetries(req *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := rc.roundTrip(req)
	if err == nil && len(rc.rt.route.Retry.OnStatus) == 0 {
		return res, nil // the common case: nothing to decide, nothing to allocate
	}
	tried := []string{rc.endpoint}
	for rc.shouldRetry(req, res, err, len(tried), start) {
		next, ok := rc.retryEndpoint(tried)
		if !ok {
			break
		}
		retry, rerr := rc.retryRequest(req, next)
		if rerr != nil {
			break
		}
		rc.log(slog.LevelInfo, "proxy: retrying on the next endpoint (proxy-next-upstream)", retryCause(res, err), slog.String("next", next), slog.Int("attempt", len(tried)+1))
		if res != nil {
			discard(res.Body)
		}
		tried = append(tried, next)
		rc.endpoint = next
		req = retry
		rc.newAttempt()
		res, err = rc.roundTrip(req)
	}
	return res, err
}

// shouldRetry decides whether the attempt that gave res or err is tried
// again, after tries attempts so far.
func (rc *reqCtx) shouldRetry(req *http.Request, res *http.Response, err error, tries int, start time.Time) bool {
	r := &rc.rt.route.Retry
	switch {
	case r.Tries > 0 && tries >= r.Tries:
		return false
	case r.Timeout > 0 && time.Since(start) >= r.Timeout:
		return false
	case nonIdempotent(req.Method) && !r.NonIdempotent:
		return false
	case !replayable(req):
		return false
	case rc.Err() != nil || rc.tooLarge.Load():
		// The client went away, the read or send timeout fired, or the
		// body went over its limit: none of these is the endpoint's fault.
		return false
	case err != nil:
		if isNetTimeout(err) {
			return r.OnTimeout
		}
		return r.OnError
	}
	return slices.Contains(r.OnStatus, res.StatusCode)
}

// replayable reports whether req's body can be sent again: it has none,
// or it was buffered (GetBody is set).
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// retryRequest returns req addressed to endpoint, with a fresh copy of
// its body.
func (rc *reqCtx) retryRequest(req *http.Request, endpoint string) (*http.Request, error) {
	out := req.Clone(req.Context())
	out.URL.Host = endpoint
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		out.Body = body
	}
	return out, nil
}

// retryCause describes why an attempt is retried, for the log.
func retryCause(res *http.Response, err error) error {
	if err != nil {
		return err
	}
	return &statusError{res.StatusCode}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "backend answered " + http.StatusText(e.code) }

// discard reads a little of body, so that its connection can be reused,
// and closes it.
func discard(body io.ReadCloser) {
	io.CopyN(io.Discard, body, drainLimit)
	body.Close()
}
