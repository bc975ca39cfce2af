package proxy

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ingressmux/ingressmux/internal/parallel"
	"github.com/ingressmux/ingressmux/route"
)

// A large table's state is built on every core: a load of 100,000
// Ingresses makes 300,000 routes and over 150,000 upstreams, which one
// goroutine took most of a second to prepare while the other cores idled.
// The work is split so that the outcome is fill's, rule after rule:
//
//   - the rules are checked in chunks, each on its own: a route's
//     problems are its own;
//   - the upstreams are found or made by name, in rule order: upstreams of
//     different names are never equal, so each worker takes the names of
//     its shards of the state's upstreams by name, and the first rule to
//     reach an upstream makes it, or keeps the previous table's, as fill
//     does;
//   - the routes' states are made by the shard of the state's routes they
//     go to, in rule order, so that the first rule of a route makes its
//     state and the others count as its extra uses.
//
// Only a table without problems is built so: at the first problem the
// workers stop and build fills a new state with fill, which finds every
// problem and reports them in rule order, as it always has. A table with
// a problem is so worked on twice, by design: the concurrent pass up to
// its first problem, then the rule-by-rule fill. Tables are valid far
// more often than not, and the reports stay fill's.

// concurrentFillRules is the fewest rules whose state build spreads over
// the cores. Below, starting goroutines and the extra passes over the
// rules cost more than they save: with every table built concurrently,
// BenchmarkNewSmall took 1.3-1.6 ms at 900 routes against 1.0-1.3 ms
// rule by rule, and about as long at 1,800 routes.
const concurrentFillRules = 2048

// maxFillWorkers bounds the goroutines of a fill: each reads every rule
// and every upstream reference to pick its own.
const maxFillWorkers = 8

// fillChunk is how many rules a worker checks at a time.
const fillChunk = 1024

// fillWorkers returns how many goroutines fill n rules: 1 for a small
// table or one core.
func fillWorkers(n int) int {
	if n < concurrentFillRules {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), maxFillWorkers)
}

// A shard of the state's maps is noted in a uint8 (fillRule.shard,
// upstreamRef.shard): this constant stops the build if there are ever
// more shards than a uint8 counts, instead of truncating them.
const _ = uint8(cowShards - 1)

// fillRule is a rule of a concurrent fill.
type fillRule struct {
	rt    *Route
	refs  int32 // the index of its first upstreamRef
	shard uint8 // its route's shard of state.routes
}

// upstreamRef is an Upstream a rule reaches; a rule's are in eachReached's
// order, the order fill reaches them in.
type upstreamRef struct {
	u     *Upstream
	up    *upstream // its runtime form, once found or made
	shard uint8     // u.Name's shard of state.byName
}

// concurrentFill is one fill of a new state by workers goroutines.
type concurrentFill struct {
	h       *Handler
	st, old *state
	rules   []route.Rule
	workers int
	frs     []fillRule
	refs    []upstreamRef
	traffic map[*Route]*trafficState
	failed  atomic.Bool
	extra   [][]*Route // by worker: the routes of rules after their first
	upMu    [cowShards]sync.Mutex
	trMu    sync.Mutex
	routes  atomic.Int64 // entries added to st.routes, and so on
	ups     atomic.Int64
	names   atomic.Int64
}

// fillConcurrent fills st, a new state, with rules as fill does, on
// workers goroutines. It returns false if a rule has a problem: st is
// then unusable, and fill is to report the problems.
func (h *Handler) fillConcurrent(st *state, rules []route.Rule, old *state, workers int) bool {
	c := &concurrentFill{h: h, st: st, old: old, rules: rules, workers: workers, extra: make([][]*Route, workers)}
	if !c.prepare() {
		return false
	}
	parallel.Chunks(len(rules), fillChunk, workers, c.check)
	eachWorker := func(fn func(w int)) {
		parallel.Chunks(workers, 1, workers, func(lo, hi int) {
			for w := lo; w < hi; w++ {
				fn(w)
			}
		})
	}
	if !c.failed.Load() {
		eachWorker(c.resolve)
	}
	if !c.failed.Load() {
		eachWorker(c.states)
	}
	if c.failed.Load() {
		return false
	}
	st.routes.counted(int(c.routes.Load()))
	st.upstreams.counted(int(c.ups.Load()))
	st.byName.counted(int(c.names.Load()))
	for _, list := range c.extra {
		for _, rt := range list {
			st.extraUses.set(rt, st.extraUses.get(rt)+1)
		}
	}
	return true
}

// prepare finds the routes of the rules and where their upstream
// references go, and makes the traffic runtimes in rule order, as fill
// does: equal policies of one object share one.
func (c *concurrentFill) prepare() bool {
	c.frs = make([]fillRule, len(c.rules))
	n := 0
	for i := range c.rules {
		rt, ok := c.rules[i].Value.(*Route)
		if !ok || rt == nil {
			return false
		}
		c.frs[i] = fillRule{rt: rt, refs: int32(n)}
		n += refCount(rt)
		if n > math.MaxInt32 {
			return false // fill, then
		}
		if rt.Traffic == nil {
			continue
		}
		if _, done := c.traffic[rt]; done {
			continue
		}
		ts, bad := c.h.trafficOf(c.st, rt, c.old)
		if len(bad) > 0 {
			return false
		}
		if c.traffic == nil {
			c.traffic = make(map[*Route]*trafficState)
		}
		c.traffic[rt] = ts
	}
	c.refs = make([]upstreamRef, n)
	return true
}

// refCount returns how many Upstreams rt reaches, nil ones included.
func refCount(rt *Route) int {
	n := 0
	eachReached(rt, func(reach, int, *Upstream) { n++ })
	return n
}

// check checks the routes of rules [lo, hi) and notes their shards and
// their upstream references.
func (c *concurrentFill) check(lo, hi int) {
	for i := lo; i < hi; i++ {
		if c.failed.Load() {
			return
		}
		fr := &c.frs[i]
		rt := fr.rt
		if len(checkRoute(rt)) > 0 {
			c.failed.Store(true)
			return
		}
		fr.shard = uint8(c.st.routes.shard(rt))
		k := int(fr.refs)
		ok := true
		eachReached(rt, func(_ reach, _ int, u *Upstream) { ok = ok && c.ref(&k, u) })
		if !ok {
			c.failed.Store(true)
			return
		}
	}
}

// ref notes u as reference *k and moves k on; false if u is nil.
func (c *concurrentFill) ref(k *int, u *Upstream) bool {
	if u == nil {
		return false
	}
	c.refs[*k] = upstreamRef{u: u, shard: uint8(c.st.byName.shard(u.Name))}
	*k++
	return true
}

// resolve finds or makes, in rule order, the upstreams of the references
// whose names are in worker w's shards of st.byName, and adds them to
// st.byName and st.upstreams.
func (c *concurrentFill) resolve(w int) {
	st := c.st
	tr := transportSource{set: &st.transports, old: c.old, mu: &c.trMu}
	var lists upstreamLists
	var ups, names int64
	defer func() {
		c.ups.Add(ups)
		c.names.Add(names)
	}()
	// A shard of st.byName made for the references to its names does not
	// grow, which rehashes every name, on the way; it is trimmed at the
	// end if they were many fewer.
	var refsTo [cowShards]int
	for i := range c.refs {
		refsTo[c.refs[i].shard]++
	}
	for s := w; s < cowShards; s += c.workers {
		st.byName.reserve(s, refsTo[s])
	}
	defer func() {
		for s := w; s < cowShards; s += c.workers {
			st.byName.trim(s, refsTo[s])
		}
	}()
	for i := range c.refs {
		r := &c.refs[i]
		if int(r.shard)%c.workers != w {
			continue
		}
		if i%fillChunk == 0 && c.failed.Load() {
			return
		}
		byName := st.byName.shards[r.shard]
		named := byName[r.u.Name]
		// The st.byName lists hold what fill's shared lists do: st is new.
		up, own, bad := c.h.upstreamFor(r.u, named, nil, &tr)
		if len(bad) > 0 {
			c.failed.Store(true)
			return
		}
		r.up = up
		if own {
			if len(named) == 0 {
				names++
			}
			byName[r.u.Name] = lists.add(named, up)
		}
		if c.addUpstream(r.u, up) {
			ups++
		}
	}
}

// addUpstream adds up, the runtime form of u, to st.upstreams unless
// another reference to u did, and tells whether it did. Other workers
// write other keys of u's shard: its lock is released by defer, so that a
// panic cannot leave them waiting on it.
func (c *concurrentFill) addUpstream(u *Upstream, up *upstream) bool {
	s := c.st.upstreams.shard(u)
	c.upMu[s].Lock()
	defer c.upMu[s].Unlock()
	m := c.st.upstreams.writable(s)
	if _, seen := m[u]; seen {
		return false
	}
	m[u] = up
	return true
}

// states makes, in rule order, the states of the routes in worker w's
// shards of st.routes.
func (c *concurrentFill) states(w int) {
	st := c.st
	var n int64
	defer func() { c.routes.Add(n) }()
	for i := range c.frs {
		fr := &c.frs[i]
		if int(fr.shard)%c.workers != w {
			continue
		}
		if i%fillChunk == 0 && c.failed.Load() {
			return
		}
		rt := fr.rt
		m := st.routes.writable(int(fr.shard))
		if _, done := m[rt]; done {
			c.extra[w] = append(c.extra[w], rt)
			continue
		}
		k := int(fr.refs)
		ups := reachedBy(rt, func(reach, int, *Upstream) *upstream {
			up := c.refs[k].up
			k++
			return up
		})
		var traffic *trafficState
		if rt.Traffic != nil {
			traffic = c.traffic[rt]
		}
		rs, bad := c.h.routeStateOf(c.rules[i], rt, traffic, ups)
		if len(bad) > 0 {
			c.failed.Store(true)
			return
		}
		m[rt] = rs
		n++
	}
}
