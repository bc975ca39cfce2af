package proxy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// TestUpdateKeepsUpstreamIndexes makes random Updates of a table whose
// routes share Upstream values, bring equal ones (one balancer for
// several keys), and use every field that holds an upstream (default
// backend, canaries, weighted backends, mirrors) and traffic policies of
// named objects; after each, it checks that the upstreams and traffic
// runtimes the handler knows, their sharing, their indexes by name and
// object, and their use counts are those a fresh build of the table gives.
func TestUpdateKeepsUpstreamIndexes(t *testing.T) {
	a := newBackend(t, "a")
	r := rand.New(rand.NewPCG(5, 6))
	ups := make([]*Upstream, 6)
	for i := range ups {
		ups[i] = upstreamOf(fmt.Sprintf("u%d", i%4), a) // names shared by two equal Upstreams
	}
	upstream := func() *Upstream {
		if r.IntN(4) == 0 {
			return upstreamOf(fmt.Sprintf("u%d", r.IntN(4)), a) // a new value, as a compile gives
		}
		return ups[r.IntN(len(ups))]
	}
	// The policies of each object, as a front end gives them: values of
	// one object, some equal.
	objects := []ObjectRef{{Kind: "Ingress", Namespace: "ns", Name: "x"}, {Kind: "Ingress", Namespace: "ns", Name: "y"}}
	policies := [][]*Traffic{{{Deny: "no"}, {Deny: "no"}, {Deny: "other"}}, {{Deny: "no"}, {Deny: "other"}}}
	traffic := func(object int) *Traffic {
		if r.IntN(3) == 0 {
			return &Traffic{Deny: []string{"no", "other"}[r.IntN(2)]} // a new, maybe equal, value
		}
		return policies[object][r.IntN(len(policies[object]))]
	}
	newRoute := func() *Route {
		object := r.IntN(len(objects))
		rt := &Route{Object: objects[object]}
		if r.IntN(4) == 0 {
			rt.Backends = []WeightedBackend{{Upstream: upstream(), Weight: 1}, {Upstream: upstream(), Weight: 2}}
		} else {
			rt.Upstream = upstream()
			if r.IntN(3) == 0 {
				rt.Canaries = []Canary{{Upstream: upstream(), Weight: 10}}
			}
		}
		if r.IntN(3) == 0 {
			rt.DefaultBackend = upstream()
		}
		if r.IntN(4) == 0 {
			rt.Mirrors = []Mirror{{Upstream: upstream()}}
		}
		if r.IntN(2) == 0 {
			rt.Traffic = traffic(object)
		}
		return rt
	}
	hostRules := func(host string, shared *Route) []route.Rule {
		var out []route.Rule
		for i := range 1 + r.IntN(3) {
			rt := shared
			if rt == nil || r.IntN(2) == 0 {
				rt = newRoute()
			}
			out = append(out, prefix(host, fmt.Sprintf("/p%d", i), rt))
		}
		return out
	}
	var rules []route.Rule
	shared := newRoute()
	for i := range 8 {
		rules = append(rules, hostRules(fmt.Sprintf("h%d.test", i), shared)...)
	}
	h, _ := newHandler(t, Config{Table: newTable(t, rules...)})
	for step := range 200 {
		host := fmt.Sprintf("h%d.test", r.IntN(10))
		var removed []route.Rule
		for _, rule := range h.state.Load().table.Rules() {
			if rule.Host == host {
				removed = append(removed, rule)
			}
		}
		var added []route.Rule
		if r.IntN(4) > 0 {
			added = hostRules(host, shared)
		}
		part := newTable(t, added...)
		table := route.SpliceHosts(h.state.Load().table, map[string]bool{host: true}, part)
		if err := h.Update(table, removed, part.Rules()); err != nil {
			t.Fatal(err)
		}
		st := h.state.Load()
		fresh, err := h.build(table, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkUpstreamIndexes(t, step, st, fresh)
		checkTrafficIndexes(t, step, st, fresh)
		checkCounts(t, step, st)
	}
}

// checkUpstreamIndexes checks the upstreams of st against those of fresh,
// a build of the same table.
func checkUpstreamIndexes(t *testing.T, step int, st, fresh *state) {
	t.Helper()
	checkRuntimes(t, fmt.Sprintf("step %d: upstreams", step), st.upstreams, fresh.upstreams, st.byName, func(up *upstream) string { return up.name })
}

// checkTrafficIndexes checks the traffic runtimes of st against those of
// fresh, a build of the same table.
func checkTrafficIndexes(t *testing.T, step int, st, fresh *state) {
	t.Helper()
	checkRuntimes(t, fmt.Sprintf("step %d: traffic policies", step), st.traffics.byPolicy, fresh.traffics.byPolicy, st.traffics.byObject, func(ts *trafficState) ObjectRef { return ts.object })
}

// checkRuntimes checks the runtimes of the keys of got against those of
// want, a fresh build's: the same keys, sharing runtimes alike; and index
// (by groupOf) lists each runtime of got once, and nothing else.
func checkRuntimes[K, R, G comparable](t *testing.T, what string, got, want *cowMap[K, R], index *cowMap[G, []R], groupOf func(R) G) {
	t.Helper()
	if g, w := keysOf(got), keysOf(want); !maps.Equal(g, w) {
		t.Fatalf("%s: the handler knows %d, a fresh build %d", what, len(g), len(w))
	}
	runtimes := map[R]bool{}
	for k, r := range got.all() {
		runtimes[r] = true
		for l, q := range got.all() {
			if (r == q) != (want.get(k) == want.get(l)) {
				t.Fatalf("%s: two keys share a runtime: %v, in a fresh build %v", what, r == q, r != q)
			}
		}
		if !slices.Contains(index.get(groupOf(r)), r) {
			t.Fatalf("%s: a runtime is missing from the index under %v", what, groupOf(r))
		}
	}
	listed := map[R]bool{}
	for group, list := range index.all() {
		for _, r := range list {
			if groupOf(r) != group || !runtimes[r] || listed[r] {
				t.Fatalf("%s: the index under %v holds a runtime the handler does not serve, or twice", what, group)
			}
			listed[r] = true
		}
	}
	if len(listed) != len(runtimes) {
		t.Fatalf("%s: the index lists %d runtimes, want %d", what, len(listed), len(runtimes))
	}
}

// checkCounts checks st's use counts against a count of its routes.
func checkCounts(t *testing.T, step int, st *state) {
	t.Helper()
	counted := countUses(st)
	for what, pair := range map[string][2]map[any]int{
		"upstream references":   {entriesOf(st.counts.upstreams.refs), entriesOf(counted.upstreams.refs)},
		"upstream keys":         {entriesOf(st.counts.upstreams.keys), entriesOf(counted.upstreams.keys)},
		"traffic references":    {entriesOf(st.counts.traffics.refs), entriesOf(counted.traffics.refs)},
		"traffic runtimes keys": {entriesOf(st.counts.traffics.keys), entriesOf(counted.traffics.keys)},
	} {
		if !maps.Equal(pair[0], pair[1]) {
			t.Fatalf("step %d: %s: %d counted as Updates went, %d counting the routes (or the counts differ)", step, what, len(pair[0]), len(pair[1]))
		}
	}
}

func keysOf[K comparable, V any](m *cowMap[K, V]) map[K]bool {
	out := map[K]bool{}
	for k := range m.all() {
		out[k] = true
	}
	return out
}

func entriesOf[K comparable](m *cowMap[K, int]) map[any]int {
	out := map[any]int{}
	for k, n := range m.all() {
		out[k] = n
	}
	return out
}
