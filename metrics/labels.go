package metrics

import (
	"net/http"
	"strconv"
)

// otherMethod labels every method that is not one of HTTP's own, so that
// a client inventing methods adds no series (the spelling follows
// OpenTelemetry's semantic conventions).
const otherMethod = "_OTHER"

// methodLabel returns the method label of m: m itself for the methods of
// RFC 9110 and PATCH, else otherMethod. Methods are case-sensitive, as
// in HTTP.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return otherMethod
}

// statusLabels are the labels of the status codes 0 to 599, made once so
// that labelling a request allocates nothing. A status outside 100-599
// (nothing was written, or a backend sent a code HTTP does not define)
// is labelled "0".
var statusLabels, statusClassLabels = func() (codes, classes [600]string) {
	for i := range codes {
		codes[i], classes[i] = "0", "0"
		if i >= 100 {
			codes[i] = strconv.Itoa(i)
			classes[i] = strconv.Itoa(i/100) + "xx"
		}
	}
	return codes, classes
}()

// statusLabel returns the label of status code: the code, or its class
// ("2xx") when classes is set.
func statusLabel(code int, classes bool) string {
	if code < 0 || code >= len(statusLabels) {
		code = 0
	}
	if classes {
		return statusClassLabels[code]
	}
	return statusLabels[code]
}
