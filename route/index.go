package route

import (
	"cmp"
	"slices"
	"strings"
)

// Table is a compiled, immutable set of rules. It is safe for concurrent
// use. The *Rule values it hands out point into the table and must not be
// modified.
//
// At large sizes Match's cost is cache misses, not instructions, so the
// index is laid out to touch few cache lines: host entries are stored by
// value in the host maps, and each entry's host name and path keys share
// one string.
type Table struct {
	exact     map[string]hostRules // by host name
	wildcard  map[string]hostRules // by the suffix after "*.", e.g. "foo.com"
	hostless  hostRules            // rules with Host ""
	fallback  *Rule                // the global Default, or nil
	rules     []Rule               // every rule in dump order; the storage Match points into
	conflicts []Conflict
}

// hostRules holds the rules of one host entry, indexed for Match.
type hostRules struct {
	// Path keys: an entry's Exact paths and Prefix keys. Up to
	// smallPaths of them are encoded in small (see encodeSmall) and
	// scanned, more go in paths.
	small     string
	paths     map[string]pathRules
	regex     []regexRule // in try order
	fallback  *Rule       // this host's Default; for hostless it stays nil (see Table.fallback)
	hasPrefix bool        // some Prefix rule exists, so the boundary walk is worth doing
	meta      *hostMeta
}

// smallPaths is the most path keys scanned linearly; a scan of a few
// adjacent bytes beats a map's extra indirections.
const smallPaths = 8

// hostMeta is what only String, Rules and Explain need about an entry.
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

// The small encoding is, per key: the key length (2 bytes), the exact and
// prefix rule numbers (4 bytes each, little-endian), then the key bytes.
// It lives in the same string as the host name, so a lookup in a small
// host touches one or two adjacent cache lines in all.
const smallHeader = 10

// appendSmall appends one key to a small encoding.
func appendSmall(b []byte, key string, e pathRules) []byte {
	b = append(b, byte(len(key)), byte(len(key)>>8))
	for _, n := range [2]int32{e.exact, e.prefix} {
		b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(b, key...)
}

// get returns the rules for one path key.
func (h *hostRules) get(key string) pathRules {
	if h.paths != nil {
		return h.paths[key]
	}
	s := h.small
	for len(s) >= smallHeader {
		n := int(s[0]) | int(s[1])<<8
		if n == len(key) && s[smallHeader:smallHeader+n] == key {
			return pathRules{
				exact:  int32(uint32(s[2]) | uint32(s[3])<<8 | uint32(s[4])<<16 | uint32(s[5])<<24),
				prefix: int32(uint32(s[6]) | uint32(s[7])<<8 | uint32(s[8])<<16 | uint32(s[9])<<24),
			}
		}
		s = s[smallHeader+n:]
	}
	return pathRules{}
}

// rule returns the rule numbered n (see pathRules), or nil for zero.
func (t *Table) rule(n int32) *Rule {
	if n == 0 {
		return nil
	}
	return &t.rules[n-1]
}

// build places validated, de-duplicated rules into a Table.
func build(valid []compiled) *Table {
	t := &Table{
		exact:    make(map[string]hostRules),
		wildcard: make(map[string]hostRules),
		rules:    make([]Rule, 0, len(valid)), // never grows: Match points into it
	}
	groups := make(map[string][]compiled)
	var global *compiled
	for i := range valid {
		c := &valid[i]
		if c.rule.Host == "" && c.rule.Type == Default {
			global = c
			continue
		}
		groups[c.rule.Host] = append(groups[c.rule.Host], *c)
	}
	names := make([]string, 0, len(groups)+1)
	for h := range groups {
		names = append(names, h)
	}
	slices.SortFunc(names, compareHosts)
	if _, ok := groups[""]; !ok {
		names = append(names, "")
	}
	for _, h := range names {
		hr, key := t.place(h, groups[h])
		switch hr.meta.kind {
		case hostExact:
			t.exact[key] = hr
		case hostWildcard:
			t.wildcard[key[2:]] = hr
		default:
			t.hostless = hr
		}
	}
	if global != nil {
		t.rules = append(t.rules, global.rule)
		t.fallback = &t.rules[len(t.rules)-1]
	}
	return t
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

// place appends one host's rules to t.rules in precedence order and indexes
// them. It returns the entry and the host name to file it under.
func (t *Table) place(host string, cs []compiled) (hostRules, string) {
	meta := &hostMeta{host: host, kind: hostExact}
	switch {
	case host == "":
		meta.kind = hostHostless
	case strings.HasPrefix(host, "*."):
		meta.kind = hostWildcard
	}
	hr := hostRules{meta: meta}
	var exact, regex, prefix []compiled
	var def *compiled
	for i := range cs {
		switch cs[i].rule.Type {
		case Exact:
			exact = append(exact, cs[i])
		case Regex:
			regex = append(regex, cs[i])
		case Prefix:
			prefix = append(prefix, cs[i])
		case Default:
			def = &cs[i]
		}
	}
	slices.SortFunc(exact, func(a, b compiled) int { return strings.Compare(a.rule.Path, b.rule.Path) })
	slices.SortFunc(regex, func(a, b compiled) int { return compareRegexOrder(a.rule.Path, b.rule.Path) })
	slices.SortFunc(prefix, func(a, b compiled) int { return comparePrefixOrder(a.rule.Path, b.rule.Path) })

	meta.first = len(t.rules)
	add := func(c compiled) *Rule {
		t.rules = append(t.rules, c.rule)
		return &t.rules[len(t.rules)-1]
	}
	keys := make(map[string]pathRules, len(exact)+len(prefix))
	for _, c := range exact {
		r := add(c)
		e := keys[r.Path]
		e.exact = int32(len(t.rules))
		keys[r.Path] = e
	}
	for _, c := range regex {
		hr.regex = append(hr.regex, regexRule{lit: c.lit, re: c.re, rule: add(c)})
	}
	for _, c := range prefix {
		r := add(c)
		hr.hasPrefix = true
		// Longest first, so the first rule for a key is the best: "/foo/"
		// shadows "/foo".
		k := prefixKey(r.Path)
		if e := keys[k]; e.prefix == 0 {
			e.prefix = int32(len(t.rules))
			keys[k] = e
		}
	}
	if def != nil {
		hr.fallback = add(*def)
	}
	meta.last = len(t.rules)

	sorted := make([]string, 0, len(keys))
	size := len(host)
	for k := range keys {
		sorted = append(sorted, k)
		size += smallHeader + len(k)
	}
	slices.Sort(sorted)
	small := len(sorted) <= smallPaths
	for _, k := range sorted {
		small = small && len(k) <= 0xffff // the small encoding's length limit
	}
	// One string holds the host name and, for small hosts, every path key,
	// so the cache line loaded to compare the host name usually holds the
	// paths as well.
	b := make([]byte, 0, size)
	b = append(b, host...)
	if small {
		for _, k := range sorted {
			b = appendSmall(b, k, keys[k])
		}
	}
	blob := string(b)
	if small {
		hr.small = blob[len(host):]
	} else {
		hr.paths = make(map[string]pathRules, len(sorted))
		for _, k := range sorted {
			hr.paths[k] = keys[k]
		}
	}
	return hr, blob[:len(host)]
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
