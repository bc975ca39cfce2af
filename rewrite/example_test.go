package rewrite_test

import (
	"fmt"

	"github.com/ingressmux/ingressmux/rewrite"
)

// The rewrite of ingress-nginx's documentation: path
// "/something(/|$)(.*)" with rewrite-target "/$2".
func ExamplePath() {
	r, err := rewrite.NewPath("/something(/|$)(.*)", "/$2")
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"/something", "/something/", "/something/new", "/other"} {
		got, ok := r.Apply(p)
		fmt.Printf("%-15s -> %-7s rewritten: %v\n", p, got, ok)
	}
	// Output:
	// /something      -> /       rewritten: true
	// /something/     -> /       rewritten: true
	// /something/new  -> /new    rewritten: true
	// /other          -> /other  rewritten: false
}
