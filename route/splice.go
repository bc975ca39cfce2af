package route

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
// without compiling every rule again. Its cost is that of laying out the
// table, which grows with the number of rules.
func Splice(t *Table, keep func(host string) bool, add ...*Table) *Table {
	n := 0
	if t != nil {
		n += len(t.rules)
	}
	for _, a := range add {
		if a != nil {
			n += len(a.rules)
		}
	}
	valid := make([]compiled, 0, n)
	seen := make(map[dupKey]bool, n)
	take := func(src *Table, keep func(string) bool) {
		if src == nil {
			return
		}
		for i := range src.entries {
			e := &src.entries[i]
			if keep != nil && !keep(e.meta.host) {
				continue
			}
			regex := e.regex
			for j := e.meta.first; j < e.meta.last; j++ {
				c := compiled{rule: src.rules[j]}
				if len(regex) > 0 && regex[0].rule == &src.rules[j] {
					c.re, c.lit = regex[0].re, regex[0].lit
					regex = regex[1:]
				}
				k := dupKey{c.rule.Host, c.rule.Path, c.rule.Type}
				if !seen[k] {
					seen[k] = true
					valid = append(valid, c)
				}
			}
		}
		if f := src.fallback; f != nil && (keep == nil || keep("")) {
			k := dupKey{"", "", Default}
			if !seen[k] {
				seen[k] = true
				valid = append(valid, compiled{rule: *f})
			}
		}
	}
	take(t, keep)
	for _, a := range add {
		take(a, nil)
	}
	return build(valid)
}

// HostRules returns the rules of host ("" for the rules without a host and
// the global Default), in precedence order, as Rules lists them.
func (t *Table) HostRules(host string) []Rule {
	if t == nil {
		return nil
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
