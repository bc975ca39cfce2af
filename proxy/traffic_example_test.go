package proxy_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// A route with CORS, basic authentication and a rate limit. The steps run
// in ingress-nginx's order: the preflight is answered before anything
// else, and the rate limit counts the request that authentication then
// refuses.
func ExampleTraffic() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Header.Get("X-User"))
	}))
	defer backend.Close()

	traffic := &proxy.Traffic{
		CORS:      &proxy.CORS{AllowOrigins: []string{"https://*.example.com"}},
		RateLimit: &proxy.RateLimit{RPM: 1, BurstMultiplier: 1, RejectStatus: http.StatusTooManyRequests},
		BasicAuth: &proxy.BasicAuth{Realm: "api", Users: map[string]string{"ann": "{PLAIN}s3cret"}},
		RequestHeaders: proxy.HeaderRules{
			Set: map[string]string{"X-User": "someone who knows the password"},
		},
		ResponseHeaders: proxy.HeaderRules{
			Set: map[string]string{"X-Frame-Options": "DENY"},
		},
	}
	web := &proxy.Upstream{Name: "default/api:80", Endpoints: []string{backend.Listener.Addr().String()}}
	table, err := route.New([]route.Rule{
		{Host: "api.example.com", Path: "/", Type: route.Prefix, Value: &proxy.Route{Upstream: web, Traffic: traffic}},
	})
	if err != nil {
		log.Fatal(err)
	}
	h, err := proxy.New(proxy.Config{Table: table})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	send := func(method string, header ...string) {
		req, _ := http.NewRequest(method, srv.URL+"/v1/items", nil)
		req.Host = "api.example.com"
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		fmt.Println(method, res.Status, "|", res.Header.Get("Access-Control-Allow-Origin"), "|", res.Header.Get("WWW-Authenticate"), "|", res.Header.Get("X-Frame-Options"))
	}
	send("OPTIONS", "Origin", "https://ui.example.com", "Access-Control-Request-Method", "PUT")
	send("GET", "Origin", "https://ui.example.com")
	send("GET", "Authorization", "Basic YW5uOnMzY3JldA==") // ann:s3cret
	send("GET", "Authorization", "Basic YW5uOnMzY3JldA==")
	// Output:
	// OPTIONS 204 No Content | https://ui.example.com |  | DENY
	// GET 401 Unauthorized | https://ui.example.com | Basic realm="api" | DENY
	// GET 200 OK |  |  | DENY
	// GET 429 Too Many Requests |  |  | DENY
}
