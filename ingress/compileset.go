package ingress

import (
	"strings"
)

// SkippedIngress reports whether w says that the Ingress it names was left
// out because of an error (Options.SkipInvalidIngresses).
func (w Warning) SkippedIngress() bool {
	return strings.HasPrefix(w.Message, skippedMessage) && strings.HasPrefix(w.Object, "ingress ")
}

// Serves reports whether a loader with these options takes ing, given the
// IngressClasses of set (for the default class). It is the class selection
// of Compile, for callers that act on the Ingresses served, such as a
// status writer.
func (o *Options) Serves(set *Set, ing Ingress) bool {
	def, _ := defaultClass(set)
	ok, _ := o.takesIngress(ing, def)
	return ok
}
