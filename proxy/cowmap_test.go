package proxy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/ingressmux/ingressmux/route"
)

// TestCowMapClonesAreIndependent writes to a map and its clones at random
// and checks each against a plain map.
func TestCowMapClonesAreIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type version struct {
		m    *cowMap[int, int]
		want map[int]int
	}
	versions := []version{{newCowMap[int, int](), map[int]int{}}}
	for step := range 3000 {
		cur := &versions[len(versions)-1]
		k := r.IntN(2000)
		switch r.IntN(10) {
		case 0:
			c := cur.m.clone()
			versions = append(versions, version{c, maps.Clone(cur.want)})
			continue
		case 1, 2, 3:
			cur.m.del(k)
			delete(cur.want, k)
		default:
			cur.m.set(k, step)
			cur.want[k] = step
		}
	}
	for i, v := range versions {
		if v.m.len() != len(v.want) {
			t.Fatalf("version %d: len %d, want %d", i, v.m.len(), len(v.want))
		}
		got := map[int]int{}
		for k, x := range v.m.all() {
			got[k] = x
		}
		if !maps.Equal(got, v.want) {
			t.Fatalf("version %d: entries differ from a plain map's", i)
		}
		for k, x := range v.want {
			if y, ok := v.m.lookup(k); !ok || y != x {
				t.Fatalf("version %d: lookup(%d) = %d, %v; want %d", i, k, y, ok, x)
			}
		}
	}
}

// TestUpdateKeepsUpstreamIndexes applies random Updates (routes sharing
// upstreams, canaries and default backends, rules sharing routes) and
// checks after each that the upstreams the handler knows, by pointer and
// by name, are exactly those its routes use, as a Reload of the same
// table gives.
func TestUpdateKeepsUpstreamIndexes(t *testing.T) {
	a := newBackend(t, "a")
	r := rand.New(rand.NewPCG(5, 6))
	ups := make([]*Upstream, 6)
	for i := range ups {
		ups[i] = upstreamOf(fmt.Sprintf("u%d", i%4), a) // names shared by two Upstreams
	}
	newRoute := func() *Route {
		rt := &Route{Upstream: ups[r.IntN(len(ups))]}
		if r.IntN(3) == 0 {
			rt.DefaultBackend = ups[r.IntN(len(ups))]
		}
		if r.IntN(3) == 0 {
			rt.Canaries = []Canary{{Upstream: ups[r.IntN(len(ups))], Weight: 10}}
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
	for step := range 60 {
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
		want := map[*Upstream]bool{}
		for u := range fresh.upstreams.all() {
			want[u] = true
		}
		got := map[*Upstream]bool{}
		for u, up := range st.upstreams.all() {
			got[u] = true
			if !containsUpstream(st.byName.get(up.name), up) {
				t.Fatalf("step %d: upstream %s is missing from its name's list", step, up.name)
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("step %d: the handler knows %d upstreams, a fresh build %d", step, len(got), len(want))
		}
		names := 0
		for name, list := range st.byName.all() {
			for _, up := range list {
				names++
				if up.name != name || st.upstreams.get(up.cfg) != up {
					t.Fatalf("step %d: byName[%s] holds an upstream the handler does not serve", step, name)
				}
			}
		}
		if names != len(got) {
			t.Fatalf("step %d: byName lists %d upstreams, want %d", step, names, len(got))
		}
		counted := countUpstreamUses(st)
		for up, n := range st.upUses.all() {
			if counted.get(up) != n {
				t.Fatalf("step %d: upstream %s counted %d uses, has %d", step, up.name, n, counted.get(up))
			}
		}
		if counted.len() != st.upUses.len() {
			t.Fatalf("step %d: %d upstreams counted, %d used", step, st.upUses.len(), counted.len())
		}
	}
}

func containsUpstream(list []*upstream, up *upstream) bool {
	for _, u := range list {
		if u == up {
			return true
		}
	}
	return false
}
