package route

import "slices"

// Prepared is rules that Prepare has validated, normalised and
// de-duplicated but not laid out into a Table. A program that builds one
// table from many independent parts (an incremental compiler's groups of
// hosts) prepares each part, which finds each part's errors and
// conflicts, and then lays them all out once with Join, instead of
// laying out every part as a Table only to Splice them together.
type Prepared struct {
	valid     []compiled
	conflicts []Conflict
	opts      Options
}

// Table lays the rules out: the Table NewWithOptions returns for the same
// rules and options.
func (p *Prepared) Table() *Table {
	t := build(p.valid, p.opts)
	t.conflicts = p.conflicts
	return t
}

// Conflicts returns the rules dropped as duplicates, as Table.Conflicts
// does.
func (p *Prepared) Conflicts() []Conflict {
	return slices.Clone(p.conflicts)
}

// Hosts returns the hosts of the rules in their normalised form, each
// once, in the order of the rules; "" stands for the rules without a host
// and the global Default, as Rule.Host does.
func (p *Prepared) Hosts() []string {
	return appendHosts(nil, p.valid)
}

// Hosts returns the hosts of the table's rules in normalised form, each
// once; "" stands for the rules without a host and the global Default.
func (t *Table) Hosts() []string {
	var out []string
	seen := map[string]bool{}
	for _, sub := range t.subTables() {
		for i := range sub.entries {
			if m := sub.entries[i].meta; m.last > m.first && !seen[m.host] {
				seen[m.host] = true
				out = append(out, m.host)
			}
		}
	}
	if t.globalDefault() != nil && !seen[""] {
		out = append(out, "")
	}
	return out
}

// globalDefault returns the global Default, or nil.
func (t *Table) globalDefault() *Rule {
	if t.sharded != nil {
		return t.sharded.base.fallback
	}
	return t.fallback
}

func appendHosts(out []string, cs []compiled) []string {
	seen := make(map[string]bool, len(out))
	for _, h := range out {
		seen[h] = true
	}
	for i := range cs {
		if h := cs[i].rule.Host; !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Prepared returns the rules of t as a Prepared, with t's options, to be
// laid out with others by Join. It lists no conflicts.
func (t *Table) Prepared() *Prepared {
	return &Prepared{valid: appendCompiled(nil, t, nil), opts: t.Options()}
}

// Join lays out the rules of every part into one Table: the Table that
// Splice(nil, nil, tables...) returns for the tables of the parts, in
// order, without laying out each part first. Where rules of two parts
// have the same host, path, type and conditions, the first part's wins;
// the result lists no Conflicts. Its options are those Splice gives:
// RegexInOrder and SpecificWildcardsFirst if any part has them, and the
// DeepWildcards of every part.
func Join(parts ...*Prepared) *Table {
	var opts Options
	n := 0
	for _, p := range parts {
		opts.RegexInOrder = opts.RegexInOrder || p.opts.RegexInOrder
		opts.SpecificWildcardsFirst = opts.SpecificWildcardsFirst || p.opts.SpecificWildcardsFirst
		for _, w := range p.opts.DeepWildcards {
			if !slices.Contains(opts.DeepWildcards, w) {
				opts.DeepWildcards = append(opts.DeepWildcards, w)
			}
		}
		n += len(p.valid)
	}
	if n >= shardMin {
		lists := make([][]compiled, len(parts))
		for i, p := range parts {
			lists[i] = p.valid
		}
		if t := layoutSharded(lists, n, opts, max(1, n/shardRules)); t != nil {
			return t
		}
	}
	all := make([]compiled, 0, n)
	for _, p := range parts {
		all = append(all, p.valid...)
	}
	return spliceFlat(all, nil, opts)
}
