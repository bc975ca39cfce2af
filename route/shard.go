package route

import (
	"hash/maphash"
	"slices"
	"strings"
)

// A large table that Splice makes is split by host into shards, each a
// table of its own, so that replacing the rules of a few hosts lays out a
// few shards again instead of every rule. Match stays constant-time and
// allocation-free: it looks the host up in its shard, then the wildcard
// covering it in that wildcard's shard, then takes the hostless rules,
// which live in a base table of their own. Every shard holds the global
// Default too, so the sub-table chosen answers exactly as a flat table
// would.

// shardMin is the number of rules from which Splice shards a table, and
// shardRules the number of rules per shard it aims at.
const (
	shardMin   = 2048
	shardRules = 128
)

// sharded is the layout of a sharded Table.
type sharded struct {
	seed   maphash.Seed
	shards []*Table // exact and wildcard host entries, by hash
	base   *Table   // the hostless rules and the global Default
	global *compiled
	n      int     // rules, the global Default once
	opts   Options // of every sub-table; never with DeepWildcards
}

// shardOf returns the shard of an exact host, or with wildcard set, of
// the wildcard entry "*.name".
func (s *sharded) shardOf(name string, wildcard bool) int {
	h := maphash.String(s.seed, name)
	if wildcard {
		h ^= 0x9e3779b97f4a7c15
	}
	return int(h % uint64(len(s.shards)))
}

// pick returns the sub-table whose host entry serves the normalised host.
func (s *sharded) pick(host string) *Table {
	if sh := s.shards[s.shardOf(host, false)]; sh.findHost(sh.exact, sh.exactFilter, host) != 0 {
		return sh
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		suffix := host[i+1:]
		if sh := s.shards[s.shardOf(suffix, true)]; len(sh.wildcard) > 0 && sh.findHost(sh.wildcard, nil, suffix) != 0 {
			return sh
		}
	}
	return s.base
}

// entryShard returns the sub-table that holds the entry for a rule host.
func (s *sharded) entryShard(host string) *Table {
	switch {
	case host == "":
		return s.base
	case strings.HasPrefix(host, "*."):
		return s.shards[s.shardOf(host[2:], true)]
	}
	return s.shards[s.shardOf(host, false)]
}

// newSharded lays out valid (de-duplicated, the global Default at most
// once) in shards.
func newSharded(valid []compiled, opts Options) *Table {
	s := &sharded{seed: maphash.MakeSeed(), n: len(valid), opts: opts}
	s.shards = make([]*Table, max(1, len(valid)/shardRules))
	parts := make([][]compiled, len(s.shards))
	var hostless []compiled
	for i := range valid {
		c := &valid[i]
		switch {
		case c.rule.Host == "" && c.rule.Type == Default:
			s.global = c
		case c.rule.Host == "":
			hostless = append(hostless, *c)
		default:
			k := s.slot(c.rule.Host)
			parts[k] = append(parts[k], *c)
		}
	}
	for k := range parts {
		s.shards[k] = build(s.withGlobal(parts[k]), s.opts)
	}
	s.base = build(s.withGlobal(hostless), s.opts)
	return &Table{sharded: s}
}

// slot returns the shard index of a rule host other than "".
func (s *sharded) slot(host string) int {
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

// splice is Splice for a sharded table: only the shards that lose or gain
// rules are laid out again, unless the global Default changes. replace,
// when not nil, lists the hosts keep refuses, which finds the shards that
// lose rules without asking keep about every host.
func (s *sharded) splice(keep func(string) bool, replace map[string]bool, add []*Table) *Table {
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
	if global != s.global || dropGlobal {
		// Every shard holds the global Default: lay everything out again.
		var all []compiled
		all = appendCompiled(all, &Table{sharded: s}, keep)
		return spliceFlat(all, added, s.opts)
	}
	ns := *s
	ns.shards = slices.Clone(s.shards)
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
		for k, sh := range s.shards {
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
		k := s.slot(c.rule.Host)
		dirty[k] = append(dirty[k], c)
	}
	n := s.n
	for k, extra := range dirty {
		old := s.shards[k]
		var cs []compiled
		cs = appendCompiled(cs, old, func(h string) bool { return h != "" && (keep == nil || keep(h)) })
		ns.shards[k] = build(s.withGlobal(dedupe(append(cs, extra...))), s.opts)
		n += len(ns.shards[k].rules) - len(old.rules) // the global Default is in both
	}
	if len(baseAdded) > 0 || keep != nil && !keep("") {
		var cs []compiled
		cs = appendCompiled(cs, s.base, func(h string) bool { return h == "" && (keep == nil || keep("")) })
		cs = slices.DeleteFunc(cs, func(c compiled) bool { return c.rule.Type == Default })
		ns.base = build(s.withGlobal(dedupe(append(cs, baseAdded...))), s.opts)
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

// dedupe keeps the first of rules with the same host, path, type and
// conditions.
func dedupe(cs []compiled) []compiled {
	seen := make(map[dupKey]bool, len(cs))
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
	return append(slices.Clone(t.sharded.shards), t.sharded.base)
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
