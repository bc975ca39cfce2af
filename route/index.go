package route

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// Table is a compiled, immutable set of rules. It is safe for concurrent
// use. The *Rule values it hands out point into the table and must not be
// modified.
//
// At large sizes Match's cost is cache misses, not instructions, so the
// index is laid out to touch few cache lines: a host lookup reads one slot
// of a hash index and then one record in the arena, which holds the host
// name followed by its path keys.
type Table struct {
	arena    string       // host and path records
	seed     maphash.Seed // for every index of this table
	exact    []uint64     // host name → host record
	wildcard []uint64     // suffix after "*.", e.g. "foo.com" → host record
	deep     []uint64     // the same for Options.DeepWildcards
	paths    []uint64     // large host record and path key → path record
	// Filters in front of exact and paths, for large tables.
	exactFilter, pathFilter filter
	hostless                uint32      // record of the rules with Host ""
	entries                 []hostEntry // what records cannot hold, by record field
	fallback                *Rule       // the global Default, or nil
	rules                   []Rule      // every rule in dump order; the storage Match points into
	conflicts               []Conflict
	opts                    Options
	sharded                 *sharded // when not nil, the table is made of sub-tables (see shard.go)
	// Only for tables with predicates (Method, Headers, Query), by rule
	// number minus one: each rule's compiled predicates, or nil, and the
	// next rule of the same host, type and path key to try when its
	// predicates fail, or 0. Tables without predicates leave them nil.
	preds []*predicates
	next  []int32
}

// hostEntry is the part of a host entry that holds pointers, or that only
// String, Rules and Explain need, and so stays out of the arena.
type hostEntry struct {
	regex []regexRule // in try order
	// stringPrefix holds the StringPrefix rules by path, and
	// stringPrefixLens the distinct lengths of those paths, longest first:
	// Match looks up the request path cut at each length, so its work grows
	// with the number of distinct lengths, never with the number of rules.
	stringPrefix     map[string]int32 // rule numbers (see pathRules)
	stringPrefixLens []int
	fallback         *Rule // this host's Default; for hostless it stays nil (see Table.fallback)
	meta             hostMeta
}

// hostMeta describes an entry for Explain.
type hostMeta struct {
	host string
	kind hostKind
	// rules[first:last] of the Table are this entry's rules in precedence
	// order.
	first, last int
}

type hostKind uint8

const (
	hostExact hostKind = iota
	hostWildcard
	hostHostless
)

func (k hostKind) String() string {
	return [...]string{"exact", "wildcard", "hostless"}[k]
}

// pathRules is what one path key means for one host: the Exact rule for
// that path, and the best Prefix rule whose path, without its trailing
// slash, is the key ("/" has key ""). Among Prefix rules with the same key
// ("/foo" and "/foo/") the longer one is kept: it always wins. Rules are
// numbered by their index in Table.rules plus one, so zero means none.
type pathRules struct {
	exact, prefix int32
}

// rule returns the rule numbered n (see pathRules), or nil for zero.
func (t *Table) rule(n int32) *Rule {
	if n == 0 {
		return nil
	}
	return &t.rules[n-1]
}

// entry returns the hostEntry of the host record at off.
func (t *Table) entry(off uint32) *hostEntry {
	return &t.entries[le32(t.arena, int(off)+12)]
}

// named is a record filed under a name in a host index.
type named struct {
	name string
	off  uint32
}

// keyed is a path record filed under its owner and key in Table.paths.
type keyed struct {
	owner, off uint32
	key        string
}

// build places validated, de-duplicated rules into a Table.
func build(valid []compiled, opts Options) *Table {
	return buildWith(valid, opts, &scratch{})
}

// scratch is memory that build reuses from host to host, and a sharded
// layout from sub-table to sub-table. A compiled rule is large: copies of
// every rule made afresh, by host and then by type, were most of what
// laying out a large table allocated.
type scratch struct {
	byHost, byType []compiled
	arena          []byte // copied into the table's string
	paths          []keyed
}

// take returns (*buf)[:n], making *buf larger when it is short.
func (sc *scratch) take(buf *[]compiled, n int) []compiled {
	if cap(*buf) < n {
		*buf = make([]compiled, n)
	}
	return (*buf)[:n]
}

// buildWith is build with scratch memory, which the table does not keep.
func buildWith(valid []compiled, opts Options, sc *scratch) *Table {
	t := &Table{
		opts:  opts,
		seed:  maphash.MakeSeed(),
		rules: make([]Rule, 0, len(valid)), // never grows: Match points into it
	}
	for i := range valid {
		if valid[i].pred != nil {
			t.preds = make([]*predicates, len(valid))
			t.next = make([]int32, len(valid))
			break
		}
	}
	// The rules of each host, in input order, side by side in one slice:
	// one copy of each rule, not a slice grown per host.
	groupOf := map[string]int32{}
	var names []string
	var global *compiled
	group := make([]int32, len(valid)) // each rule's host, by number; -1 for the global Default
	var count []int32
	for i := range valid {
		c := &valid[i]
		if c.rule.Host == "" && c.rule.Type == Default {
			global, group[i] = c, -1
			continue
		}
		g, ok := groupOf[c.rule.Host]
		if !ok {
			g = int32(len(names))
			groupOf[c.rule.Host] = g
			names = append(names, c.rule.Host)
			count = append(count, 0)
		}
		group[i] = g
		count[g]++
	}
	start := make([]int32, len(names)+1)
	for g, n := range count {
		start[g+1] = start[g] + n
	}
	byHost := sc.take(&sc.byHost, int(start[len(names)]))
	next := slices.Clone(start[:len(names)])
	for i, g := range group {
		if g >= 0 {
			byHost[next[g]] = valid[i]
			next[g]++
		}
	}
	rulesOf := func(h string) []compiled {
		g, ok := groupOf[h]
		if !ok {
			return nil
		}
		return byHost[start[g]:start[g+1]:start[g+1]]
	}
	slices.SortFunc(names, compareHosts)
	if _, ok := groupOf[""]; !ok {
		names = append(names, "")
	}
	// Offset 0 is never a record, so that an empty slot can be 0.
	arena := append(sc.arena[:0], 0)
	var exact, wildcard, deep []named
	isDeep := map[string]bool{}
	for _, h := range opts.DeepWildcards {
		if h, err := normRuleHost(h); err == nil {
			isDeep[h] = true
		}
	}
	paths := sc.paths[:0]
	t.entries = make([]hostEntry, 0, len(names))
	for _, h := range names {
		off := uint32(len(arena))
		arena = t.place(arena, h, rulesOf(h), &paths, sc)
		switch {
		case h == "":
			t.hostless = off
		case isDeep[h]:
			deep = append(deep, named{h[2:], off})
		case strings.HasPrefix(h, "*."):
			wildcard = append(wildcard, named{h[2:], off})
		default:
			exact = append(exact, named{h, off})
		}
	}
	if global != nil {
		t.rules = append(t.rules, global.rule)
		t.fallback = &t.rules[len(t.rules)-1]
	}
	// Offsets are 32 bits: an arena of 4 GB would take tens of millions of
	// rules, far beyond what one table is built from.
	t.arena = string(arena)
	sc.arena = arena
	t.exact = t.hostSlots(exact)
	t.wildcard = t.hostSlots(wildcard)
	t.deep = t.hostSlots(deep)
	hashes := make([]uint64, 0, max(len(exact), len(paths)))
	for _, r := range exact {
		hashes = append(hashes, maphash.String(t.seed, r.name))
	}
	t.exactFilter = newFilter(hashes)
	t.paths = hashSlots(len(paths))
	hashes = hashes[:0]
	for _, p := range paths {
		h := t.pathHash(p.owner, p.key)
		insertSlot(t.paths, h, p.off)
		hashes = append(hashes, h)
	}
	t.pathFilter = newFilter(hashes)
	sc.paths = paths
	return t
}

// hostSlots indexes host records by name.
func (t *Table) hostSlots(recs []named) []uint64 {
	slots := hashSlots(len(recs))
	for _, r := range recs {
		insertSlot(slots, maphash.String(t.seed, r.name), r.off)
	}
	return slots
}

// compareHosts orders host entries for dumps: exact names, then wildcards,
// then hostless, each alphabetically.
func compareHosts(a, b string) int {
	rank := func(h string) int {
		switch {
		case h == "":
			return 2
		case strings.HasPrefix(h, "*."):
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
}

// place appends one host's rules to t.rules in precedence order, its entry
// to t.entries, and its record to arena, which it returns. The keys of a
// large entry get path records right after its host record, and are listed
// in paths for indexing.
func (t *Table) place(arena []byte, host string, cs []compiled, paths *[]keyed, sc *scratch) []byte {
	hr := hostEntry{meta: hostMeta{host: host, kind: hostExact}}
	meta := &hr.meta
	name := host
	switch {
	case host == "":
		meta.kind = hostHostless
	case strings.HasPrefix(host, "*."):
		meta.kind = hostWildcard
		name = host[2:]
	}
	// Sized first: a compiled rule is large, and growing the slices one
	// rule at a time copied each several times.
	var counts [RegularExpression + 1]int
	for i := range cs {
		counts[cs[i].rule.Type]++
	}
	// Each type's rules in their own part of one scratch buffer: the rules
	// are copied out to t.rules before the next host needs it.
	buf := sc.take(&sc.byType, len(cs))
	cut := func(n int) []compiled {
		part := buf[:0:n]
		buf = buf[n:]
		return part
	}
	exact := cut(counts[Exact])
	regex := cut(counts[Regex] + counts[RegularExpression])
	prefix := cut(counts[Prefix])
	stringPrefix := cut(counts[StringPrefix])
	var def *compiled
	for i := range cs {
		switch cs[i].rule.Type {
		case Exact:
			exact = append(exact, cs[i])
		case Regex, RegularExpression:
			regex = append(regex, cs[i])
		case Prefix:
			prefix = append(prefix, cs[i])
		case StringPrefix:
			stringPrefix = append(stringPrefix, cs[i])
		case Default:
			def = &cs[i]
		}
	}
	// Rules with the same path (possible only with predicates) stay
	// together, in Gateway API's order; stable sorts keep input order for
	// the rest.
	slices.SortStableFunc(exact, func(a, b compiled) int {
		return cmp.Or(strings.Compare(a.rule.Path, b.rule.Path), comparePredicates(&a, &b))
	})
	if !t.opts.RegexInOrder {
		slices.SortStableFunc(regex, func(a, b compiled) int {
			return cmp.Or(compareRegexOrder(a.rule.Path, b.rule.Path), comparePredicates(&a, &b))
		})
	} else {
		// In the order given, a pattern's rules together where it first
		// appears.
		first := map[string]int{}
		for i, c := range regex {
			if _, ok := first[c.rule.Path]; !ok {
				first[c.rule.Path] = i
			}
		}
		slices.SortStableFunc(regex, func(a, b compiled) int {
			return cmp.Or(cmp.Compare(first[a.rule.Path], first[b.rule.Path]), comparePredicates(&a, &b))
		})
	}
	byPrefix := func(a, b compiled) int {
		return cmp.Or(comparePrefixOrder(a.rule.Path, b.rule.Path), comparePredicates(&a, &b))
	}
	slices.SortStableFunc(prefix, byPrefix)
	slices.SortStableFunc(stringPrefix, byPrefix)

	meta.first = len(t.rules)
	var flags byte
	add := func(c compiled) *Rule {
		t.rules = append(t.rules, c.rule)
		if t.preds != nil {
			t.preds[len(t.rules)-1] = c.pred
		}
		if c.pred != nil {
			flags |= flagPredicates
		}
		return &t.rules[len(t.rules)-1]
	}
	// last is the latest rule of each chain (see Table.next), by chain
	// head.
	var last map[int32]int32
	chain := func(head int32) {
		n := int32(len(t.rules))
		if t.next == nil || head == n {
			return
		}
		if last == nil {
			last = map[int32]int32{}
		}
		if l, ok := last[head]; ok {
			t.next[l-1] = n
		} else {
			t.next[head-1] = n
		}
		last[head] = n
	}
	keys := make(map[string]pathRules, len(exact)+len(prefix))
	for _, c := range exact {
		r := add(c)
		e := keys[r.Path]
		if e.exact == 0 {
			e.exact = int32(len(t.rules))
			keys[r.Path] = e
		}
		chain(e.exact)
	}
	for _, c := range regex {
		hr.regex = append(hr.regex, regexRule{lit: c.lit, re: c.re, rule: add(c), num: int32(len(t.rules)), exact: c.exact})
		flags |= flagRegex
	}
	for _, c := range prefix {
		r := add(c)
		flags |= flagPrefix
		// Longest first, so the first rule for a key is the best: "/foo/"
		// shadows "/foo".
		k := prefixKey(r.Path)
		e := keys[k]
		if e.prefix == 0 {
			e.prefix = int32(len(t.rules))
			keys[k] = e
		}
		chain(e.prefix)
	}
	for _, c := range stringPrefix {
		r := add(c)
		flags |= flagStringPrefix
		if hr.stringPrefix == nil {
			hr.stringPrefix = map[string]int32{}
		}
		if hr.stringPrefix[r.Path] == 0 {
			hr.stringPrefix[r.Path] = int32(len(t.rules))
		}
		chain(hr.stringPrefix[r.Path])
		if n := len(hr.stringPrefixLens); n == 0 || hr.stringPrefixLens[n-1] != len(r.Path) {
			hr.stringPrefixLens = append(hr.stringPrefixLens, len(r.Path)) // longest first, as sorted
		}
	}
	var fallback uint32
	if def != nil {
		hr.fallback = add(*def)
		fallback = uint32(len(t.rules))
	}
	meta.last = len(t.rules)

	// Longest first: see matchSmall. Equal lengths cannot both match a
	// path; sorting them too keeps the layout deterministic.
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	small := len(sorted) <= smallPaths && meta.last-meta.first <= smallRuleSpan
	for _, k := range sorted {
		small = small && len(k) <= smallKeyLen
	}
	if !small {
		flags |= flagLarge
	}

	nsmall := 0
	if small {
		nsmall = len(sorted)
	}
	owner := uint32(len(arena))
	arena = append(arena, byte(len(name)), byte(nsmall), flags, 0)
	arena = put32(arena, uint32(meta.first))
	arena = put32(arena, fallback)
	arena = put32(arena, uint32(len(t.entries)))
	arena = append(arena, name...)
	t.entries = append(t.entries, hr)
	// rel numbers a rule relative to the entry's first one, for one byte.
	rel := func(n int32) byte {
		if n == 0 {
			return 0
		}
		return byte(n - int32(meta.first))
	}
	for _, k := range sorted {
		if small {
			e := keys[k]
			arena = append(arena, byte(len(k)), rel(e.exact), rel(e.prefix))
			continue
		}
		e := keys[k]
		*paths = append(*paths, keyed{owner: owner, off: uint32(len(arena)), key: k})
		arena = put32(arena, owner)
		arena = put32(arena, uint32(e.exact))
		arena = put32(arena, uint32(e.prefix))
		arena = put32(arena, uint32(len(k)))
		arena = append(arena, k...)
	}
	if small {
		for _, k := range sorted {
			arena = append(arena, k...)
		}
	}
	return arena
}

// comparePrefixOrder lists prefixes longest first, ties alphabetically
// (ties never compete: two prefixes of equal length cannot both match).
func comparePrefixOrder(a, b string) int {
	return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
}

// prefixKey is the prefix map key of a cleaned Prefix path: the path
// without its trailing slash, so "/" is "".
func prefixKey(p string) string {
	return strings.TrimSuffix(p, "/")
}
