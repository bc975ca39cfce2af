package proxy

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"golang.org/x/net/http/httpguts"
)

// HeaderRules edit the headers of requests on their way to the backend, or
// of responses on their way to the client: what ingress-nginx users wrote
// proxy_set_header, more_set_headers and more_clear_headers snippets for.
// Remove is applied first, then Set.
type HeaderRules struct {
	// Set gives headers their value, replacing any value they had. Keys
	// are header names in any case.
	Set map[string]string
	// Remove lists headers to delete.
	Remove []string
}

// headerRules is the runtime of a HeaderRules, keys canonical.
type headerRules struct {
	set    []headerValue
	remove []string
}

// unsettable lists the headers that describe the message or the
// connection rather than the content: setting them would break the
// framing of the message, so HeaderRules refuse them.
var unsettable = []string{
	"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "Te",
	"Trailer", "Transfer-Encoding", "Upgrade",
}

func newHeaderRules(name string, hr *HeaderRules) (headerRules, []error) {
	var rt headerRules
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(hr.Set)) {
		v := hr.Set[k]
		ck := http.CanonicalHeaderKey(k)
		switch {
		case !httpguts.ValidHeaderFieldName(k):
			errs = append(errs, fmt.Errorf("%s.Set: invalid header name %q", name, k))
		case slices.Contains(unsettable, ck):
			errs = append(errs, fmt.Errorf("%s.Set: header %q cannot be set: it frames the message, which the proxy does", name, k))
		case !validHeaderValue(v):
			errs = append(errs, fmt.Errorf("%s.Set[%q]: invalid value %q: control characters such as CR and LF are not allowed", name, k, v))
		default:
			rt.set = append(rt.set, newHeaderValue(ck, v))
		}
	}
	for i, k := range hr.Remove {
		if !httpguts.ValidHeaderFieldName(k) {
			errs = append(errs, fmt.Errorf("%s.Remove[%d]: invalid header name %q", name, i, k))
			continue
		}
		rt.remove = append(rt.remove, http.CanonicalHeaderKey(k))
	}
	return rt, errs
}

// apply edits h.
func (hr *headerRules) apply(h http.Header) {
	for _, k := range hr.remove {
		delete(h, k)
	}
	for _, hv := range hr.set {
		h[hv.key] = hv.val
	}
}

// validHeaderValue reports whether v may be sent as a header value: no
// control characters but tab, which is what keeps values from splitting
// a header in two.
func validHeaderValue(v string) bool { return httpguts.ValidHeaderFieldValue(v) }
