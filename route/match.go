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
// of other host entries are never consulted.
func (t *Table) Match(host, path string) *Rule {
	if t == nil || t.arena == "" {
		return nil
	}
	off := t.lookupHost(host)
	if r := t.matchPath(off, path); r != nil {
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
// The query string takes no part.
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
	return t.Match(NormalizeHost(host), p), p, nil
}

// lookupHost returns the record of the host entry for host, which is the
// hostless entry when no exact or wildcard entry covers it.
func (t *Table) lookupHost(host string) uint32 {
	if off := t.findHost(t.exact, host); off != 0 {
		return off
	}
	if len(t.wildcard) > 0 {
		// "*.foo.com" covers one non-empty label in front of "foo.com".
		if i := strings.IndexByte(host, '.'); i > 0 {
			if off := t.findHost(t.wildcard, host[i+1:]); off != 0 {
				return off
			}
		}
	}
	return t.hostless
}

// matchPath returns the rule of the host entry whose record is at off for
// path, ignoring its Default.
func (t *Table) matchPath(off uint32, path string) *Rule {
	// One lookup answers both "is there an Exact rule for this path" and
	// "is there a Prefix rule whose key is the whole path".
	e := t.get(off, path)
	if e.exact != 0 {
		return t.rule(e.exact)
	}
	flags := t.arena[off+2]
	if flags&flagRegex != 0 {
		h := t.entry(off)
		for i := range h.regex {
			if rx := &h.regex[i]; hasPrefixFold(path, rx.lit) && rx.re.MatchString(path) {
				return rx.rule
			}
		}
	}
	if e.prefix != 0 || flags&flagPrefix == 0 {
		return t.rule(e.prefix)
	}
	// Walk the element boundaries of path from the longest prefix to the
	// shortest, so the first key found belongs to the longest matching
	// Prefix rule. Keys carry no trailing slash, so a key k matches when it
	// equals path (done above) or is followed in path by "/": exactly the
	// element-wise rule.
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			if n := t.get(off, path[:i]).prefix; n != 0 {
				return t.rule(n)
			}
		}
	}
	return nil
}
