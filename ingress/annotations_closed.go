package ingress

import "strings"

// unenforceable says, for an annotation that ingressmux does not support,
// whether ignoring it would let through requests that its author meant to
// refuse, and why. Such an Ingress loads, as ingress-nginx accepts it, but
// its routes answer 503 (fail closed) with a warning, rather than serving
// without the check.
func unenforceable(name string, annotations map[string]string, prefix string) (why string, closes bool) {
	switch name {
	case "auth-tls-secret":
		// ingress-nginx requires a client certificate signed by the
		// Secret's CA unless auth-tls-verify-client says otherwise.
		switch strings.TrimSpace(annotations[prefix+"auth-tls-verify-client"]) {
		case "off", "optional", "optional_no_ca":
			return "", false
		}
		return "client certificate authentication (auth-tls-secret) is not supported", true
	}
	return "", false
}
