package proxy

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ingressmux/ingressmux/route"
	"github.com/ingressmux/ingressmux/tlsconfig"
)

// mixedTable returns a table of n Ingress-like rules, drawn from seed,
// with everything a fill shares or counts: equal Upstreams under
// different pointers, one *Upstream reached by several routes, Upstreams
// of one name that differ (one list by name, several balancers), routes
// carried by two rules, default backends, canaries, weighted backends,
// mirrors, traffic policies, and protocols and balancing policies of all
// kinds. Revisions after the first take two thirds of their Upstreams
// from pool, which the first fills: a fill keeps those balancers; the
// others are new, and some have other endpoints.
func mixedTable(tb testing.TB, n int, seed uint64, rev int, pool map[int]*Upstream) *route.Table {
	tb.Helper()
	rnd := rand.New(rand.NewPCG(seed, 1))
	upstream := func() *Upstream {
		k := rnd.IntN(n/4 + 1)
		if u := pool[k]; u != nil && (rev+k)%3 != 0 {
			return u // the same *Upstream as the previous revision
		}
		u := &Upstream{Name: fmt.Sprintf("ns/svc-%d:80", k), Endpoints: []string{fmt.Sprintf("198.18.%d.%d:80", k%200, 1+k%250)}}
		if k%7 == 0 {
			// The same name, other endpoints in some revisions.
			u.Endpoints = append(u.Endpoints, fmt.Sprintf("198.19.0.%d:80", 1+(k+rev)%3))
		}
		switch k % 11 {
		case 1:
			u.Protocol = HTTPS
			u.TLS = tlsconfig.Client{ServerName: fmt.Sprintf("svc-%d.test", k%3)}
		case 2:
			u.Protocol = AutoHTTP
		case 3:
			u.Protocol = GRPC
			u.ConnectTimeout = time.Duration(1+k%2) * time.Second
		case 4:
			u.Balance = EWMA
		case 5:
			u.HashBy = "$request_uri"
		case 6:
			u.Affinity = &Affinity{Name: "route"}
		case 7:
			u.Status = 503
			u.Endpoints = nil
		}
		if pool[k] == nil {
			pool[k] = u
		}
		return u
	}
	var shared *Upstream
	rules := make([]route.Rule, 0, n)
	var again []route.Rule
	for i := 0; len(rules) < n; i++ {
		host := fmt.Sprintf("app-%d.test", i/3)
		rt := &Route{Name: fmt.Sprintf("Ingress ns/app-%d", i), MaxBodyBytes: int64(i%3) << 20}
		switch i % 13 {
		case 0, 1, 2, 3, 4:
			rt.Upstream = upstream()
		case 5:
			if shared == nil || i%5 == 0 {
				shared = upstream()
			}
			rt.Upstream = shared // one pointer, several routes
		case 6:
			rt.Upstream, rt.DefaultBackend, rt.InterceptErrors = upstream(), upstream(), []int{404, 503}
		case 7:
			rt.Upstream = upstream()
			rt.Canaries = []Canary{{Upstream: upstream(), Header: "X-Canary"}, {Upstream: upstream(), Weight: 10}}
		case 8:
			rt.Backends = []WeightedBackend{{Upstream: upstream(), Weight: 1}, {Upstream: upstream(), Weight: 3, RequestHeaders: HeaderRules{Set: map[string]string{"X-B": "b"}}}}
		case 9:
			rt.Upstream = upstream()
			rt.Mirrors = []Mirror{{Upstream: upstream()}, {Upstream: upstream(), Numerator: 1, Denominator: 2}}
		case 10:
			rt.Upstream = upstream()
			rt.Object = ObjectRef{Kind: "Ingress", Namespace: "ns", Name: fmt.Sprintf("app-%d", i%4)}
			rt.Traffic = &Traffic{RequestHeaders: HeaderRules{Set: map[string]string{"X-Env": fmt.Sprint(i % 2)}}}
		case 11:
			rt.Upstream = upstream()
			rt.Traffic = &Traffic{RateLimit: &RateLimit{RPM: 60, BurstMultiplier: 1}}
		case 12:
			rt.Upstream = upstream()
			// A second rule carries the route, some rules later.
			again = append(again, route.Rule{Host: host, Path: "/again", Type: route.Prefix, Origin: rt.Name, Value: rt})
		}
		rules = append(rules, route.Rule{Host: host, Path: fmt.Sprintf("/p%d", i), Type: route.Prefix, Origin: rt.Name, Value: rt})
		if len(again) > 2 {
			rules = append(rules, again[0])
			again = again[1:]
		}
	}
	return newTable(tb, rules...)
}

// stateShape describes st by identity, rule after rule: each upstream,
// transport and traffic runtime is numbered where a rule first reaches
// it, and an upstream of old is named by old's numbering, so that two
// states built from one table have equal shapes exactly when they share
// (and keep from old) alike.
func stateShape(tb testing.TB, st *state, old *state) []string {
	tb.Helper()
	ids := map[any]string{}
	oldIDs := map[*upstream]string{}
	if old != nil {
		for _, rule := range old.table.Rules() {
			rs := old.routes.get(rule.Value.(*Route))
			for _, up := range slices.Concat([]*upstream{rs.up, rs.fallback}, rs.canaries, rs.backends, rs.mirrors) {
				if _, ok := oldIDs[up]; !ok && up != nil {
					oldIDs[up] = fmt.Sprint("old", len(oldIDs))
				}
			}
		}
	}
	// The Upstreams are numbered first, in rule order, so that which of
	// equal Upstreams an upstream was made from shows.
	for _, rule := range st.table.Rules() {
		rt := rule.Value.(*Route)
		for _, u := range slices.Concat([]*Upstream{rt.Upstream, rt.DefaultBackend},
			upstreamsOf(rt.Canaries, func(c Canary) *Upstream { return c.Upstream }),
			upstreamsOf(rt.Backends, func(b WeightedBackend) *Upstream { return b.Upstream }),
			upstreamsOf(rt.Mirrors, func(m Mirror) *Upstream { return m.Upstream })) {
			if _, ok := ids[u]; !ok && u != nil {
				ids[u] = fmt.Sprint("U", len(ids))
			}
		}
	}
	upstreamIDs := len(ids)
	var out []string
	var id func(x any) string
	id = func(x any) string {
		switch v := x.(type) {
		case *upstream:
			if v == nil {
				return "nil"
			}
			if s, ok := oldIDs[v]; ok {
				return s
			}
		case *transportEntry:
			if v == nil {
				return "nil"
			}
		case *trafficState:
			if v == nil {
				return "nil"
			}
		}
		if s, ok := ids[x]; ok {
			return s
		}
		s := fmt.Sprintf("#%d", len(ids)-upstreamIDs)
		ids[x] = s
		if up, ok := x.(*upstream); ok {
			out = append(out, fmt.Sprintf("%s = %s %v cfg=%s te=%s teTLS=%s health=%t sel=%t lat=%t n=%d",
				s, up.name, up.endpoints, id(up.cfg), id(up.te), id(up.teTLS), up.health != nil, up.sel != nil, up.lat != nil, up.n.Load()))
		}
		return s
	}
	ups := func(list []*upstream) string {
		var ss []string
		for _, up := range list {
			ss = append(ss, id(up))
		}
		return strings.Join(ss, ",")
	}
	for _, rule := range st.table.Rules() {
		rt := rule.Value.(*Route)
		rs := st.routes.get(rt)
		if rs == nil {
			tb.Fatalf("%s %s: no route state", rule.Host, rule.Path)
		}
		out = append(out, fmt.Sprintf("%s%s: up=%s fallback=%s canaries=%s backends=%s mirrors=%s traffic=%s extras=%t weights=%v rules=%d intercept=%v body=%d read=%v send=%v cookie=%s extra=%d upstream=%s",
			rule.Host, rule.Path, id(rs.up), id(rs.fallback), ups(rs.canaries), ups(rs.backends), ups(rs.mirrors), id(rs.traffic),
			rs.routeExtras == &noExtras, rs.weightSums, len(rs.backendRules), rs.intercept, rs.maxBody, rs.readTimeout, rs.sendTimeout, rs.cookiePath,
			st.extraUses.get(rt), id(st.upstreams.get(rt.Upstream))))
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range st.byName.all() {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		out = append(out, fmt.Sprintf("byName %s: %s", name, ups(st.byName.get(name))))
	}
	var transports []string
	for _, te := range st.transports.all {
		transports = append(transports, id(te))
	}
	slices.Sort(transports) // the order transports were made in is not kept
	out = append(out, fmt.Sprintf("sizes: routes=%d upstreams=%d byName=%d extraUses=%d transports=%v",
		st.routes.len(), st.upstreams.len(), st.byName.len(), st.extraUses.len(), transports))
	return out
}

// TestConcurrentFillSharesAsFill checks that a table large enough to be
// built on several goroutines gets the state fill builds rule after rule:
// the same routes, the same upstreams shared by the same routes, the
// previous table's balancers kept for the same upstreams, the same lists
// by name and counts of extra uses.
func TestConcurrentFillSharesAsFill(t *testing.T) {
	n := 3 * concurrentFillRules
	for _, workers := range []int{2, 3, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			h, err := New(Config{Table: newTable(t)})
			if err != nil {
				t.Fatal(err)
			}
			var old *state
			pool := map[int]*Upstream{}
			for rev := range 2 {
				table := mixedTable(t, n, 17, rev, pool)
				rules := table.Rules()
				want, err := h.fill(newState(table), rules, old)
				if err != nil {
					t.Fatal(err)
				}
				got := newState(table)
				if !h.fillConcurrent(got, rules, old, workers) {
					t.Fatalf("rev %d: the concurrent fill failed on a valid table", rev)
				}
				wantShape, gotShape := stateShape(t, want, old), stateShape(t, got, old)
				if d := firstDiff(wantShape, gotShape); d != "" {
					t.Fatalf("rev %d: concurrent fill differs from fill:\n%s", rev, d)
				}
				kept := 0
				for _, line := range gotShape {
					kept += strings.Count(line, "=old")
				}
				if rev == 1 && kept == 0 {
					t.Fatalf("rev 1 kept no upstream of rev 0: the test reaches no kept balancer")
				}
				old = got
			}
		})
	}
}

// firstDiff returns the first line where got differs from want, with its
// neighbours, or "".
func firstDiff(want, got []string) string {
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n want %s\n  got %s", i, w, g)
		}
	}
	return ""
}

// TestConcurrentBuildReportsInRuleOrder checks that a large table with
// problems gets from New every one of them, in rule order, with their rule
// names, as a rule-by-rule fill reports them, while the same table made
// valid is built on several goroutines.
func TestConcurrentBuildReportsInRuleOrder(t *testing.T) {
	n := 2 * concurrentFillRules
	good := func(i int) *Route {
		return &Route{Upstream: &Upstream{Name: fmt.Sprintf("svc-%d", i%50), Endpoints: []string{"198.18.0.1:80"}}}
	}
	breakers := map[int]func(rt *Route){
		100:  func(rt *Route) { rt.ReadTimeout = -1 },
		900:  func(rt *Route) { rt.Upstream = &Upstream{Name: "bad-endpoint", Endpoints: []string{"nowhere"}} },
		1500: func(rt *Route) { rt.Canaries = []Canary{{Upstream: nil}} },
		2500: func(rt *Route) { rt.Upstream = &Upstream{Name: "svc-7", Endpoints: []string{"198.18.0.1:0"}} },
		3000: func(rt *Route) {
			rt.Upstream = nil
			rt.Backends = []WeightedBackend{{Upstream: good(1).Upstream, Weight: 1, RequestHeaders: HeaderRules{Set: map[string]string{"Bad Name": "x"}}}}
		},
		3900: func(rt *Route) {
			u := *rt.Upstream
			u.Status = 200
			rt.Upstream = &u
		},
	}
	var rules, valid []route.Rule
	for i := range n {
		rt := good(i)
		rule := route.Rule{Host: fmt.Sprintf("h%05d.test", i), Path: "/", Type: route.Prefix, Origin: fmt.Sprintf("Ingress ns/i%05d", i), Value: rt}
		valid = append(valid, rule)
		if breaker, ok := breakers[i]; ok {
			bad := *rt
			breaker(&bad)
			rule.Value = &bad
		}
		rules = append(rules, rule)
	}
	h, err := New(Config{Table: newTable(t)})
	if err != nil {
		t.Fatal(err)
	}
	validTable := newTable(t, valid...)
	if !h.fillConcurrent(newState(validTable), validTable.Rules(), nil, 2) {
		t.Fatal("the valid table is not built concurrently")
	}
	table := newTable(t, rules...)
	if h.fillConcurrent(newState(table), table.Rules(), nil, 2) {
		t.Fatal("a table with problems was built")
	}
	_, err = New(Config{Table: table})
	if err == nil {
		t.Fatal("New built a table with problems")
	}
	// In rule order, one line each (the tables' rules are in host order).
	lines := strings.Split(err.Error(), "\n")
	wantLines := []*regexp.Regexp{
		regexp.MustCompile(`^proxy: Ingress ns/i00100: host "h00100.test" path "/": ReadTimeout: invalid value -1ns`),
		regexp.MustCompile(`^proxy: Ingress ns/i00900: host "h00900.test" path "/": upstream "bad-endpoint": Endpoints\[0\]`),
		regexp.MustCompile(`^proxy: Ingress ns/i01500: host "h01500.test" path "/": Canaries\[0\]: Upstream is nil`),
		regexp.MustCompile(`^proxy: Ingress ns/i02500: host "h02500.test" path "/": upstream "svc-7": Endpoints\[0\]`),
		regexp.MustCompile(`^proxy: Ingress ns/i03000: host "h03000.test" path "/": Backends\[0\]`),
		regexp.MustCompile(`^proxy: Ingress ns/i03900: host "h03900.test" path "/": upstream "svc-0": Status: invalid value 200`),
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("New reported %d problems, want %d:\n%v", len(lines), len(wantLines), err)
	}
	for i, re := range wantLines {
		if !re.MatchString(lines[i]) {
			t.Errorf("problem %d: %s\nwant %s", i, lines[i], re)
		}
	}
}

// TestConcurrentBuildServes checks that a Handler built from a large
// table on several goroutines serves its routes, and that Update and
// SetEndpoints work on that state as on one fill built.
func TestConcurrentBuildServes(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	var rules []route.Rule
	for i := range concurrentFillRules + 10 {
		backend := a
		if i%2 == 1 {
			backend = b
		}
		rules = append(rules, prefix(fmt.Sprintf("h%d.test", i), "/", &Route{Upstream: upstreamOf(fmt.Sprint("svc-", i%2), backend)}))
	}
	// The state is built on two goroutines whatever GOMAXPROCS is, and
	// served as Reload would serve it.
	h, _ := newHandler(t, Config{Table: newTable(t)})
	table := newTable(t, rules...)
	st := newState(table)
	if !h.fillConcurrent(st, table.Rules(), h.state.Load(), 2) {
		t.Fatal("the concurrent fill failed on a valid table")
	}
	h.state.Store(st)
	for _, i := range []int{0, 1, concurrentFillRules + 9} {
		r, _ := http.NewRequest("GET", fmt.Sprintf("http://h%d.test/", i), nil)
		w := serve(h, r)
		want := "a"
		if i%2 == 1 {
			want = "b"
		}
		if got := decode(t, w.Body.Bytes()).Backend; w.Code != 200 || got != want {
			t.Errorf("h%d.test: %d from %q, want 200 from %q", i, w.Code, got, want)
		}
	}
	if n := len(h.state.Load().byName.get("svc-0")); n != 1 {
		t.Errorf("upstreams named svc-0: %d, want 1", n)
	}
	extra := prefix("extra.test", "/", &Route{Upstream: upstreamOf("svc-1", b)})
	if err := h.Update(newTable(t, append(rules, extra)...), nil, []route.Rule{extra}); err != nil {
		t.Fatal(err)
	}
	st = h.state.Load()
	if st.routes.get(extra.Value.(*Route)).up != st.routes.get(rules[1].Value.(*Route)).up {
		t.Error("a route added by Update does not share the upstream of its equal")
	}
	if n, err := h.SetEndpoints("svc-0", []string{addr(b)}); err != nil || n != 1 {
		t.Fatalf("SetEndpoints(svc-0) = %d, %v; want the 1 upstream of that name", n, err)
	}
	r, _ := http.NewRequest("GET", "http://h0.test/", nil)
	if w := serve(h, r); w.Code != 200 || decode(t, w.Body.Bytes()).Backend != "b" {
		t.Errorf("h0.test after SetEndpoints: %d from %q, want 200 from \"b\"", w.Code, decode(t, w.Body.Bytes()).Backend)
	}
}

// upstreamsOf returns the Upstream of each element of list.
func upstreamsOf[T any](list []T, upstream func(T) *Upstream) []*Upstream {
	if len(list) == 0 {
		return nil
	}
	out := make([]*Upstream, len(list))
	for i, e := range list {
		out[i] = upstream(e)
	}
	return out
}
