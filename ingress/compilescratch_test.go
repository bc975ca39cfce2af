package ingress

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/proxy"
)

// scratchSet is a Set whose Ingresses ask, through their annotations, for
// route, upstream, traffic and balancing settings that depend on v, and
// whose backends resolve through a Service, its cluster DNS name or not
// at all.
func scratchSet(t *testing.T, v int) *Set {
	t.Helper()
	var b strings.Builder
	for i := range 6 {
		fmt.Fprintf(&b, `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-%[1]d
  namespace: ns
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: "%[2]dk"
    nginx.ingress.kubernetes.io/proxy-read-timeout: "%[2]d"
    nginx.ingress.kubernetes.io/upstream-vhost: v%[2]d.example.com
    nginx.ingress.kubernetes.io/rewrite-target: /v%[2]d/$1
    nginx.ingress.kubernetes.io/load-balance: %[3]s
    nginx.ingress.kubernetes.io/whitelist-source-range: 10.%[2]d.0.0/16
spec:
  rules:
    - host: app-%[1]d.example.com
      http:
        paths:
          - path: /api(/|$)(.*)
            pathType: ImplementationSpecific
            backend: {service: {name: api, port: {number: 8080}}}
          - path: /web/(.*)
            pathType: ImplementationSpecific
            backend: {service: {name: web-%[2]d, port: {name: http}}}
  defaultBackend: {service: {name: web-%[2]d, port: {number: 80}}}
`, i, v, []string{"round_robin", "ewma"}[v%2])
	}
	fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ns}
spec:
  ports: [{name: http, port: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: ns, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.18.0.%d]}]
`, v)
	set, err := DecodeBytes("scratch.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	return set
}

// TestCompileScratchReuseKeepsResults checks that what a Compile returns
// owns its memory: compiles that run after it, and at the same time as
// each other, reuse its scratch memory (policies, compiled routes) and
// must change nothing of its routes, upstreams and warnings. Run with
// -race, it also checks that compiles running at once share no scratch.
func TestCompileScratchReuseKeepsResults(t *testing.T) {
	for _, opts := range []Options{{}, {Matching: MatchIngressNginx}, {backendWarnings: true, deferTable: true}} {
		a, b := scratchSet(t, 1), scratchSet(t, 2)
		first, err := Compile(a, opts)
		if err != nil {
			t.Fatal(err)
		}
		others := make([]*Compiled, 4)
		var wg sync.WaitGroup
		for i := range others {
			wg.Go(func() {
				for range 25 {
					out, err := Compile(b, opts)
					if err != nil {
						t.Error(err)
						return
					}
					others[i] = out
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		other := others[0]
		again, err := Compile(a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(compiledRules(t, first), compiledRules(t, other)) {
			t.Fatalf("options %+v: the two sets compile to the same routes; the test cannot see a change", opts)
		}
		checkScratchRoutes(t, first, 1)
		checkScratchRoutes(t, other, 2)
		if !reflect.DeepEqual(compiledRules(t, first), compiledRules(t, again)) || !reflect.DeepEqual(compiledWarnings(first), compiledWarnings(again)) {
			t.Errorf("options %+v: a compile's result changed once later compiles ran", opts)
		}
	}
}

// checkScratchRoutes checks that every route of c has the settings the
// annotations of scratchSet(v) ask for.
func checkScratchRoutes(t *testing.T, c *Compiled, v int) {
	t.Helper()
	for _, r := range compiledRules(t, c) {
		rt, ok := r.(*proxy.Route)
		if !ok {
			continue
		}
		host := fmt.Sprintf("v%d.example.com", v)
		if rt.MaxBodyBytes != int64(v)<<10 || rt.ReadTimeout != time.Duration(v)*time.Second || rt.Host != host ||
			rt.Upstream == nil || rt.Upstream.TLS.ServerName != host || rt.Traffic == nil || len(rt.Traffic.AllowSources) != 1 {
			t.Errorf("route %s %s: got %+v, want the settings of set %d", rt.Name, rt.Origin.Path, rt, v)
		}
	}
}

// compiledRules lists the rules of c: host, path, type and proxy route.
func compiledRules(t *testing.T, c *Compiled) []any {
	t.Helper()
	table := c.Table
	if c.prepared != nil {
		table = c.prepared.Table()
	}
	if table == nil || len(table.Rules()) == 0 {
		t.Fatal("a compile gave no rules")
	}
	var out []any
	for _, r := range table.Rules() {
		out = append(out, r.Host, r.Path, r.Type, r.Value)
	}
	return out
}

// compiledWarnings lists the warnings, backend warnings, TLS hosts and
// differences of c.
func compiledWarnings(c *Compiled) []any {
	var out []any
	for _, w := range c.backendWarnings {
		out = append(out, w.key, w.n, w.w)
	}
	return append(out, c.Warnings, c.TLS, c.Differences)
}
