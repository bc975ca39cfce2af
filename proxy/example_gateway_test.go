package proxy_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/rewrite"
	"github.com/ingressmux/ingressmux/route"
)

// Routes as Gateway API's HTTPRoute filters make them: a URL rewrite that
// strips the matched prefix, a redirect to HTTPS, and weighted backends of
// which one could not be resolved (its share gets 500; weight 0 gets
// nothing).
func ExampleRoute_gatewayAPI() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend got Host %s path %s\n", r.Host, r.URL.RequestURI())
	}))
	defer backend.Close()
	web := &proxy.Upstream{Name: "default/web:8080", Endpoints: []string{backend.Listener.Addr().String()}}
	toHTTPS, err := rewrite.NewRequestRedirect("https", "", 0, nil, 301)
	if err != nil {
		log.Fatal(err)
	}
	table, err := route.New([]route.Rule{
		{Host: "example.com", Path: "/api", Type: route.Prefix, Value: &proxy.Route{
			Upstream:    web,
			Host:        "api.internal",
			ReplacePath: &rewrite.PathModifier{Prefix: true, Value: "/"},
		}},
		{Host: "example.com", Path: "/login", Type: route.Prefix, Value: &proxy.Route{Upstream: web, Redirect: toHTTPS}},
		{Host: "example.com", Path: "/half", Type: route.Prefix, Value: &proxy.Route{Backends: []proxy.WeightedBackend{
			{Upstream: web, Weight: 1},
			{Upstream: &proxy.Upstream{Name: "default/missing:80", Status: http.StatusInternalServerError}, Weight: 0},
		}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	h, err := proxy.New(proxy.Config{Table: table})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	for _, target := range []string{"/api/v1/users?id=7", "/login?next=/home", "/half/x"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.com"+target, nil))
		fmt.Print(w.Code, " ", w.Header().Get("Location"), " ", w.Body.String())
	}
	// Output:
	// 200  backend got Host api.internal path /v1/users?id=7
	// 301 https://example.com/login?next=/home 301 Moved Permanently
	// 200  backend got Host example.com path /half/x
}
