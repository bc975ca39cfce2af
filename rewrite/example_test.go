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

// Gateway API's ReplacePrefixMatch for a route matching the prefix
// "/prefix": element by element, so "/prefixed" is not touched.
func ExamplePathModifier() {
	m := rewrite.PathModifier{Prefix: true, Value: "/"}
	for _, p := range []string{"/prefix/one", "/prefix", "/prefix/", "/prefixed"} {
		fmt.Printf("%-11s -> %s\n", p, m.Apply(p, "/prefix"))
	}
	// Output:
	// /prefix/one -> /one
	// /prefix     -> /
	// /prefix/    -> /
	// /prefixed   -> /prefixed
}

// Gateway API's RequestRedirect with scheme "https" and no port: the
// well-known port 443, which a Location leaves out, whatever port the
// client used.
func ExampleNewRequestRedirect() {
	r, err := rewrite.NewRequestRedirect("https", "", 0, &rewrite.PathModifier{Prefix: true, Value: "/new"}, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Code, r.Location("http", "shop.example:8080", "/old/cart", "/old", "id=7"))
	// Output:
	// 302 https://shop.example/new/cart?id=7
}
