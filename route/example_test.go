package route_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/route"
)

func ExampleTable_Match() {
	tbl, err := route.New([]route.Rule{
		{Host: "shop.example.com", Path: "/", Type: route.Prefix, Origin: "shop root"},
		{Host: "shop.example.com", Path: "/cart/", Type: route.Prefix, Origin: "cart"},
		{Host: "shop.example.com", Path: "/cart/checkout", Type: route.Exact, Origin: "checkout"},
		{Host: "*.example.com", Path: "/", Type: route.Prefix, Origin: "tenants"},
		{Type: route.Default, Origin: "catch-all"},
	})
	if err != nil {
		panic(err)
	}
	for _, req := range [][2]string{
		{"shop.example.com", "/cart"},          // Prefix "/cart/" ignores its trailing slash
		{"shop.example.com", "/cart/checkout"}, // Exact beats any Prefix
		{"shop.example.com", "/cartoon"},       // element-wise: not "/cart/"
		{"acme.example.com", "/cart"},          // one label under *.example.com
		{"a.b.example.com", "/"},               // two labels: not covered
	} {
		rule := tbl.Match(req[0], req[1])
		fmt.Printf("%s%s -> %s\n", req[0], req[1], rule.Origin)
	}
	// Output:
	// shop.example.com/cart -> cart
	// shop.example.com/cart/checkout -> checkout
	// shop.example.com/cartoon -> shop root
	// acme.example.com/cart -> tenants
	// a.b.example.com/ -> catch-all
}

func ExampleTable_MatchRequest() {
	tbl, err := route.New([]route.Rule{
		{Host: "example.com", Path: "/static/", Type: route.Prefix, Origin: "static"},
	})
	if err != nil {
		panic(err)
	}
	for _, target := range []string{
		"/static//css/../img/%7Elogo.png?v=2",
		"/static/../../etc/passwd",
	} {
		req := httptest.NewRequest("GET", target, nil)
		req.Host = "Example.COM:8080"
		rule, path, err := tbl.MatchRequest(req)
		switch {
		case errors.Is(err, route.ErrBadPath):
			fmt.Println("400:", err)
		case rule == nil:
			fmt.Println("404")
		default:
			fmt.Printf("%s: forward %s?%s\n", rule.Origin, path, req.URL.RawQuery)
		}
	}
	// Output:
	// static: forward /static/img/~logo.png?v=2
	// 400: route: malformed request path "/static/../../etc/passwd": ".." climbs above the root
}

func ExampleCleanPath() {
	for _, p := range []string{"/a//b/./c/", "/a/%2e%2e/b", "/%7euser/%2f", "/a/../../b", "/a/%zz"} {
		clean, err := route.CleanPath(p)
		fmt.Printf("%q %q %v\n", p, clean, err)
	}
	// Output:
	// "/a//b/./c/" "/a/b/c/" <nil>
	// "/a/%2e%2e/b" "/b" <nil>
	// "/%7euser/%2f" "/~user/%2F" <nil>
	// "/a/../../b" "" route: malformed request path "/a/../../b": ".." climbs above the root
	// "/a/%zz" "" route: malformed request path "/a/%zz": invalid percent-encoding at byte 3
}

func ExampleNormalizeHost() {
	for _, h := range []string{"Example.COM:443", "example.com.", "[::1]:8080"} {
		fmt.Println(route.NormalizeHost(h))
	}
	// Output:
	// example.com
	// example.com
	// [::1]
}

func ExampleTable_Explain() {
	tbl, err := route.New([]route.Rule{
		{Host: "api.example.com", Path: "/v1", Type: route.Prefix, Backend: route.Backend{Namespace: "prod", Service: "api", Port: "80"}, Origin: "ingress prod/api"},
		{Host: "api.example.com", Path: "/v1/admin", Type: route.Prefix, Backend: route.Backend{Namespace: "prod", Service: "admin", Port: "80"}, Origin: "ingress prod/admin"},
		{Host: "api.example.com", Type: route.Default, Backend: route.Backend{Namespace: "prod", Service: "docs", Port: "80"}, Origin: "ingress prod/api"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(tbl.Explain("API.example.com", "/v1/administrator"))
	// Output:
	// request: host "api.example.com" path "/v1/administrator"
	// host entry: exact "api.example.com"
	//        HOST             PATH       TYPE     BACKEND        ORIGIN              REASON
	//   no   api.example.com  /v1/admin  Prefix   prod/admin:80  ingress prod/admin  prefix /v1/admin does not match /v1/administrator element-wise
	//   won  api.example.com  /v1        Prefix   prod/api:80    ingress prod/api    longest matching prefix
	//   no   api.example.com  -          Default  prod/docs:80   ingress prod/api    host fallback not needed: a path matched
	// answer: api.example.com /v1 Prefix -> prod/api:80 (ingress prod/api)
}

func ExampleTable_String() {
	tbl, err := route.New([]route.Rule{
		{Path: "/", Type: route.Prefix, Backend: route.Backend{Namespace: "default", Service: "web", Port: "80"}, Origin: "ingress default/web"},
		{Host: "Foo.com", Path: "/api/v[0-9]+/", Type: route.Regex, Backend: route.Backend{Namespace: "default", Service: "api", Port: "http"}, Origin: "ingress default/api"},
		{Host: "foo.com", Path: "/api", Type: route.Prefix, Backend: route.Backend{Namespace: "default", Service: "api", Port: "http"}, Origin: "ingress default/api"},
		{Host: "foo.com", Path: "/api", Type: route.Prefix, Backend: route.Backend{Namespace: "other", Service: "api", Port: "80"}, Origin: "ingress other/api"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(tbl)
	for _, c := range tbl.Conflicts() {
		fmt.Println(c)
	}
	// Output:
	// HOST     PATH           TYPE    BACKEND           ORIGIN
	// foo.com  /api/v[0-9]+/  Regex   default/api:http  ingress default/api
	// foo.com  /api           Prefix  default/api:http  ingress default/api
	// *        /              Prefix  default/web:80    ingress default/web
	// route: host "foo.com" path "/api" (Prefix) of ingress other/api is ignored: already declared by ingress default/api
}

func ExampleTable_MatchRequest_predicates() {
	// Two rules of one HTTPRoute on the same path: a canary for requests
	// that ask for it, and the stable backend for the rest.
	tbl, err := route.New([]route.Rule{
		{Host: "shop.example.com", Path: "/api", Type: route.Prefix, Origin: "stable"},
		{Host: "shop.example.com", Path: "/api", Type: route.Prefix, Origin: "canary",
			Conditions: &route.Conditions{Headers: []route.HeaderMatch{{Name: "X-Canary", Value: "always"}}}},
		{Host: "shop.example.com", Path: "/api", Type: route.Prefix, Origin: "debug",
			Conditions: &route.Conditions{Method: "GET", Query: []route.QueryMatch{{Name: "debug", Value: "1"}}}},
	})
	if err != nil {
		panic(err)
	}
	for _, tc := range []struct{ method, target, canary string }{
		{"GET", "/api/cart", ""},
		{"GET", "/api/cart", "always"},
		{"GET", "/api/cart?debug=1", "always"}, // a method match outranks a header match
		{"POST", "/api/cart?debug=1", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.target, nil)
		req.Host = "shop.example.com"
		if tc.canary != "" {
			req.Header.Set("X-Canary", tc.canary)
		}
		rule, _, _ := tbl.MatchRequest(req)
		fmt.Printf("%s %s canary=%q -> %s\n", tc.method, tc.target, tc.canary, rule.Origin)
	}
	// Output:
	// GET /api/cart canary="" -> stable
	// GET /api/cart canary="always" -> canary
	// GET /api/cart?debug=1 canary="always" -> debug
	// POST /api/cart?debug=1 canary="" -> stable
}

// Each part of a large table (here, the rules of two teams) is prepared
// on its own, which reports its errors and conflicts, and Join lays out
// all of them once.
func ExampleJoin() {
	shop, err := route.Prepare([]route.Rule{
		{Host: "shop.example.com", Path: "/", Type: route.Prefix, Origin: "shop"},
		{Host: "shop.example.com", Path: "/", Type: route.Prefix, Origin: "shop again"},
	}, route.Options{})
	if err != nil {
		panic(err)
	}
	for _, c := range shop.Conflicts() {
		fmt.Println("conflict:", c.Dropped.Origin, "loses to", c.Kept.Origin)
	}
	blog, err := route.Prepare([]route.Rule{
		{Host: "blog.example.com", Path: "/posts", Type: route.Prefix, Origin: "blog"},
	}, route.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("blog hosts:", blog.Hosts())
	tbl := route.Join(shop, blog)
	fmt.Println(tbl.Match("shop.example.com", "/cart").Origin, tbl.Match("blog.example.com", "/posts/1").Origin, tbl.Len())
	// Output:
	// conflict: shop again loses to shop
	// blog hosts: [blog.example.com]
	// shop blog 2
}
