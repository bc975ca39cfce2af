package proxy_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// newExampleTable routes example.com to upstream up.
func newExampleTable(up *proxy.Upstream) *route.Table {
	t, err := route.New([]route.Rule{{Host: "example.com", Path: "/", Type: route.Prefix,
		Value: &proxy.Route{Upstream: up, Name: "ingress default/web", Object: proxy.ObjectRef{Kind: "Ingress", Namespace: "default", Name: "web"}}}})
	if err != nil {
		log.Fatal(err)
	}
	return t
}

// A middleware that logs which Ingress and endpoint served each request.
func ExampleWithInfo() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer backend.Close()
	h, err := proxy.New(proxy.Config{Table: newExampleTable(&proxy.Upstream{Name: "default/web:80", Endpoints: []string{backend.Listener.Addr().String()}})})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, info := proxy.WithInfo(r)
		h.ServeHTTP(w, r)
		if info.Upstream == nil {
			fmt.Println(info.Action, info.Status)
			return
		}
		fmt.Println(info.Action, info.Status, info.Route.Object, info.Upstream.Name, info.Attempts[0].Status, info.BytesOut)
	})
	logged.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://example.com/", nil))
	logged.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://example.org/", nil))
	// Output:
	// proxy 200 Ingress default/web default/web:80 200 5
	// not-found 404
}

// Error pages of one's own, knowing the cause.
func ExampleConfig_errorHandler() {
	h, err := proxy.New(proxy.Config{
		Table: newExampleTable(&proxy.Upstream{Name: "default/web:80"}), // no endpoints
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var e *proxy.Error
			errors.As(err, &e)
			w.WriteHeader(e.Status)
			fmt.Fprintf(w, "sorry: %s is unavailable (no endpoints: %v)", e.Upstream, errors.Is(err, proxy.ErrNoEndpoints))
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com/", nil))
	fmt.Println(w.Code, w.Body)
	// Output:
	// 503 sorry: default/web:80 is unavailable (no endpoints: true)
}

// A transport wrapper per upstream, for tracing headers, and a
// ModifyResponse hook.
func ExampleConfig_wrapTransport() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "backend saw traceparent ", r.Header.Get("Traceparent"))
	}))
	defer backend.Close()
	h, err := proxy.New(proxy.Config{
		Table: newExampleTable(&proxy.Upstream{Name: "default/web:80", Endpoints: []string{backend.Listener.Addr().String()}}),
		WrapTransport: func(u proxy.Upstream, next http.RoundTripper) http.RoundTripper {
			return roundTripper(func(r *http.Request) (*http.Response, error) {
				r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
				return next.RoundTrip(r)
			})
		},
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set("X-Served-By", "ingressmux")
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com/", nil))
	fmt.Println(w.Header().Get("X-Served-By"), w.Body)
	// Output:
	// ingressmux backend saw traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
}

// roundTripper is a function that is an http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// What the Handler would do with a request, without sending it.
func ExampleHandler_Explain() {
	h, err := proxy.New(proxy.Config{Table: newExampleTable(&proxy.Upstream{Name: "default/web:80", Endpoints: []string{"10.0.0.7:8080"}})})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	d := h.Explain(httptest.NewRequest("GET", "http://example.com/cart?id=7", nil))
	fmt.Println(d.Action, d.Upstream.Name, d.Outgoing.URL, d.Outgoing.Host, d.ReadTimeout)
	fmt.Println(h.Explain(httptest.NewRequest("GET", "http://example.org/", nil)).Action)
	// Output:
	// proxy default/web:80 http://10.0.0.7:8080/cart?id=7 example.com 1m0s
	// not-found
}
