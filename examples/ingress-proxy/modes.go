package main

import (
	"fmt"
	"io"

	"github.com/ingressmux/ingressmux/ingress"
)

// printDifferences reports the requests that the two matching modes route
// differently for the loaded objects, so that a migration shows what a
// switch changes before anyone switches.
func printDifferences(w io.Writer, mode ingress.MatchMode, diffs []ingress.Difference) {
	fmt.Fprintf(w, "\nmatching: %s", mode)
	if mode == ingress.MatchSpec {
		fmt.Fprint(w, " (the default; -match ingress-nginx reproduces ingress-nginx)")
	}
	if len(diffs) == 0 {
		fmt.Fprintln(w, "; spec and ingress-nginx route every example request alike")
		return
	}
	fmt.Fprintf(w, "; %d example request(s) that spec and ingress-nginx route differently:\n", len(diffs))
	reason := ""
	for _, d := range diffs {
		fmt.Fprintf(w, "  %s\n", d)
		if d.Reason != reason {
			reason = d.Reason
			fmt.Fprintf(w, "      why: %s\n", reason)
		}
	}
}
