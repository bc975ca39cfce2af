package gateway

import "strings"

// intersect returns the hostnames a route with hostname routeHost serves
// on a listener with hostname listenerHost, as Gateway API intersects
// them; "" stands for any host. ok is false when they have nothing in
// common. A wildcard "*.example.com" covers any number of labels
// ("a.b.example.com" too) but not "example.com" itself; of two
// overlapping wildcards the more specific is the intersection.
func intersect(listenerHost, routeHost string) (host string, ok bool) {
	l, r := strings.ToLower(listenerHost), strings.ToLower(routeHost)
	switch {
	case l == "":
		return r, true
	case r == "":
		return l, true
	case l == r:
		return l, true
	case covers(l, r):
		return r, true
	case covers(r, l):
		return l, true
	}
	return "", false
}

// covers reports whether the wildcard w ("*.suffix") covers host, an exact
// name or a narrower wildcard.
func covers(w, host string) bool {
	suffix, ok := strings.CutPrefix(w, "*")
	return ok && strings.HasSuffix(host, suffix) && len(host) > len(suffix) && host != w
}
