package route

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// gwRef is a slow, obviously correct matcher for tables with predicates:
// it selects the host entry as the package documentation says, collects
// every rule of that entry whose path and predicates match the request,
// sorts them by the documented precedence and returns the first.
type gwRef struct {
	rules []gwRefRule
	deep  map[string]bool // DeepWildcards, normalised
}

type gwRefRule struct {
	Rule
	index int
	re    *regexp.Regexp // Regex and RegularExpression rules
}

func newGWRef(rules []Rule, opts Options) *gwRef {
	g := &gwRef{deep: map[string]bool{}}
	for _, h := range opts.DeepWildcards {
		g.deep[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	for i, r := range rules {
		r.Host = strings.TrimSuffix(strings.ToLower(r.Host), ".")
		rr := gwRefRule{Rule: r, index: i}
		switch r.Type {
		case Exact, Prefix, StringPrefix:
			rr.Path, _ = CleanPath(r.Path)
		case Regex:
			rr.re = regexp.MustCompile("(?i)^(?:" + r.Path + ")")
		case RegularExpression:
			rr.re = regexp.MustCompile("^(?:" + r.Path + ")$")
		}
		g.rules = append(g.rules, rr)
	}
	return g
}

// group returns the host of the entry a request host selects.
func (g *gwRef) group(host string) string {
	has := func(h string) bool {
		for _, r := range g.rules {
			if r.Host == h {
				return true
			}
		}
		return false
	}
	if host != "" && !strings.HasPrefix(host, "*.") && has(host) {
		return host
	}
	// Deep wildcards: the longest suffix after a dot, with a non-empty
	// first label in front of it.
	if strings.IndexByte(host, '.') > 0 {
		for i := 0; i < len(host)-1; i++ {
			if w := "*." + host[i+1:]; host[i] == '.' && g.deep[w] && has(w) {
				return w
			}
		}
	}
	if label, suffix, ok := strings.Cut(host, "."); ok && label != "" {
		if w := "*." + suffix; !g.deep[w] && has(w) {
			return w
		}
	}
	return ""
}

func (g *gwRef) pathMatches(r *gwRefRule, path string) bool {
	switch r.Type {
	case Exact:
		return r.Path == path
	case Prefix:
		k := strings.TrimSuffix(r.Path, "/")
		return path == k || strings.HasPrefix(path, k+"/")
	case StringPrefix:
		return strings.HasPrefix(path, r.Path)
	case Regex, RegularExpression:
		return r.re.MatchString(path)
	}
	return false
}

// firstOfEachName keeps the first condition of each name, with names
// compared by same.
func firstOfEachName[M any](ms []M, name func(M) string, same func(a, b string) bool) []M {
	var out []M
	for _, m := range ms {
		if !slices.ContainsFunc(out, func(o M) bool { return same(name(o), name(m)) }) {
			out = append(out, m)
		}
	}
	return out
}

func refHeaders(r Rule) []HeaderMatch {
	return firstOfEachName(r.conditions().Headers, func(h HeaderMatch) string { return h.Name }, strings.EqualFold)
}

func refQuery(r Rule) []QueryMatch {
	return firstOfEachName(r.conditions().Query, func(q QueryMatch) string { return q.Name }, func(a, b string) bool { return a == b })
}

func refValue(value string, regex bool, got string) bool {
	if regex {
		return regexp.MustCompile("^(?:" + value + ")$").MatchString(got)
	}
	return got == value
}

func (g *gwRef) predicatesMatch(r Rule, req *http.Request) bool {
	if m := r.conditions().Method; m != "" && m != req.Method {
		return false
	}
	for _, h := range refHeaders(r) {
		vs := req.Header.Values(h.Name)
		if len(vs) == 0 || !refValue(h.Value, h.Regex, strings.Join(vs, ",")) {
			return false
		}
	}
	q, _ := url.ParseQuery(req.URL.RawQuery)
	for _, m := range refQuery(r) {
		vs := q[m.Name]
		if len(vs) == 0 || !refValue(m.Value, m.Regex, vs[0]) {
			return false
		}
	}
	return true
}

func (g *gwRef) match(host, path string, req *http.Request) *Rule {
	group := g.group(host)
	var hostDefault, global *Rule
	var cands []*gwRefRule
	for i := range g.rules {
		r := &g.rules[i]
		if r.Type == Default {
			if r.Host == "" && global == nil {
				global = &r.Rule
			}
			if r.Host == group && r.Host != "" && hostDefault == nil {
				hostDefault = &r.Rule
			}
			continue
		}
		if r.Host == group && g.pathMatches(r, path) && g.predicatesMatch(r.Rule, req) {
			cands = append(cands, r)
		}
	}
	class := func(t PathType) int {
		switch t {
		case Exact:
			return 0
		case Regex, RegularExpression:
			return 1
		}
		return 2
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(cands, func(a, b *gwRefRule) int {
		if c := cmp.Compare(class(a.Type), class(b.Type)); c != 0 {
			return c
		}
		switch class(a.Type) {
		case 1:
			if a.Path != b.Path {
				if regexTriedBefore(a.Path, b.Path) {
					return -1
				}
				return 1
			}
		case 2:
			if c := cmp.Or(cmp.Compare(len(b.Path), len(a.Path)), cmp.Compare(b2i(a.Type == StringPrefix), b2i(b.Type == StringPrefix))); c != 0 {
				return c
			}
		}
		return cmp.Or(
			cmp.Compare(b2i(b.conditions().Method != ""), b2i(a.conditions().Method != "")),
			cmp.Compare(len(refHeaders(b.Rule)), len(refHeaders(a.Rule))),
			cmp.Compare(len(refQuery(b.Rule)), len(refQuery(a.Rule))),
			a.conditions().Tiebreak.Created.Compare(b.conditions().Tiebreak.Created),
			strings.Compare(a.conditions().Tiebreak.Route, b.conditions().Tiebreak.Route),
			cmp.Compare(a.conditions().Tiebreak.Index, b.conditions().Tiebreak.Index),
			cmp.Compare(a.index, b.index))
	})
	if len(cands) > 0 {
		return &cands[0].Rule
	}
	if hostDefault != nil {
		return hostDefault
	}
	return global
}

var (
	gwHosts       = []string{"", "", "foo.com", "a.foo.com", "*.foo.com", "*.a.foo.com", "b.a.foo.com", "*.com"}
	gwTypes       = []PathType{Prefix, Prefix, Exact, Exact, RegularExpression, Regex, StringPrefix, Default}
	gwFullRegexes = []string{"/a.*", "/a", "/[ab]+(/.*)?", "/A/b", "/.*", "/ab|/a/b"}
	gwMethods     = []string{"", "", "GET", "POST"}
	gwHeaderNames = []string{"version", "Version", "color", "x-a"}
	gwValues      = []string{"one", "two", "o.e", "t.*", "one,two"}
	gwQueryNames  = []string{"a", "A", "b", "a b"}
	gwCreated     = []time.Time{{}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	gwRoutes      = []string{"", "default/a", "default/b", "other/a"}
	gwRawQueries  = []string{"", "a=one", "a=two&a=one", "A=one", "a=%6Fne", "b=t+wo", "a+b=one", "a%20b=two", "a=o%ZZ&a=one", "b=two;x=1", "a=&b=", "a"}
)

// gwRules draws a rule set with predicates from seed; it returns the
// options to build it with (sometimes every wildcard deep, as Gateway API
// listeners make them).
func gwRules(seed uint64) ([]Rule, Options) {
	rng := rand.New(rand.NewPCG(seed, seed>>32^0x5eed))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	rules := make([]Rule, 1+rng.IntN(14))
	for i := range rules {
		r := Rule{Host: pick(gwHosts), Type: gwTypes[rng.IntN(len(gwTypes))], Origin: fmt.Sprintf("r%d", i)}
		switch r.Type {
		case Regex:
			r.Path = fuzzRegexes[rng.IntN(len(fuzzRegexes))]
		case RegularExpression:
			r.Path = pick(gwFullRegexes)
		case Exact, Prefix, StringPrefix:
			r.Path = fuzzPath(rng)
		}
		if r.Type != Default && rng.IntN(3) > 0 {
			c := &Conditions{Method: pick(gwMethods)}
			for range rng.IntN(3) * rng.IntN(2) {
				c.Headers = append(c.Headers, HeaderMatch{Name: pick(gwHeaderNames), Value: pick(gwValues), Regex: rng.IntN(3) == 0})
			}
			for range rng.IntN(3) {
				c.Query = append(c.Query, QueryMatch{Name: pick(gwQueryNames), Value: pick(gwValues), Regex: rng.IntN(3) == 0})
			}
			c.Tiebreak = Tiebreak{Created: gwCreated[rng.IntN(len(gwCreated))], Route: pick(gwRoutes), Index: rng.IntN(3)}
			r.Conditions = c
		}
		rules[i] = r
	}
	var opts Options
	if rng.IntN(2) == 0 {
		for _, h := range gwHosts {
			if strings.HasPrefix(h, "*.") {
				opts.DeepWildcards = append(opts.DeepWildcards, h)
			}
		}
	}
	return rules, opts
}

// gwRequest draws a request from the same pools as gwRules; half the time
// it also sets what one of rules asks for, so that predicates often hold.
func gwRequest(rng *rand.Rand, rules []Rule) (host, path string, req *http.Request) {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	host = pick(gwHosts)
	if strings.HasPrefix(host, "*.") {
		host = "x" + host[1:]
	}
	if rng.IntN(4) == 0 {
		host = "y." + host
	}
	path, _ = CleanPath(fuzzPath(rng))
	u, err := url.Parse(path + "?" + pick(gwRawQueries))
	if err != nil {
		panic(err)
	}
	req = &http.Request{Method: pick([]string{"GET", "POST", "PUT"}), Host: host, Header: http.Header{}, URL: u}
	for range rng.IntN(4) {
		req.Header.Add(pick(gwHeaderNames), pick(gwValues))
	}
	if r := rules[rng.IntN(len(rules))]; rng.IntN(2) == 0 {
		c := r.conditions()
		if c.Method != "" {
			req.Method = c.Method
		}
		for _, h := range c.Headers {
			v := h.Value
			if h.Regex {
				v = pick(gwValues)
			}
			req.Header.Set(h.Name, v)
		}
		q := u.Query()
		for _, m := range c.Query {
			v := m.Value
			if m.Regex {
				v = pick(gwValues)
			}
			q.Set(m.Name, v)
		}
		u.RawQuery = q.Encode()
		if r.Host != "" && rng.IntN(2) == 0 {
			host = strings.Replace(r.Host, "*", "z", 1)
			req.Host = host
		}
	}
	return NormalizeHost(host), path, req
}

func FuzzMatchPredicates(f *testing.F) {
	for seed := range uint64(60) {
		f.Add(seed*104729, seed)
	}
	f.Add(uint64(7), uint64(0xdead))
	f.Fuzz(func(t *testing.T, seed, reqSeed uint64) {
		rules, opts := gwRules(seed)
		tbl, err := NewWithOptions(rules, opts)
		if err != nil {
			t.Fatalf("New(%v): %v", rules, err)
		}
		ref := newGWRef(rules, opts)
		rng := rand.New(rand.NewPCG(reqSeed, seed))
		for range 20 {
			host, path, req := gwRequest(rng, rules)
			want := ref.match(host, path, req)
			view := RequestOf(req)
			got := tbl.MatchWith(host, path, &view)
			if origin(got) != origin(want) {
				t.Fatalf("rules:\n%v\nMatchWith(%q, %q, %s %v ?%s) = %v, want %v", describeRules(rules), host, path, req.Method, req.Header, req.URL.RawQuery, got, want)
			}
			if r, _, err := tbl.MatchRequest(req); err != nil || r != got {
				t.Fatalf("MatchRequest = %v, %v; MatchWith = %v", r, err, got)
			}
			e := tbl.ExplainWith(host, path, &view)
			won := 0
			for _, c := range e.Candidates {
				if c.Won {
					won++
				}
			}
			if e.Rule != got || (got == nil) != (won == 0) || won > 1 {
				t.Fatalf("ExplainWith = %v with %d winners, MatchWith = %v:\n%v", e.Rule, won, got, e)
			}
		}
	})
}

// describeRules prints rules with their predicates, for failures.
func describeRules(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		c := r.conditions()
		fmt.Fprintf(&b, "%v tiebreak=%v/%s/%d\n", r, c.Tiebreak.Created.Year(), c.Tiebreak.Route, c.Tiebreak.Index)
	}
	return b.String()
}
