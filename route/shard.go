package route

import (
	"hash/maphash"
	"slices"
	"strings"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// A large table that Splice makes is split by host into shards, each a
// table of its own, so that replacing the rules of a few hosts lays out a
// few shards again instead of every rule. Match stays constant-time and
// allocation-free: it looks the host up in its shard, then the wildcard
// covering it in that wildcard's shard, then takes the hostless rules,
// which live in a base table of their own. Every sub-table holds the
// global Default too, so the sub-table chosen answers exactly as a flat
// table would.
//
// Deep wildcards (Options.DeepWildcards) cannot be sharded by name: a
// request host finds its shard by its own name or its parent's, and a
// deep wildcard several labels up is neither. They live in one more
// sub-table, consulted where a flat table consults its deep wildcards:
// after the exact host, and before the one-label wildcard unless
// Options.SpecificWildcardsFirst puts that one first. Deep wildcards are
// few (one per wildcard listener or route hostname), so a splice that
// changes one lays out that sub-table again, not the table.

// shardMin is the number of rules from which Splice shards a table, and
// shardRules the number of rules per shard it aims at.
const (
	shardMin   = 2048
	shardRules = 128
)

// sharded is the layout of a sharded Table.
type sharded struct {
	seed   maphash.Seed
	shards []*Table // exact and one-label wildcard host entries, by hash
	deep   *Table   // the deep wildcard host entries
	base   *Table   // the hostless rules and the global Default
	global *compiled
	n      int             // rules, the global Default once
	opts   Options         // of the whole table
	isDeep map[string]bool // opts.DeepWildcards, normalised
}

// deepShard is the slot (see sharded.slot) of the deep wildcards.
const deepShard = -1

// shardOf returns the shard of an exact host, or with wildcard set, of
// the wildcard entry "*.name".
func (s *sharded) shardOf(name string, wildcard bool) int {
	h := maphash.String(s.seed, name)
	if wildcard {
		h ^= 0x9e3779b97f4a7c15
	}
	return int(h % uint64(len(s.shards)))
}

// match is Table.match for a sharded table: it finds the host entry for
// the normalised host in the order a flat table does (see lookupHost),
// and matches in that entry's sub-table.
func (s *sharded) match(host, path string, req *Request) *Rule {
	sub, off := s.pick(host)
	return sub.matchEntry(off, path, req)
}

// pick returns the sub-table whose host entry serves the normalised host,
// and the offset of that entry's record.
func (s *sharded) pick(host string) (*Table, uint32) {
	if sh := s.shards[s.shardOf(host, false)]; len(sh.exact) > 0 {
		if off := sh.findHost(sh.exact, sh.exactFilter, host); off != 0 {
			return sh, off
		}
	}
	wildcardFirst := len(s.deep.deep) == 0 || s.opts.SpecificWildcardsFirst
	if wildcardFirst {
		if sh, off := s.pickWildcard(host); off != 0 {
			return sh, off
		}
	}
	if len(s.deep.deep) > 0 {
		if off := s.deep.findDeep(host); off != 0 {
			return s.deep, off
		}
		if !wildcardFirst {
			if sh, off := s.pickWildcard(host); off != 0 {
				return sh, off
			}
		}
	}
	return s.base, s.base.hostless
}

// pickWildcard returns the shard and record of the one-label wildcard
// covering host, or an offset of 0.
func (s *sharded) pickWildcard(host string) (*Table, uint32) {
	if i := strings.IndexByte(host, '.'); i > 0 {
		suffix := host[i+1:]
		if sh := s.shards[s.shardOf(suffix, true)]; len(sh.wildcard) > 0 {
			return sh, sh.findHost(sh.wildcard, nil, suffix)
		}
	}
	return nil, 0
}

// entryShard returns the sub-table that holds the entry for a rule host.
func (s *sharded) entryShard(host string) *Table {
	if host == "" {
		return s.base
	}
	return s.sub(s.slot(host))
}

// sub returns the sub-table of a slot.
func (s *sharded) sub(k int) *Table {
	if k == deepShard {
		return s.deep
	}
	return s.shards[k]
}

// newSharded lays out valid (de-duplicated, the global Default at most
// once) in shards.
func newSharded(valid []compiled, opts Options) *Table {
	return layoutSharded([][]compiled{valid}, len(valid), opts, max(1, len(valid)/shardRules))
}

// layoutSharded lays out the rules of lists, taken in order, in shards as
// newSharded lays out their de-duplicated concatenation, without making
// that concatenation: each rule is copied once, into the part of one
// buffer that its sub-table's rules share. Duplicates have the same host
// and so the same sub-table, and are dropped there, the first winning.
// n is the number of rules in lists and shards the number of shards; it
// returns nil when de-duplication leaves fewer than shardMin rules, or
// rules for another number of shards, which the caller lays out from the
// de-duplicated concatenation instead.
func layoutSharded(lists [][]compiled, n int, opts Options, shards int) *Table {
	s := &sharded{seed: maphash.MakeSeed(), opts: opts, isDeep: deepSet(opts.DeepWildcards)}
	s.shards = make([]*Table, shards)
	// Parts by bucket: the shards, then the deep wildcards, then the rules
	// without a host. Each part has room for the global Default.
	deepPart, basePart := shards, shards+1
	bucket := make([]int32, 0, n)
	end := make([]int, shards+3)
	for _, cs := range lists {
		for i := range cs {
			k := basePart
			if h := cs[i].rule.Host; h != "" {
				if k = s.slot(h); k == deepShard {
					k = deepPart
				}
			}
			bucket = append(bucket, int32(k))
			end[k+1]++
		}
	}
	for k := range len(end) - 1 {
		end[k+1] += end[k] + 1
	}
	buf := make([]compiled, end[len(end)-1])
	at := slices.Clone(end[:len(end)-1]) // the next free place of each part
	j := 0
	for _, cs := range lists {
		for i := range cs {
			k := bucket[j]
			buf[at[k]] = cs[i]
			at[k]++
			j++
		}
	}
	// Parts are deduplicated on their own: a rule's part follows from
	// its host, which is part of what makes it a duplicate.
	parts := make([][]compiled, shards+2) // the shards, deepPart, basePart
	eachPart(len(parts), func(k int, w *layoutWorker) {
		parts[k] = dedupeWith(w.seen, buf[end[k]:at[k]:end[k+1]])
	})
	isGlobal := func(c compiled) bool { return c.rule.Type == Default } // among the rules without a host
	hostless := parts[basePart]
	if i := lastIndexFunc(hostless, isGlobal); i >= 0 {
		global := hostless[i]
		s.global = &global
		parts[basePart] = slices.DeleteFunc(hostless, isGlobal)
	}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if s.global != nil {
		total++
	}
	if total != n && (total < shardMin || max(1, total/shardRules) != shards) {
		return nil
	}
	s.n = total
	eachPart(len(parts), func(k int, w *layoutWorker) {
		t := buildWith(s.withGlobal(parts[k]), s.subOptions(k == deepPart), &w.sc)
		switch k {
		case deepPart:
			s.deep = t
		case basePart:
			s.base = t
		default:
			s.shards[k] = t
		}
	})
	return &Table{sharded: s}
}

// deepSet returns the normalised deep wildcard hosts of a list.
func deepSet(list []string) map[string]bool {
	set := make(map[string]bool, len(list))
	for _, h := range list {
		if h, err := normRuleHost(h); err == nil && strings.HasPrefix(h, "*.") {
			set[h] = true
		}
	}
	return set
}

// subOptions returns the options of a sub-table: the table's, with its
// deep wildcards only for the deep sub-table.
func (s *sharded) subOptions(deep bool) Options {
	o := s.opts
	o.DeepWildcards = nil
	if deep {
		o.DeepWildcards = s.opts.DeepWildcards
	}
	return o
}

// slot returns the shard index of a rule host other than "", or
// deepShard for a deep wildcard.
func (s *sharded) slot(host string) int {
	if s.isDeep[host] {
		return deepShard
	}
	if name, ok := strings.CutPrefix(host, "*."); ok {
		return s.shardOf(name, true)
	}
	return s.shardOf(host, false)
}

func (s *sharded) withGlobal(cs []compiled) []compiled {
	if s.global != nil {
		cs = append(cs, *s.global)
	}
	return cs
}

// splice is Splice for a sharded table, opts the options of the result
// (see splicedOptions): only the sub-tables that lose or gain rules are
// laid out again, unless the global Default or the options of kept rules
// change. replace, when not nil, lists the hosts keep refuses, which finds
// the shards that lose rules without asking keep about every host.
func (s *sharded) splice(keep func(string) bool, replace map[string]bool, add []*Table, opts Options) *Table {
	var added []compiled
	for _, a := range add {
		if a != nil {
			added = appendCompiled(added, a, nil)
		}
	}
	global := s.global
	dropGlobal := global != nil && keep != nil && !keep("")
	for i := range added {
		if c := &added[i]; c.rule.Host == "" && c.rule.Type == Default {
			global = c
		}
	}
	// Every sub-table holds the global Default and orders its rules by the
	// options: if either changes, every one changes.
	relayout := global != s.global || dropGlobal ||
		opts.RegexInOrder != s.opts.RegexInOrder || opts.SpecificWildcardsFirst != s.opts.SpecificWildcardsFirst
	isDeep := s.isDeep
	if !slices.Equal(opts.DeepWildcards, s.opts.DeepWildcards) {
		isDeep = deepSet(opts.DeepWildcards)
		// The rules of a kept one-label wildcard that an added table makes
		// deep move to the deep sub-table. (A kept deep wildcard stays
		// deep: see splicedOptions.)
		for h := range isDeep {
			if !s.isDeep[h] && (keep == nil || keep(h)) && s.hasHost(h) {
				relayout = true
				break
			}
		}
	}
	if relayout {
		var all []compiled
		all = appendCompiled(all, &Table{sharded: s}, keep)
		return spliceFlat(all, added, opts)
	}
	ns := *s
	ns.shards = slices.Clone(s.shards)
	ns.opts, ns.isDeep = opts, isDeep
	dirty := map[int][]compiled{}
	touch := func(k int) {
		if _, ok := dirty[k]; !ok {
			dirty[k] = nil
		}
	}
	switch {
	case replace != nil:
		for h := range replace {
			if h != "" && s.hasHost(h) {
				touch(s.slot(h))
			}
		}
	case keep != nil:
		for k := deepShard; k < len(s.shards); k++ {
			sh := s.sub(k)
			for i := range sh.entries {
				if h := sh.entries[i].meta.host; h != "" && !keep(h) {
					touch(k)
					break
				}
			}
		}
	}
	var baseAdded []compiled
	for _, c := range added {
		if c.rule.Host == "" {
			baseAdded = append(baseAdded, c)
			continue
		}
		k := ns.slot(c.rule.Host)
		dirty[k] = append(dirty[k], c)
	}
	n := s.n
	for k, extra := range dirty {
		old := s.sub(k)
		var cs []compiled
		cs = appendCompiled(cs, old, func(h string) bool { return h != "" && (keep == nil || keep(h)) })
		sub := build(s.withGlobal(dedupe(append(cs, extra...))), ns.subOptions(k == deepShard))
		if k == deepShard {
			ns.deep = sub
		} else {
			ns.shards[k] = sub
		}
		n += len(sub.rules) - len(old.rules) // the global Default is in both
	}
	if len(baseAdded) > 0 || keep != nil && !keep("") {
		var cs []compiled
		cs = appendCompiled(cs, s.base, func(h string) bool { return h == "" && (keep == nil || keep("")) })
		cs = slices.DeleteFunc(cs, func(c compiled) bool { return c.rule.Type == Default })
		ns.base = build(s.withGlobal(dedupe(append(cs, baseAdded...))), ns.subOptions(false))
		n += len(ns.base.rules) - len(s.base.rules)
	}
	ns.n = n
	return &Table{sharded: &ns}
}

// hasHost reports whether the rule host h ("*.x" for a wildcard) has
// rules in s.
func (s *sharded) hasHost(h string) bool {
	sh := s.entryShard(h)
	for i := range sh.entries {
		if m := sh.entries[i].meta; m.host == h && m.last > m.first {
			return true
		}
	}
	return false
}

// lastIndexFunc is the index of the last element of cs that f accepts, or
// -1.
func lastIndexFunc(cs []compiled, f func(compiled) bool) int {
	for i := len(cs) - 1; i >= 0; i-- {
		if f(cs[i]) {
			return i
		}
	}
	return -1
}

// dedupe keeps the first of rules with the same host, path, type and
// conditions.
func dedupe(cs []compiled) []compiled {
	return dedupeWith(make(map[dupKey]bool, len(cs)), cs)
}

// dedupeWith is dedupe with a map to reuse, which it empties first.
func dedupeWith(seen map[dupKey]bool, cs []compiled) []compiled {
	clear(seen)
	return slices.DeleteFunc(cs, func(c compiled) bool {
		k := dupKey{c.rule.Host, c.rule.Path, c.rule.Type, c.pred.signature()}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

// subTables lists the tables a Table is made of: itself when flat.
func (t *Table) subTables() []*Table {
	if t.sharded == nil {
		return []*Table{t}
	}
	// The base table last: it holds the global Default (see appendCompiled).
	return append(slices.Clone(t.sharded.shards), t.sharded.deep, t.sharded.base)
}

// ruleList returns every rule in dump order (see Rules).
func (t *Table) ruleList() []Rule {
	if t.sharded == nil {
		return t.rules
	}
	type hostRules struct {
		host  string
		rules []Rule
	}
	var hosts []hostRules
	for _, sub := range t.subTables() {
		for i := range sub.entries {
			m := sub.entries[i].meta
			if m.last > m.first {
				hosts = append(hosts, hostRules{m.host, sub.rules[m.first:m.last]})
			}
		}
	}
	slices.SortFunc(hosts, func(a, b hostRules) int { return compareHosts(a.host, b.host) })
	out := make([]Rule, 0, t.sharded.n)
	for _, h := range hosts {
		out = append(out, h.rules...)
	}
	if t.sharded.global != nil {
		out = append(out, *t.sharded.base.fallback)
	}
	return out
}

// layoutWorker is what laying out a run of the parts of a sharded table
// reuses from part to part.
type layoutWorker struct {
	seen map[dupKey]bool
	sc   scratch
}

// partsPerRun is how many parts one goroutine of eachPart takes at a time,
// reusing one layoutWorker: about a thousand rules.
const partsPerRun = 8

// eachPart calls fn for every part k in [0, n) on every CPU: the parts of
// a sharded table are independent, and laying out 300,000 rules on one
// core was most of a large load's single-threaded time. fn must write only
// what belongs to part k.
func eachPart(n int, fn func(k int, w *layoutWorker)) {
	parallel.Chunks(n, partsPerRun, 0, func(lo, hi int) {
		w := &layoutWorker{seen: map[dupKey]bool{}}
		for k := lo; k < hi; k++ {
			fn(k, w)
		}
	})
}
