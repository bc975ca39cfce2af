package ingress

import (
	"slices"
	"strings"
)

// CompileSet validates set and compiles it with opts: what Load does once
// the files are read, for objects that come from elsewhere (a cluster's
// informer caches, say). With opts.SkipInvalidIngresses, Ingresses that
// fail validation are left out with warnings, and so are missing from the
// returned Set; set itself is not modified. Compiled is nil unless
// compiling ran.
func CompileSet(set *Set, opts Options) (*Set, *Compiled, error) {
	var skips []Warning
	err := set.Validate()
	if err != nil && opts.SkipInvalidIngresses {
		skipped := map[string]bool{}
		var fatal ErrorList
		skips, fatal = skipInvalid(err.(ErrorList), skipped)
		err = fatal.orNil()
		set = withoutIngresses(set, skipped)
		set.Warnings = append(slices.Clone(set.Warnings), skips...)
	}
	if err != nil {
		return set, nil, err
	}
	compiled, err := Compile(set, opts)
	return set, compiled, err
}

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
