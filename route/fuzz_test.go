package route

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// refTable is a slow, obviously correct matcher: it keeps the rules in
// input order and scans them all for every request, applying the
// precedence rules of the package documentation one by one. FuzzMatch holds
// Table to it; the benchmarks use it as the linear-scan baseline.
type refTable struct {
	rules []refRule
}

type refRule struct {
	Rule
	re *regexp.Regexp // Regex rules only
}

// newRef builds a refTable from rules that New accepts.
func newRef(rules []Rule) (*refTable, error) {
	rt := &refTable{}
	for _, r := range rules {
		r.Host = strings.TrimSuffix(strings.ToLower(r.Host), ".")
		rr := refRule{Rule: r}
		switch r.Type {
		case Exact, Prefix:
			p, err := CleanPath(r.Path)
			if err != nil {
				return nil, err
			}
			rr.Path = p
		case Regex:
			re, err := regexp.Compile("(?i)^(?:" + r.Path + ")")
			if err != nil {
				return nil, err
			}
			rr.re = re
		}
		rt.rules = append(rt.rules, rr)
	}
	return rt, nil
}

func (rt *refTable) match(host, path string) *Rule {
	// Which host do the rules of this request belong to?
	group, found := "", false
	for _, r := range rt.rules {
		if r.Host != "" && !strings.HasPrefix(r.Host, "*.") && r.Host == host {
			group, found = host, true
			break
		}
	}
	if label, suffix, ok := strings.Cut(host, "."); !found && ok && label != "" {
		for _, r := range rt.rules {
			if r.Host == "*."+suffix {
				group, found = r.Host, true
				break
			}
		}
	}

	var exact, regex, prefix, hostDefault, global *refRule
	for i := range rt.rules {
		r := &rt.rules[i]
		if r.Host == "" && r.Type == Default {
			if global == nil {
				global = r
			}
			continue
		}
		if r.Host != group {
			continue
		}
		switch r.Type {
		case Exact:
			if exact == nil && r.Path == path {
				exact = r
			}
		case Regex:
			if r.re.MatchString(path) && (regex == nil || regexTriedBefore(r.Path, regex.Path)) {
				regex = r
			}
		case Prefix:
			k := strings.TrimSuffix(r.Path, "/")
			elementWise := path == k || strings.HasPrefix(path, k+"/")
			if elementWise && (prefix == nil || len(r.Path) > len(prefix.Path)) {
				prefix = r
			}
		case Default:
			if hostDefault == nil {
				hostDefault = r
			}
		}
	}
	for _, r := range []*refRule{exact, regex, prefix, hostDefault, global} {
		if r != nil {
			return &r.Rule
		}
	}
	return nil
}

// regexTriedBefore reports whether pattern a is tried strictly before b:
// longer first, then reverse lexicographic.
func regexTriedBefore(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

var (
	fuzzHosts    = []string{"", "", "", "foo.com", "FOO.com", "a.foo.com", "*.foo.com", "*.a.foo.com", "b.a.foo.com", "bar.com.", "*.com"}
	fuzzSegments = []string{"a", "b", "ab", "A", "%2F", "~u", "%7Eu", "a.b"}
	fuzzRegexes  = []string{"/a", "/a.*", "/[a-b]+", "/A/b", "/a/b$", "/.*", "/b|/a", "/(a|ab)/", "/a/[A-Z0-9]{1}", "/ab", "/ba", "", "/(a)/b", "/a(b|/)", "/k8s", "/S"}
	fuzzTypes    = []PathType{Prefix, Prefix, Prefix, Exact, Exact, Regex, Default}
)

func fuzzPath(rng *rand.Rand) string {
	p := ""
	for range rng.IntN(4) {
		p += "/" + fuzzSegments[rng.IntN(len(fuzzSegments))]
	}
	if p == "" || rng.IntN(3) == 0 {
		p += "/"
	}
	return p
}

// fuzzRules draws a small rule set from seed, with hosts and paths from
// small pools so that rules overlap, collide and shadow each other.
func fuzzRules(seed uint64) []Rule {
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	rules := make([]Rule, 1+rng.IntN(12))
	for i := range rules {
		r := Rule{Host: fuzzHosts[rng.IntN(len(fuzzHosts))], Type: fuzzTypes[rng.IntN(len(fuzzTypes))], Origin: fmt.Sprintf("r%d", i)}
		switch r.Type {
		case Regex:
			r.Path = fuzzRegexes[rng.IntN(len(fuzzRegexes))]
		case Exact, Prefix:
			r.Path = fuzzPath(rng)
		}
		rules[i] = r
	}
	return rules
}

func FuzzMatch(f *testing.F) {
	f.Add(uint64(1), "foo.com", "/a/b", false)
	f.Add(uint64(2), "a.foo.com", "/ab/", false)
	f.Add(uint64(3), "x", "x", true)
	f.Add(uint64(4), "", "", true)
	f.Add(uint64(5), "b.a.foo.com", "/a/%2F", false)
	f.Add(uint64(6), ".foo.com", "//a", false)
	f.Add(uint64(7), "*.foo.com", "/A/b/", false)
	for seed := range uint64(40) {
		f.Add(seed*7919, "", "", true)
	}
	f.Fuzz(func(t *testing.T, seed uint64, host, path string, generate bool) {
		rules := fuzzRules(seed)
		if generate {
			// Requests drawn from the same pools hit rules far more often
			// than arbitrary strings.
			rng := rand.New(rand.NewPCG(seed+1, uint64(len(host))))
			host = NormalizeHost(fuzzHosts[rng.IntN(len(fuzzHosts))])
			if strings.HasPrefix(host, "*.") {
				host = "x" + host[1:]
			}
			path, _ = CleanPath(fuzzPath(rng))
		}
		tbl, err := New(rules)
		if err != nil {
			t.Fatalf("New(%v): %v", rules, err)
		}
		ref, err := newRef(rules)
		if err != nil {
			t.Fatalf("newRef(%v): %v", rules, err)
		}
		got, want := tbl.Match(host, path), ref.match(host, path)
		if origin(got) != origin(want) {
			t.Fatalf("rules:\n%v\nMatch(%q, %q) = %v, want %v", tbl, host, path, got, want)
		}
		// Explain must agree with Match whenever its normalisation is a
		// no-op.
		if NormalizeHost(host) != host {
			return
		}
		if p, err := CleanPath(path); err != nil || p != path {
			return
		}
		e := tbl.Explain(host, path)
		if e.Rule != got {
			t.Fatalf("rules:\n%v\nExplain(%q, %q).Rule = %v, Match = %v", tbl, host, path, e.Rule, got)
		}
		won := 0
		for _, c := range e.Candidates {
			if c.Won {
				won++
			}
		}
		wantWon := 0
		if got != nil {
			wantWon = 1
		}
		if won != wantWon {
			t.Fatalf("Explain(%q, %q) has %d winners, want %d:\n%v", host, path, won, wantWon, e)
		}
	})
}

// TestMatchLargeEntries holds Table to the reference matcher on entries
// too big for the in-record key scan (more than smallPaths keys, keys over
// 255 bytes, more than 255 rules), which FuzzMatch's small rule sets
// rarely produce.
func TestMatchLargeEntries(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 99))
		rules := make([]Rule, 40+rng.IntN(40))
		for i := range rules {
			r := Rule{Host: fuzzHosts[rng.IntN(len(fuzzHosts))], Type: fuzzTypes[rng.IntN(len(fuzzTypes))], Origin: fmt.Sprintf("r%d", i)}
			switch r.Type {
			case Regex:
				r.Path = fuzzRegexes[rng.IntN(len(fuzzRegexes))]
			case Exact, Prefix:
				r.Path = fuzzPath(rng)
			}
			rules[i] = r
		}
		long := "/" + strings.Repeat("L", 300)
		rules = append(rules, Rule{Host: "foo.com", Path: long, Type: Prefix, Origin: "long"})
		checkAgainstRef(t, rules, func(check func(host, path string)) {
			for range 200 {
				host := NormalizeHost(fuzzHosts[rng.IntN(len(fuzzHosts))])
				if strings.HasPrefix(host, "*.") {
					host = "x" + host[1:]
				}
				p, _ := CleanPath(fuzzPath(rng))
				check(host, p)
			}
			check("foo.com", long)
			check("foo.com", long+"/x")
		})
	}
	// One host with few keys but more rules than a byte can number.
	var rules []Rule
	for i := range 300 {
		rules = append(rules, Rule{Host: "re.com", Path: fmt.Sprintf("/re%d", i), Type: Regex, Origin: fmt.Sprint("re", i)})
	}
	rules = append(rules,
		Rule{Host: "re.com", Path: "/p", Type: Prefix, Origin: "p"},
		Rule{Host: "re.com", Path: "/e", Type: Exact, Origin: "e"},
		Rule{Host: "re.com", Type: Default, Origin: "d"})
	checkAgainstRef(t, rules, func(check func(host, path string)) {
		for _, p := range []string{"/p", "/p/x", "/e", "/e/x", "/re7", "/re299/x", "/nope"} {
			check("re.com", p)
		}
	})
}

// checkAgainstRef builds rules into a Table and a refTable and lets gen
// compare their answers for requests.
func checkAgainstRef(t *testing.T, rules []Rule, gen func(check func(host, path string))) {
	t.Helper()
	tbl, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := newRef(rules)
	if err != nil {
		t.Fatal(err)
	}
	gen(func(host, path string) {
		got, want := tbl.Match(host, path), ref.match(host, path)
		if origin(got) != origin(want) {
			t.Fatalf("rules:\n%v\nMatch(%q, %q) = %v, want %v", tbl, host, path, got, want)
		}
		if e := tbl.Explain(host, path); e.Rule != got {
			t.Fatalf("Explain(%q, %q).Rule = %v, Match = %v", host, path, e.Rule, got)
		}
	})
}

// TestMatchLargeTable holds Table to the reference matcher on a table big
// enough for the filters in front of its exact host and large path indexes
// (filterMin keys or more), on requests for its rules and near misses.
func TestMatchLargeTable(t *testing.T) {
	rules, reqs := benchRules(12_000)
	tbl, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.exactFilter == nil || tbl.pathFilter == nil {
		t.Fatalf("table of %d rules has no filter: exact %d, paths %d words", len(rules), len(tbl.exactFilter), len(tbl.pathFilter))
	}
	checkAgainstRef(t, rules, func(check func(host, path string)) {
		for i := 0; i < len(reqs); i += 37 {
			q := reqs[i]
			check(q.host, q.path)
			check(q.host, q.path+"x")
			check(q.host, q.path+"/")
			check("a"+q.host, q.path)
			check(q.host[1:], q.path)
		}
	})
}
