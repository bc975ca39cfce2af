package route

import "slices"

// WithValues returns a table that matches exactly as t does, in which the
// rules of hosts (rule hosts, "" for the rules without a host) carry the
// values fn gives: fn is called with each of their rules and returns the
// new Value and whether it changes. Nothing is laid out or compiled
// again, and t is not modified: only the rules of the sub-tables holding
// those hosts are copied. This is how endpoints that move (a value's
// addresses) reach a table in time that grows with the rules of the hosts
// concerned, not with the table.
//
// It reports false, and returns nil, when fn would change the global
// Default rule, which every shard of a large table holds: such a change
// needs Splice.
func (t *Table) WithValues(hosts map[string]bool, fn func(Rule) (any, bool)) (*Table, bool) {
	if t.fallback != nil && hosts[""] {
		if _, changes := fn(*t.fallback); changes {
			return nil, false
		}
	}
	if t.sharded == nil {
		return t.withValues(hosts, fn), true
	}
	s := t.sharded
	if s.global != nil && hosts[""] {
		if _, changes := fn(s.global.rule); changes {
			return nil, false
		}
	}
	ns := *s
	cloned := false
	for h := range hosts {
		if h == "" {
			ns.base = ns.base.withValues(hosts, fn)
			continue
		}
		k := s.slot(h)
		if ns.shards[k] != s.shards[k] {
			continue // this shard's hosts are done
		}
		if nt := s.shards[k].withValues(hosts, fn); nt != s.shards[k] {
			if !cloned {
				ns.shards, cloned = slices.Clone(s.shards), true
			}
			ns.shards[k] = nt
		}
	}
	return &Table{sharded: &ns}, true
}

// withValues is WithValues for one flat table: t itself when no value
// changes, else a copy sharing everything but the rules and what points
// into them.
func (t *Table) withValues(hosts map[string]bool, fn func(Rule) (any, bool)) *Table {
	var rules []Rule
	for i := range t.entries {
		m := t.entries[i].meta
		if !hosts[m.host] {
			continue
		}
		for j := m.first; j < m.last; j++ {
			v, changes := fn(t.rules[j])
			if !changes {
				continue
			}
			if rules == nil {
				rules = slices.Clone(t.rules)
			}
			rules[j].Value = v
		}
	}
	if rules == nil {
		return t
	}
	nt := *t
	nt.rules = rules
	// Pointers into the rules move to the copy; rule numbers stay. A
	// host's Default is among its rules, the global one last.
	moved := func(r *Rule, first, last int) *Rule {
		if r == nil {
			return nil
		}
		if n := len(t.rules); n > 0 && r == &t.rules[n-1] {
			return &rules[n-1]
		}
		for j := first; j < last; j++ {
			if &t.rules[j] == r {
				return &rules[j]
			}
		}
		for j := range t.rules {
			if &t.rules[j] == r {
				return &rules[j]
			}
		}
		return r
	}
	nt.fallback = moved(t.fallback, 0, 0)
	nt.entries = slices.Clone(t.entries)
	for i := range nt.entries {
		e := &nt.entries[i]
		e.fallback = moved(e.fallback, e.meta.first, e.meta.last)
		if len(e.regex) > 0 {
			e.regex = slices.Clone(e.regex)
			for k := range e.regex {
				e.regex[k].rule = &rules[e.regex[k].num-1]
			}
		}
	}
	return &nt
}
