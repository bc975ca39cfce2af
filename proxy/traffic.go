package proxy

import "net/http"

// Traffic is a route's traffic policy: CORS, client IP lists, rate limits,
// basic and external authentication, response headers (issue 7).
type Traffic struct{}

// check returns what is wrong with t.
func (t *Traffic) check() []error { return nil }

// admit applies t to r before it is proxied. It reports handled when it
// answered r itself (a CORS preflight, a refusal); otherwise it may have
// changed r's headers for the backend, and release, when not nil, must be
// called once the request is done.
func (t *Traffic) admit(w http.ResponseWriter, r *http.Request, p peer) (release func(), handled bool) {
	return nil, false
}

// modifyResponse applies t to a backend response before it is sent.
func (t *Traffic) modifyResponse(res *http.Response) {}
