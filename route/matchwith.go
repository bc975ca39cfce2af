package route

// MatchWith is Match for a table whose rules may carry Conditions (method,
// headers, query): it returns the winning rule for an already normalised
// host and path and the request's method, header and query. For a table
// without predicates it is Match. It does not allocate, except where a
// predicate must decode an escaped query value or join a repeated header
// for a regex, and its work grows with the rules on the request's path
// candidates only. A nil req has no method, header or query.
func (t *Table) MatchWith(host, path string, req *Request) *Rule {
	if req == nil {
		req = &noRequest
	}
	if t != nil && t.sharded != nil {
		return t.sharded.match(host, path, req)
	}
	if t == nil || t.arena == "" {
		return nil
	}
	return t.matchEntry(t.lookupHost(host), path, req)
}

// accept returns the first rule of the chain starting at rule number n
// whose predicates req satisfies, or nil.
func (t *Table) accept(n int32, req *Request) *Rule {
	for ; n != 0; n = t.next[n-1] {
		if p := t.preds[n-1]; p == nil || p.match(req) {
			return &t.rules[n-1]
		}
	}
	return nil
}

// lookupKey returns the rules of path key k in the host entry at off.
func (t *Table) lookupKey(off uint32, k string) pathRules {
	r := t.arena[off:]
	if r[2]&flagLarge != 0 {
		return t.findPath(off, k)
	}
	d := hostHeader + int(r[0])
	dir, keys := r[d:d+3*int(r[1])], r[d+3*int(r[1]):]
	base := int32(le32(r, 4))
	abs := func(rel byte) int32 {
		if rel == 0 {
			return 0
		}
		return base + int32(rel)
	}
	for ; len(dir) >= 3; dir = dir[3:] {
		n := int(dir[0])
		if n == len(k) && keys[:n] == k {
			return pathRules{exact: abs(dir[1]), prefix: abs(dir[2])}
		}
		keys = keys[n:]
	}
	return pathRules{}
}

// candidates walks the path candidates of the host entry at off (which
// has rules with predicates) in precedence order: the Exact path, the
// regexes, then prefixes longest first. It returns the first rule whose
// predicates req satisfies, or nil.
func (t *Table) candidates(off uint32, path string, req *Request) *Rule {
	flags := t.arena[off+2]
	whole := t.lookupKey(off, path)
	if r := t.accept(whole.exact, req); r != nil {
		return r
	}
	h := t.entry(off)
	if flags&flagRegex != 0 {
		for i := range h.regex {
			rx := &h.regex[i]
			if !rx.maybe(path) || !rx.re.MatchString(path) {
				continue
			}
			if p := t.preds[rx.num-1]; p == nil || p.match(req) {
				return rx.rule
			}
		}
	}
	// Prefix keys are the whole path and the path cut before each "/",
	// longest first; StringPrefix paths of any length, merged in by path
	// length (a Prefix first on equal lengths).
	sp := 0
	stringPrefix := func(longerThan int) *Rule {
		for ; sp < len(h.stringPrefixLens) && h.stringPrefixLens[sp] > longerThan; sp++ {
			n := h.stringPrefixLens[sp]
			if n > len(path) {
				continue
			}
			if w := t.accept(h.stringPrefix[path[:n]], req); w != nil {
				return w
			}
		}
		return nil
	}
	if flags&flagPrefix != 0 {
		for i := len(path); i >= 0; i-- {
			if i < len(path) && path[i] != '/' {
				continue
			}
			head := whole.prefix
			if i < len(path) {
				head = t.lookupKey(off, path[:i]).prefix
			}
			for n := head; n != 0; n = t.next[n-1] {
				r := &t.rules[n-1]
				if w := stringPrefix(len(r.Path)); w != nil {
					return w
				}
				if p := t.preds[n-1]; p == nil || p.match(req) {
					return r
				}
			}
		}
	}
	return stringPrefix(-1)
}
