package route

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Explanation tells how a Table answers one request and why. It is meant for
// people (a CLI, a debug endpoint), not for the request path.
type Explanation struct {
	Host string // the host after NormalizeHost
	Path string // the path after CleanPath (as given when Err is set)
	Err  error  // why the path was rejected (wraps ErrBadPath); nil otherwise

	// HostEntry says which host entry was selected: "exact", "wildcard",
	// "hostless", or "none" when the host matched no entry and there are no
	// hostless path rules.
	HostEntry string
	// HostPattern is the selected entry's host as rules spell it, such as
	// "*.foo.com"; "" for hostless and none.
	HostPattern string

	Rule *Rule // the winner, as Match returns it; nil for no route

	// Candidates lists every rule of the selected host entry in the order
	// Match considers them, plus the global Default when it answered.
	Candidates []Candidate
}

// Candidate is one rule considered by Explain.
type Candidate struct {
	Rule    Rule   // the rule considered
	Matched bool   // the rule's host and path match the request on their own
	Won     bool   // the rule is the answer
	Reason  string // why it won or lost, in plain words
}

// Explain normalises host and path as MatchRequest does and reports how
// Match decides, rule by rule. Its answer (Explanation.Rule) is always what
// Match returns for the normalised host and path. Rules with method, header
// or query conditions do not hold for it, as for Match; ExplainWith takes
// the request's.
func (t *Table) Explain(host, path string) Explanation {
	return t.ExplainWith(host, path, &Request{})
}

// ExplainWith is Explain for a request with a method, header and query
// (see RequestOf): its answer is what MatchWith returns, and a rule whose
// path matches but whose conditions do not hold says which condition
// failed.
func (t *Table) ExplainWith(host, path string, req *Request) Explanation {
	e := Explanation{Host: NormalizeHost(host), Path: path, HostEntry: "none"}
	if t == nil {
		return e
	}
	if t.sharded != nil {
		// The sub-table's own lookup finds the entry pick found: no
		// other sub-table's entry would come before it.
		sub, _ := t.sharded.pick(e.Host)
		return sub.ExplainWith(host, path, req)
	}
	if t.arena == "" {
		return e
	}
	hr := t.entry(t.lookupHost(e.Host))
	var exactList, prefixList []*Rule
	for i := hr.meta.first; i < hr.meta.last; i++ {
		switch r := &t.rules[i]; r.Type {
		case Exact:
			exactList = append(exactList, r)
		case Prefix, StringPrefix:
			prefixList = append(prefixList, r)
		}
	}
	if hr.meta.kind != hostHostless || hr.meta.last > hr.meta.first {
		e.HostEntry = hr.meta.kind.String()
		e.HostPattern = hr.meta.host
	}
	p, err := CleanPath(path)
	if err != nil {
		e.Err = err
		return e
	}
	e.Path = p
	w := t.MatchWith(e.Host, p, req)
	e.Rule = w
	add := func(r *Rule, matched bool, reason string, args ...any) {
		e.Candidates = append(e.Candidates, Candidate{Rule: *r, Matched: matched, Won: r == w, Reason: fmt.Sprintf(reason, args...)})
	}
	// failed adds r if its path matches (m) but a condition fails.
	failed := func(r *Rule, m bool) bool {
		if !m || r == w {
			return false
		}
		f := t.failedCondition(hr, r, req)
		if f != "" {
			add(r, false, "path matches, but %s", f)
		}
		return f != ""
	}
	// beaten says why a rule that matches on its own lost to w.
	beaten := func(r *Rule) string {
		if r.Type == w.Type && r.Path == w.Path {
			return "matches too, but " + orDash(w.Origin) + " comes first (a method, then more headers, then more query parameters, then the older, then the alphabetically first route, then the earlier rule)"
		}
		switch w.Type {
		case Exact:
			return "matches too, but exact path " + w.Path + " comes first"
		case Regex, RegularExpression:
			return "matches too, but regex " + w.Path + " comes first"
		}
		return "matches too, but longer prefix " + w.Path + " matched first"
	}

	for _, r := range exactList {
		if failed(r, r.Path == p) {
			continue
		}
		switch {
		case r == w:
			add(r, true, "exact path equals request path")
		case strings.TrimSuffix(r.Path, "/") == strings.TrimSuffix(p, "/"):
			add(r, false, "exact path %s differs from %s in the trailing slash", r.Path, p)
		default:
			add(r, false, "exact path %s differs from %s", r.Path, p)
		}
	}
	regexOrder, regexFirst := "longest pattern first", "longer pattern, or same length and later alphabetically"
	if t.opts.RegexInOrder {
		regexOrder, regexFirst = "in the order given", "it comes first in the order given"
	}
	for _, rx := range hr.regex {
		r := rx.rule
		m := rx.re.MatchString(p)
		if failed(r, m) {
			continue
		}
		switch {
		case r == w:
			add(r, true, "regex matches; regexes are tried %s and this is the first that matches", regexOrder)
		case m && (w.Type == Regex || w.Type == RegularExpression) && w.Path != r.Path:
			add(r, true, "matches too, but regex %s is tried first (%s)", w.Path, regexFirst)
		case m:
			add(r, true, "%s", beaten(r))
		case rx.exact:
			add(r, false, "regular expression does not match the whole path %s (case-sensitive)", p)
		default:
			add(r, false, "regex does not match %s at its start (case-insensitive)", p)
		}
	}
	for _, r := range prefixList {
		if r.Type == StringPrefix {
			m := strings.HasPrefix(p, r.Path)
			if failed(r, m) {
				continue
			}
			switch {
			case r == w:
				add(r, true, "longest matching prefix (string prefix: whatever follows)")
			case m:
				add(r, true, "%s", beaten(r))
			default:
				add(r, false, "string prefix %s does not start %s", r.Path, p)
			}
			continue
		}
		k := prefixKey(r.Path)
		m := prefixMatches(k, p)
		if failed(r, m) {
			continue
		}
		switch {
		case r == w:
			add(r, true, "longest matching prefix")
		case m && w.Type == Prefix && prefixKey(w.Path) == k && w.Path != r.Path:
			add(r, true, "matches too, but %s covers the same paths and counts as longer", w.Path)
		case m:
			add(r, true, "%s", beaten(r))
		case strings.HasPrefix(p, k):
			add(r, false, "prefix %s does not match %s element-wise", r.Path, p)
		default:
			add(r, false, "prefix %s does not match %s", r.Path, p)
		}
	}
	if d := hr.fallback; d != nil {
		if d == w {
			add(d, true, "host fallback: no path matched")
		} else {
			add(d, false, "host fallback not needed: a path matched")
		}
	}
	if d := t.fallback; d != nil && d == w {
		switch {
		case e.HostEntry == "none":
			add(d, true, "global default: no rule for this host")
		case hr.meta.kind == hostHostless:
			add(d, true, "global default: no hostless path matched")
		default:
			add(d, true, "global default: no path matched and host %s has no Default", hr.meta.host)
		}
	}
	return e
}

// prefixMatches reports whether Prefix key k (a cleaned path without its
// trailing slash) matches path element-wise.
func prefixMatches(k, path string) bool {
	return strings.HasPrefix(path, k) && (len(path) == len(k) || path[len(k)] == '/')
}

// String renders the explanation: the normalised request, the host entry,
// one line per candidate, and the answer.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "request: host %q path %q\n", e.Host, e.Path)
	if e.HostPattern != "" {
		fmt.Fprintf(&b, "host entry: %s %q\n", e.HostEntry, e.HostPattern)
	} else {
		fmt.Fprintf(&b, "host entry: %s\n", e.HostEntry)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "answer: 400 bad request: %v\n", e.Err)
		return b.String()
	}
	if len(e.Candidates) > 0 {
		w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		w.Write([]byte("  \tHOST\tPATH\tTYPE\tBACKEND\tORIGIN\tREASON\n"))
		for _, c := range e.Candidates {
			mark := "  no"
			switch {
			case c.Won:
				mark = "  won"
			case c.Matched:
				mark = "  lost"
			}
			w.Write([]byte(mark + "\t"))
			writeRow(w, c.Rule, c.Reason)
		}
		w.Flush()
	}
	if e.Rule == nil {
		b.WriteString("answer: no route (404)\n")
	} else {
		fmt.Fprintf(&b, "answer: %v\n", *e.Rule)
	}
	return b.String()
}
