package proxy

import (
	"time"
)

// The total timeouts, Route.RequestTimeout and Route.BackendTimeout, cap
// the idle timer's deadline: they need no timer of their own, and routes
// without them pay one comparison per read.

var (
	errRequestTimeout = &timeoutError{"proxy: the request took longer than the route's request timeout"}
	errBackendTimeout = &timeoutError{"proxy: the backend took longer than the route's backend request timeout"}
)

// startLimits sets the caps of a request starting at now (clock time).
func (rc *reqCtx) startLimits(now int64) {
	if d := rc.rt.route.RequestTimeout; d > 0 {
		rc.idle.requestEnd = now + int64(d)
	}
	rc.idle.limit.Store(rc.attemptLimit(now))
}

// attemptLimit is the cap of a backend attempt starting at now: the end
// of the request or of the attempt, whichever comes first; 0 for none.
func (rc *reqCtx) attemptLimit(now int64) int64 {
	limit := rc.idle.requestEnd
	if d := rc.rt.route.BackendTimeout; d > 0 && (limit == 0 || now+int64(d) < limit) {
		limit = now + int64(d)
	}
	return limit
}

// newAttempt gives a retry its own BackendTimeout. The deadline moves
// later at most, so the timer is left alone: when it fires early it is
// reset to the time left.
func (rc *reqCtx) newAttempt() {
	if rc.rt.route.BackendTimeout <= 0 {
		return
	}
	now := clock()
	rc.idle.limit.Store(rc.attemptLimit(now))
	d := rc.rt.readTimeout
	if rc.idle.sending.Load() {
		d = rc.rt.sendTimeout
	}
	rc.idle.deadline.Store(rc.capped(now + int64(d)))
}

// endLimits lifts the caps once a connection is upgraded (101): the
// request's exchange is over, and an upgraded connection, such as a
// WebSocket, lives as long as the backend is not silent for the read
// timeout, whatever the request's timeouts.
func (rc *reqCtx) endLimits() {
	if rc.idle.limit.Swap(0) != 0 {
		rc.idle.deadline.Store(clock() + int64(rc.rt.readTimeout))
	}
}

// capped returns deadline, or the cap when that is sooner.
func (rc *reqCtx) capped(deadline int64) int64 {
	if limit := rc.idle.limit.Load(); limit != 0 && deadline > limit {
		return limit
	}
	return deadline
}

// cause names why the timer expired the request: a total timeout whose
// end has come, else idle, the send or read timeout.
func (rc *reqCtx) cause(idle *timeoutError) *timeoutError {
	limit := rc.idle.limit.Load()
	if limit == 0 || clock() < limit {
		return idle
	}
	if end := rc.idle.requestEnd; end != 0 && limit >= end {
		return errRequestTimeout
	}
	return errBackendTimeout
}

// timeoutOf returns how long the timeout te is, for logs.
func (rc *reqCtx) timeoutOf(te *timeoutError) time.Duration {
	switch te {
	case errSendTimeout:
		return rc.rt.sendTimeout
	case errRequestTimeout:
		return rc.rt.route.RequestTimeout
	case errBackendTimeout:
		return rc.rt.route.BackendTimeout
	}
	return rc.rt.readTimeout
}
