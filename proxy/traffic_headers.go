package proxy

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// HeaderRules edit the headers of requests on their way to the backend, or
// of responses on their way to the client: what ingress-nginx users wrote
// proxy_set_header, more_set_headers and more_clear_headers snippets for.
// Remove is applied first, then Set, then Add.
type HeaderRules struct {
	// Set gives headers their value, replacing any value they had. Keys
	// are header names in any case.
	Set map[string]string
	// Remove lists headers to delete.
	Remove []string
	// Add appends a value to headers, keeping the values they had, as
	// Gateway API's header modifiers add: a header the message has as
	// "client" becomes "client,added", one field line, so that a backend
	// reading a single value sees both; a header it lacks is set. On
	// responses Set-Cookie gets a field line of its own instead, since
	// cookies cannot be joined with commas. Only backend responses get
	// Add, not the proxy's own answers.
	Add map[string]string
}

// headerRules is the runtime of a HeaderRules, keys canonical.
type headerRules struct {
	set    []headerValue
	add    []headerValue
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
	rt.set = checkHeaderValues(name+".Set", hr.Set, &errs)
	rt.add = checkHeaderValues(name+".Add", hr.Add, &errs)
	for i, k := range hr.Remove {
		if !httpguts.ValidHeaderFieldName(k) {
			errs = append(errs, fmt.Errorf("%s.Remove[%d]: invalid header name %q", name, i, k))
			continue
		}
		rt.remove = append(rt.remove, http.CanonicalHeaderKey(k))
	}
	return rt, errs
}

// checkHeaderValues checks and canonicalises the headers of a Set or an
// Add, in name order.
func checkHeaderValues(what string, values map[string]string, errs *[]error) []headerValue {
	var out []headerValue
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		ck := http.CanonicalHeaderKey(k)
		switch {
		case !httpguts.ValidHeaderFieldName(k):
			*errs = append(*errs, fmt.Errorf("%s: invalid header name %q", what, k))
		case slices.Contains(unsettable, ck):
			*errs = append(*errs, fmt.Errorf("%s: header %q cannot be set: it frames the message, which the proxy does", what, k))
		case !validHeaderValue(v):
			*errs = append(*errs, fmt.Errorf("%s[%q]: invalid value %q: control characters such as CR and LF are not allowed", what, k, v))
		default:
			out = append(out, newHeaderValue(ck, v))
		}
	}
	return out
}

// apply edits h, a request's headers.
func (hr *headerRules) apply(h http.Header) {
	for _, k := range hr.remove {
		delete(h, k)
	}
	for _, hv := range hr.set {
		h[hv.key] = hv.val
	}
	hr.appendTo(h, false)
}

// appendTo applies Add to h; on a response (response), Set-Cookie values
// are added as field lines of their own.
func (hr *headerRules) appendTo(h http.Header, response bool) {
	for _, hv := range hr.add {
		prior := h[hv.key]
		switch {
		case len(prior) == 0:
			h[hv.key] = hv.val
		case response && hv.key == "Set-Cookie":
			h[hv.key] = append(slices.Clip(prior), hv.val[0])
		default:
			h[hv.key] = []string{strings.Join(prior, ",") + "," + hv.val[0]}
		}
	}
}

// validHeaderValue reports whether v may be sent as a header value: no
// control characters but tab, which is what keeps values from splitting
// a header in two.
func validHeaderValue(v string) bool { return httpguts.ValidHeaderFieldValue(v) }
