package ingress

import (
	"slices"
	"strings"
)

// The skipping of invalid Ingresses (Options.SkipInvalidIngresses).
//
// ingress-nginx drops an Ingress whose annotations or spec it cannot use
// and serves everything else; its admission webhook, when installed,
// refuses the Ingress instead. ingressmux refuses by default, since a load
// error is the earliest place to see the problem, and skips on request.
// Skipping is all or nothing per Ingress: serving half of an Ingress would
// route its other paths in ways nobody wrote.

// skippable reports whether e concerns one Ingress and nothing else: an
// error on an Ingress object, not on a file, a Service or a Secret.
func skippable(e *Error) bool {
	return strings.HasPrefix(e.Object, "ingress ")
}

// skipInvalid splits errs into warnings for the Ingresses they name, which
// are added to skipped, and the errors that stay fatal.
func skipInvalid(errs ErrorList, skipped map[string]bool) ([]Warning, ErrorList) {
	var warnings []Warning
	var fatal ErrorList
	for _, e := range errs {
		if !skippable(e) {
			fatal = append(fatal, e)
			continue
		}
		skipped[e.Object] = true
		w := Warning{Source: e.Source, Object: e.Object, Message: skippedMessage}
		if e.Field != nil {
			w.Field = e.Field.Field
			w.Message += e.Field.ErrorBody()
		} else if e.Err != nil {
			w.Message += e.Err.Error()
		}
		warnings = append(warnings, w)
	}
	return warnings, fatal
}

// skippedMessage starts the warning of an Ingress left out for its errors.
const skippedMessage = "Ingress skipped (SkipInvalidIngresses): "

// withoutIngresses returns a copy of set without the Ingresses named in
// skipped ("ingress namespace/name").
func withoutIngresses(set *Set, skipped map[string]bool) *Set {
	out := *set
	out.Ingresses = slices.DeleteFunc(slices.Clone(set.Ingresses), func(ing Ingress) bool {
		return skipped[ing.Ref()]
	})
	return &out
}
