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
	if got, want := keysOf(st.upstreams), keysOf(fresh.upstreams); !maps.Equal(got, want) {
		t.Fatalf("step %d: the handler knows %d Upstreams, a fresh build %d", step, len(got), len(want))
	}
	// Keys that share a balancer in one share it in the other.
	runtimes := map[*upstream]bool{}
	for u, up := range st.upstreams.all() {
		runtimes[up] = true
		for v, vp := range st.upstreams.all() {
			if (up == vp) != (fresh.upstreams.get(u) == fresh.upstreams.get(v)) {
				t.Fatalf("step %d: upstreams %s and %s: shared %v, a fresh build %v", step, u.Name, v.Name, up == vp, !(up == vp))
			}
		}
		if !slices.Contains(st.byName.get(up.name), up) {
			t.Fatalf("step %d: upstream %s is missing from its name's list", step, up.name)
		}
	}
	listed := map[*upstream]bool{}
	for name, list := range st.byName.all() {
		for _, up := range list {
			if up.name != name || !runtimes[up] || listed[up] {
				t.Fatalf("step %d: byName[%s] holds an upstream the handler does not serve, or twice", step, name)
			}
			listed[up] = true
		}
	}
	if len(listed) != len(runtimes) {
		t.Fatalf("step %d: byName lists %d upstreams, want %d", step, len(listed), len(runtimes))
	}
}

// checkTrafficIndexes checks the traffic runtimes of st against those of
// fresh, a build of the same table.
func checkTrafficIndexes(t *testing.T, step int, st, fresh *state) {
	t.Helper()
	if got, want := keysOf(st.traffics.byPolicy), keysOf(fresh.traffics.byPolicy); !maps.Equal(got, want) {
		t.Fatalf("step %d: the handler knows %d traffic policies, a fresh build %d", step, len(got), len(want))
	}
	runtimes := map[*trafficState]bool{}
	for p, ts := range st.traffics.byPolicy.all() {
		runtimes[ts] = true
		for q, tq := range st.traffics.byPolicy.all() {
			if (ts == tq) != (fresh.traffics.byPolicy.get(p) == fresh.traffics.byPolicy.get(q)) {
				t.Fatalf("step %d: traffic runtimes shared %v, in a fresh build %v", step, ts == tq, !(ts == tq))
			}
		}
		if !slices.Contains(st.traffics.byObject.get(ts.object), ts) {
			t.Fatalf("step %d: a traffic runtime of %v is missing from its object's list", step, ts.object)
		}
	}
	listed := map[*trafficState]bool{}
	for object, list := range st.traffics.byObject.all() {
		for _, ts := range list {
			if ts.object != object || !runtimes[ts] || listed[ts] {
				t.Fatalf("step %d: the runtimes of %v hold one the handler does not serve, or twice", step, object)
			}
			listed[ts] = true
		}
	}
	if len(listed) != len(runtimes) {
		t.Fatalf("step %d: the objects list %d traffic runtimes, want %d", step, len(listed), len(runtimes))
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
