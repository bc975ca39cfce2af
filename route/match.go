package route

import (
	"net/http"
	"strings"
)

// Match returns the winning rule for an already normalised host (see
// NormalizeHost) and path (see CleanPath), or nil when no rule applies.
// It never allocates, and its cost does not grow with the number of rules.
//
// The host entry is chosen first: the exact host, else the wildcard
// covering it, else the hostless rules. Within the entry, an Exact path wins,
// then the first matching Regex, then the longest matching Prefix. When no
// path matches, the entry's Default answers, else the global Default; rules
// of other host entries are never consulted. Match has no request, so rules
// with method, header or query conditions never answer it, and it stands
// for a plain-HTTP request for rules with a Scheme; MatchWith and
// MatchRequest check them.
func (t *Table) Match(host, path string) *Rule {
	if t == nil {
		return nil
	}
	if t.sharded != nil {
		return t.sharded.match(host, path, &noRequest)
	}
	if t.arena == "" {
		return nil
	}
	return t.matchEntry(t.lookupHost(host), path, &noRequest)
}

// noRequest is the request of Match: no method, header or query.
var noRequest Request

// matchEntry is Match with a request (for the rules that have
// predicates) in the host entry whose record is at off.
func (t *Table) matchEntry(off uint32, path string, req *Request) *Rule {
	if r := t.matchPath(off, path, req); r != nil {
		return r
	}
	if n := le32(t.arena, int(off)+8); n != 0 {
		return t.rule(int32(n))
	}
	return t.fallback
}

// MatchRequest matches r: its Host (or r.URL.Host when r.Host is empty)
// through NormalizeHost, and its escaped URL path through CleanPath. It
// returns the cleaned path too, so that the proxy forwards exactly what was
// matched. A path that cannot be cleaned gives an error wrapping ErrBadPath.
// Rules with conditions see r's method, header and raw query (see
// MatchWith); the query string takes no other part.
func (t *Table) MatchRequest(r *http.Request) (rule *Rule, cleanPath string, err error) {
	host := r.Host
	var escaped string
	if r.URL != nil {
		if host == "" {
			host = r.URL.Host
		}
		escaped = r.URL.EscapedPath()
	}
	p, err := CleanPath(escaped)
	if err != nil {
		return nil, "", err
	}
	req := RequestOf(r)
	return t.MatchWith(NormalizeHost(host), p, &req), p, nil
}

// lookupHost returns the record of the host entry for host, which is the
// hostless entry when no exact or wildcard entry covers it.
func (t *Table) lookupHost(host string) uint32 {
	if off := t.findHost(t.exact, t.exactFilter, host); off != 0 {
		return off
	}
	wildcardFirst := len(t.deep) == 0 || t.opts.SpecificWildcardsFirst
	if wildcardFirst {
		if off := t.findWildcard(host); off != 0 {
			return off
		}
	}
	if len(t.deep) > 0 {
		if off := t.findDeep(host); off != 0 {
			return off
		}
		if !wildcardFirst {
			if off := t.findWildcard(host); off != 0 {
				return off
			}
		}
	}
	return t.hostless
}

// findWildcard returns the record of the one-label wildcard covering host
// ("*.foo.com" covers one non-empty label in front of "foo.com"), or 0.
// Its suffix is the longest a wildcard can have.
func (t *Table) findWildcard(host string) uint32 {
	if len(t.wildcard) == 0 {
		return 0
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		return t.findHost(t.wildcard, nil, host[i+1:])
	}
	return 0
}

// findDeep returns the record of the deep wildcard covering host, the
// longest suffix after a label boundary with one label at least in front
// of it, or 0.
func (t *Table) findDeep(host string) uint32 {
	for i := strings.IndexByte(host, '.'); i > 0 && i < len(host)-1; {
		if off := t.findHost(t.deep, nil, host[i+1:]); off != 0 {
			return off
		}
		j := strings.IndexByte(host[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return 0
}

// matchPath returns the rule of the host entry whose record is at off for
// path (and req, if the entry has rules with predicates), ignoring its
// Default.
func (t *Table) matchPath(off uint32, path string, req *Request) *Rule {
	flags := t.arena[off+2]
	if flags&(flagLarge|flagPredicates) != 0 {
		if flags&flagPredicates != 0 {
			return t.candidates(off, path, req)
		}
		return t.matchLarge(off, flags, path)
	}
	exact, prefix := t.matchSmall(off, path)
	if exact != 0 {
		return t.rule(exact)
	}
	if r := t.matchRegex(off, flags, path); r != nil {
		return r
	}
	if flags&flagStringPrefix != 0 {
		return t.matchStringPrefix(off, path, t.rule(prefix))
	}
	return t.rule(prefix)
}

// matchStringPrefix returns the StringPrefix rule of the host entry at off
// whose path is the longest prefix of path, if it is longer than the path
// of p (the best Prefix rule, or nil); else p.
func (t *Table) matchStringPrefix(off uint32, path string, p *Rule) *Rule {
	h := t.entry(off)
	for _, n := range h.stringPrefixLens {
		if p != nil && n <= len(p.Path) {
			break
		}
		if n > len(path) {
			continue
		}
		if r := h.stringPrefix[path[:n]]; r != 0 {
			return t.rule(r)
		}
	}
	return p
}

// matchSmall returns the Exact rule for path and the longest Prefix rule
// matching it in the small host record at off, as rule numbers. It reads
// the directory once. A key matches when it equals path or is followed in
// path by "/": keys carry no trailing slash, so that is exactly the
// element-wise rule. The directory lists the keys longest first, so the
// first key that matches answers: if it equals path, with its Exact rule
// or else its Prefix rule; if it is shorter, with its Prefix rule (a key
// that has only an Exact rule does not count then). A key's bytes are read
// only when its length fits, which spares most of them a cache miss.
func (t *Table) matchSmall(off uint32, path string) (exact, prefix int32) {
	r := t.arena[off:]
	d := hostHeader + int(r[0])
	k := d + 3*int(r[1])
	dir, keys := r[d:k], r[k:]
	// rule turns a relative rule number from the directory into a rule
	// number; 0 stays 0.
	rule := func(rel byte) int32 {
		if rel == 0 {
			return 0
		}
		return int32(le32(r, 4)) + int32(rel)
	}
	for ; len(dir) >= 3; dir = dir[3:] {
		n := int(dir[0])
		key := keys[:n]
		keys = keys[n:]
		switch {
		case n == len(path) && key == path:
			if dir[1] != 0 {
				return rule(dir[1]), 0
			}
			return 0, rule(dir[2])
		case n < len(path) && path[n] == '/' && dir[2] != 0 && path[:n] == key:
			return 0, rule(dir[2])
		}
	}
	return 0, 0
}

// matchLarge is matchPath for a large entry, whose keys are in Table.paths.
func (t *Table) matchLarge(off uint32, flags byte, path string) *Rule {
	// One lookup answers both "is there an Exact rule for this path" and
	// "is there a Prefix rule whose key is the whole path".
	e := t.findPath(off, path)
	if e.exact != 0 {
		return t.rule(e.exact)
	}
	if r := t.matchRegex(off, flags, path); r != nil {
		return r
	}
	p := t.rule(e.prefix)
	if p == nil && flags&flagPrefix != 0 {
		p = t.walkPrefix(off, path)
	}
	if flags&flagStringPrefix != 0 {
		return t.matchStringPrefix(off, path, p)
	}
	return p
}

// walkPrefix returns the longest Prefix rule of the large host entry at off
// that matches path at one of its "/" boundaries, or nil.
func (t *Table) walkPrefix(off uint32, path string) *Rule {
	// Walk the element boundaries of path from the longest prefix to the
	// shortest, so the first key found belongs to the longest matching
	// Prefix rule (see matchSmall for why boundaries are the rule).
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			if n := t.findPath(off, path[:i]).prefix; n != 0 {
				return t.rule(n)
			}
		}
	}
	return nil
}

// matchRegex returns the first Regex rule of the host entry whose record
// is at off (with flags) that matches path, or nil.
func (t *Table) matchRegex(off uint32, flags byte, path string) *Rule {
	if flags&flagRegex == 0 {
		return nil
	}
	h := t.entry(off)
	for i := range h.regex {
		if rx := &h.regex[i]; rx.maybe(path) && rx.re.MatchString(path) {
			return rx.rule
		}
	}
	return nil
}
