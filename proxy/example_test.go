package proxy_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// get sends GET url with the given Host to a server and prints the answer.
func get(srvURL, host, path string) {
	req, err := http.NewRequest("GET", srvURL+path, nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	fmt.Print(res.Status, ": ")
	io.Copy(os.Stdout, res.Body)
}

func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend got Host %s path %s query %s\n", r.Host, r.URL.Path, r.URL.RawQuery)
	}))
	defer backend.Close()

	web := &proxy.Upstream{Name: "default/web:80", Endpoints: []string{backend.Listener.Addr().String()}}
	table, err := route.New([]route.Rule{
		{Host: "example.com", Path: "/", Type: route.Prefix, Value: &proxy.Route{Upstream: web, Name: "ingress default/web"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	h, err := proxy.New(proxy.Config{Table: table})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h) // in production: http.Server{Handler: h}
	defer srv.Close()

	get(srv.URL, "example.com", "/a//b/../c?x=1")
	get(srv.URL, "other.com", "/")
	// Output:
	// 200 OK: backend got Host example.com path /a/c query x=1
	// 404 Not Found: 404 page not found
}

func ExampleHandler_Reload() {
	backend := func(name string) (*httptest.Server, *proxy.Upstream) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, name)
		}))
		return srv, &proxy.Upstream{Name: name, Endpoints: []string{srv.Listener.Addr().String()}}
	}
	blue, blueUp := backend("blue")
	defer blue.Close()
	green, greenUp := backend("green")
	defer green.Close()
	tableFor := func(up *proxy.Upstream) *route.Table {
		t, err := route.New([]route.Rule{{Path: "/", Type: route.Prefix, Value: &proxy.Route{Upstream: up}}})
		if err != nil {
			log.Fatal(err)
		}
		return t
	}

	h, err := proxy.New(proxy.Config{Table: tableFor(blueUp)})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get(srv.URL, "example.com", "/")

	// Switch to green; requests in flight finish on blue.
	if err := h.Reload(tableFor(greenUp)); err != nil {
		log.Fatal(err)
	}
	get(srv.URL, "example.com", "/")

	// A table that does not validate is refused; green keeps serving.
	bad, _ := route.New([]route.Rule{{Path: "/", Type: route.Prefix, Value: "not a *proxy.Route"}})
	fmt.Println(h.Reload(bad))
	get(srv.URL, "example.com", "/")
	// Output:
	// 200 OK: blue
	// 200 OK: green
	// proxy: rule: host "*" path "/": Value is string, want a non-nil *proxy.Route
	// 200 OK: green
}
