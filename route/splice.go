package route

import "slices"

// Splice returns a table with the rules of t whose host keep accepts (all
// of them when keep is nil; t may be nil) and every rule of add, which
// are meant to be for other hosts. Nothing is validated or compiled
// again: the rules come from tables, which New has checked, and regular
// expressions are shared. Where two rules have the same host, path and
// type, the first (t's, then add's in order) wins, as in New. The result
// lists no Conflicts: those of the tables it was made from were already
// reported when they were built.
//
// Splice is how an incremental compiler replaces the rules of a few hosts
// without compiling every rule again. A large table that Splice makes is
// laid out in shards by host, so that the next Splice lays out again only
// the shards whose hosts change; its cost then grows with the rules of the
// hosts that change, not with the table. Deep wildcards
// (Options.DeepWildcards) are laid out together apart from the other
// hosts, so a splice that changes one lays out those again, not the
// table. Match answers the same either way, in constant time and without
// allocating. A splice that changes the global Default, RegexInOrder or
// SpecificWildcardsFirst, or that makes deep a wildcard whose rules it
// keeps, lays out every rule again.
func Splice(t *Table, keep func(host string) bool, add ...*Table) *Table {
	return splice(t, keep, nil, add)
}

// SpliceHosts is Splice keeping the rules of every host of t but those in
// replace. Knowing the hosts, it finds the shards that lose rules without
// asking about every host of t: its cost grows with the hosts replaced and
// the rules added, not with the table.
func SpliceHosts(t *Table, replace map[string]bool, add ...*Table) *Table {
	return splice(t, func(host string) bool { return !replace[host] }, replace, add)
}

// splice is Splice; replace, when not nil, lists every host keep refuses.
func splice(t *Table, keep func(host string) bool, replace map[string]bool, add []*Table) *Table {
	opts := splicedOptions(t, keep, add)
	if t != nil && t.sharded != nil {
		return t.sharded.splice(keep, replace, add, opts)
	}
	var valid, added []compiled
	if t != nil {
		valid = appendCompiled(valid, t, keep)
	}
	for _, a := range add {
		if a != nil {
			added = appendCompiled(added, a, nil)
		}
	}
	return spliceFlat(valid, added, opts)
}

// splicedOptions are the options of the table Splice makes: regexes in
// order, and specific wildcards first, if any part has them so, and the
// deep wildcards of t's kept hosts and of every added table.
func splicedOptions(t *Table, keep func(string) bool, add []*Table) Options {
	var opts Options
	deep := func(o Options, keep func(string) bool) {
		opts.RegexInOrder = opts.RegexInOrder || o.RegexInOrder
		opts.SpecificWildcardsFirst = opts.SpecificWildcardsFirst || o.SpecificWildcardsFirst
		for _, w := range o.DeepWildcards {
			if (keep == nil || keep(w)) && !slices.Contains(opts.DeepWildcards, w) {
				opts.DeepWildcards = append(opts.DeepWildcards, w)
			}
		}
	}
	if t != nil {
		deep(t.Options(), keep)
	}
	for _, a := range add {
		if a != nil {
			deep(a.Options(), nil)
		}
	}
	return opts
}

// spliceFlat lays out kept and added rules, the first of duplicates
// winning, with opts, in shards when there are many.
func spliceFlat(kept, added []compiled, opts Options) *Table {
	valid := dedupe(append(kept, added...))
	if len(valid) >= shardMin {
		return newSharded(valid, opts)
	}
	return build(valid, opts)
}

// appendCompiled appends the rules of src whose host keep accepts (all
// when keep is nil), in compiled form with their regular expressions, the
// global Default once.
func appendCompiled(out []compiled, src *Table, keep func(string) bool) []compiled {
	subs := src.subTables()
	for _, sub := range subs {
		for i := range sub.entries {
			e := &sub.entries[i]
			if keep != nil && !keep(e.meta.host) {
				continue
			}
			regex := e.regex
			for j := e.meta.first; j < e.meta.last; j++ {
				c := compiled{rule: sub.rules[j], index: len(out)}
				if len(regex) > 0 && regex[0].rule == &sub.rules[j] {
					c.re, c.lit, c.exact = regex[0].re, regex[0].lit, regex[0].exact
					regex = regex[1:]
				}
				if sub.preds != nil {
					c.pred = sub.preds[j]
				}
				out = append(out, c)
			}
		}
	}
	// Every sub-table holds the global Default; take it once.
	if f := subs[len(subs)-1].fallback; f != nil && (keep == nil || keep("")) {
		out = append(out, compiled{rule: *f})
	}
	return out
}

// HostRules returns the rules of host ("" for the rules without a host and
// the global Default), in precedence order, as Rules lists them.
func (t *Table) HostRules(host string) []Rule {
	if t == nil {
		return nil
	}
	if t.sharded != nil {
		return t.sharded.entryShard(host).HostRules(host)
	}
	var out []Rule
	for i := range t.entries {
		if m := t.entries[i].meta; m.host == host {
			out = append(out, t.rules[m.first:m.last]...)
			break
		}
	}
	if host == "" && t.fallback != nil {
		out = append(out, *t.fallback)
	}
	return out
}
