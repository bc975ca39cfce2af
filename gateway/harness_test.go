package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// The conformance suite's GatewayClass name placeholder.
const className = "ingressmux"

// echoed is what an echo backend reports about a request, as the
// conformance suite's echo server does.
type echoed struct {
	Backend   string      `json:"backend"`
	Namespace string      `json:"namespace"`
	Method    string      `json:"method"`
	Host      string      `json:"host"`
	Path      string      `json:"path"`
	Headers   http.Header `json:"headers"`
}

// newEcho starts an echo backend on 127.0.0.1 for the Service ns/name. A
// request header X-Echo-Set-Header: "Name: value,Name2: value2" makes it
// set those response headers, as the suite's echo server does.
func newEcho(t testing.TB, ns, name string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, kv := range strings.Split(r.Header.Get("X-Echo-Set-Header"), ",") {
			if k, v, ok := strings.Cut(kv, ":"); ok {
				w.Header().Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(echoed{Backend: name, Namespace: ns, Method: r.Method, Host: r.Host, Path: r.URL.RequestURI(), Headers: r.Header})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// loadManifests reads the adapted conformance base objects and the named
// manifests, with the GatewayClass placeholder filled in.
func loadManifests(t testing.TB, names ...string) *ingress.Set {
	t.Helper()
	set := &ingress.Set{}
	paths := []string{filepath.Join("testdata", "conformance-base.yaml")}
	for _, n := range names {
		paths = append(paths, filepath.Join("testdata", "conformance", n+".yaml"))
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "{GATEWAY_CLASS_NAME}", className))
		s, err := ingress.DecodeBytes(path, data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		set.Add(s)
	}
	return set
}

// echoBackends starts an echo backend for every loaded Service and returns
// the overrides that point the Services' port 8080 at them.
func echoBackends(t testing.TB, set *ingress.Set) map[string]string {
	out := map[string]string{}
	for _, s := range set.Services {
		out[s.Namespace+"/"+s.Name+":8080"] = newEcho(t, s.Namespace, s.Name)
	}
	return out
}

// serveSet compiles set and returns the proxy handler serving its table.
func serveSet(t testing.TB, set *ingress.Set, opts Options) (http.Handler, *Compiled) {
	t.Helper()
	out, err := Compile(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Table == nil {
		return http.NotFoundHandler(), out
	}
	h, err := proxy.New(proxy.Config{Table: out.Table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, out
}

// exchange is one request and what the conformance test expects of it.
type exchange struct {
	req         string   // "METHOD host/path?query"; no host means any
	headers     []string // "Name: value"
	tls         bool     // sent on the program's TLS listener
	backend     string   // the Service that must answer, checked on 200s
	backendSets []string // response headers the backend sets
	seenPath    string   // path and query as the backend saw them
	seenHost    string
	seen        []string // request headers as the backend saw them
	seenAbsent  []string
	status      int   // default 200
	statuses    []int // alternatives to status
	resHeaders  []string
	resAbsent   []string
}

// run sends the exchange through h and checks the answer.
func (e exchange) run(t *testing.T, h http.Handler) {
	t.Helper()
	method, target, _ := strings.Cut(e.req, " ")
	host := "gateway.example"
	if !strings.HasPrefix(target, "/") {
		host, target, _ = strings.Cut(target, "/")
		target = "/" + target
	}
	r := httptest.NewRequest(method, "http://"+host+target, nil)
	r.RemoteAddr = "192.0.2.10:40000"
	if e.tls {
		r = httptest.NewRequest(method, "https://"+host+target, nil)
	}
	for _, kv := range e.headers {
		k, v, _ := strings.Cut(kv, ": ")
		r.Header.Add(k, v)
	}
	if len(e.backendSets) > 0 {
		r.Header.Set("X-Echo-Set-Header", strings.Join(e.backendSets, ","))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	want := e.statuses
	if len(want) == 0 {
		want = []int{cmpOr(e.status, 200)}
	}
	if !slices.Contains(want, w.Code) {
		t.Fatalf("%s: status %d, want %v; body %s", e.req, w.Code, want, w.Body.String())
	}
	for _, kv := range e.resHeaders {
		k, v, _ := strings.Cut(kv, ": ")
		if got := strings.Join(w.Header().Values(k), ","); got != v {
			t.Errorf("%s: response header %s = %q, want %q", e.req, k, got, v)
		}
	}
	for _, k := range e.resAbsent {
		if v := w.Header().Values(k); len(v) > 0 {
			t.Errorf("%s: response header %s = %q, want none", e.req, k, v)
		}
	}
	if w.Code != 200 || e.backend == "" && e.seenPath == "" && len(e.seen) == 0 && len(e.seenAbsent) == 0 {
		return
	}
	var got echoed
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s: not answered by an echo backend: %q", e.req, w.Body.String())
	}
	if e.backend != "" && got.Backend != e.backend {
		t.Errorf("%s: answered by %s, want %s", e.req, got.Backend, e.backend)
	}
	if e.seenPath != "" && got.Path != e.seenPath {
		t.Errorf("%s: backend saw path %q, want %q", e.req, got.Path, e.seenPath)
	}
	if e.seenHost != "" && got.Host != e.seenHost {
		t.Errorf("%s: backend saw host %q, want %q", e.req, got.Host, e.seenHost)
	}
	for _, kv := range e.seen {
		k, v, _ := strings.Cut(kv, ": ")
		if g := strings.Join(got.Headers.Values(k), ","); g != v {
			t.Errorf("%s: backend saw %s = %q, want %q", e.req, k, g, v)
		}
	}
	for _, k := range e.seenAbsent {
		if v := got.Headers.Values(k); len(v) > 0 {
			t.Errorf("%s: backend saw %s = %q, want none", e.req, k, v)
		}
	}
}

func cmpOr(v, fallback int) int {
	if v == 0 {
		return fallback
	}
	return v
}

// wantCondition is a condition a route must have for one parent Gateway.
type wantCondition struct {
	kind    string // HTTPRoute or GRPCRoute
	route   string // namespace/name
	gateway string // the parent Gateway's name
	typ     string
	ok      bool
	reason  string
}

// check finds the condition in st.
func (wc wantCondition) check(t *testing.T, st Status) {
	t.Helper()
	list := st.HTTPRoutes
	if wc.kind == "GRPCRoute" {
		list = st.GRPCRoutes
	}
	for _, rs := range list {
		if rs.Namespace+"/"+rs.Name != wc.route {
			continue
		}
		for _, p := range rs.Status.Parents {
			if string(p.ParentRef.Name) != wc.gateway {
				continue
			}
			for _, c := range p.Conditions {
				if c.Type == wc.typ {
					if (c.Status == "True") != wc.ok || c.Reason != wc.reason {
						t.Errorf("%s %s parent %s: %s = %s/%s (%s), want %t/%s", wc.kind, wc.route, wc.gateway, c.Type, c.Status, c.Reason, c.Message, wc.ok, wc.reason)
					}
					return
				}
			}
		}
	}
	t.Errorf("%s %s parent %s: no %s condition in %+v", wc.kind, wc.route, wc.gateway, wc.typ, list)
}

func decodeJSON(t testing.TB, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("not JSON: %q", data)
	}
}
