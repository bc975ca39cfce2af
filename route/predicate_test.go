package route

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// gwMatch is one Gateway API HTTPRouteMatch of a test route, written
// compactly: the path ("" for the default PathPrefix "/"), and conditions
// as "method", "h:Name=value", "h~Name=regex", "q:name=value",
// "q~name=regex".
type gwMatch struct {
	origin string
	typ    PathType
	path   string
	conds  []string
}

// pm is a PathPrefix match; em an Exact one.
func pm(origin, path string, conds ...string) gwMatch { return gwMatch{origin, Prefix, path, conds} }
func em(origin, path string, conds ...string) gwMatch { return gwMatch{origin, Exact, path, conds} }

// gwRule turns m into a Rule of route (namespace/name) at rule index i.
func gwRule(host, route string, created time.Time, i int, m gwMatch) Rule {
	c := &Conditions{Tiebreak: Tiebreak{Created: created, Route: route, Index: i}}
	r := Rule{Host: host, Path: m.path, Type: m.typ, Origin: m.origin, Conditions: c}
	if r.Path == "" {
		r.Path = "/"
	}
	for _, cond := range m.conds {
		kind, rest, ok := strings.Cut(cond, ":")
		regex := false
		if !ok {
			kind, rest, ok = strings.Cut(cond, "~")
			regex = ok
		}
		name, value, _ := strings.Cut(rest, "=")
		switch {
		case !ok:
			c.Method = cond
		case kind == "h":
			c.Headers = append(c.Headers, HeaderMatch{Name: name, Value: value, Regex: regex})
		case kind == "q":
			c.Query = append(c.Query, QueryMatch{Name: name, Value: value, Regex: regex})
		}
	}
	return r
}

// oneRoute lists the rules of a route whose rules have the given matches,
// all for any host.
func oneRoute(route string, rules ...[]gwMatch) []Rule {
	var out []Rule
	for i, ms := range rules {
		for _, m := range ms {
			out = append(out, gwRule("", route, time.Time{}, i, m))
		}
	}
	return out
}

// gwCase is a request and the origin of the rule that must answer it ("" for
// none): "METHOD host/path?query" with headers as "Name: value".
type gwCase struct {
	req     string
	headers []string
	want    string
}

func checkGW(t *testing.T, tbl *Table, cases []gwCase) {
	t.Helper()
	for _, c := range cases {
		method, target, _ := strings.Cut(c.req, " ")
		host, path, _ := strings.Cut(target, "/")
		req := httptest.NewRequest(method, "/"+path, nil)
		req.Host = host
		for _, h := range c.headers {
			name, value, _ := strings.Cut(h, ": ")
			req.Header.Add(name, value)
		}
		got, _, err := tbl.MatchRequest(req)
		if err != nil || origin(got) != c.want {
			t.Errorf("%s %v: got %v, %v, want %q", c.req, c.headers, got, err, c.want)
		}
	}
}

// TestGatewayMethodMatching ports the expectations of the Gateway API
// conformance test HTTPRouteMethodMatching: a method match outranks header
// matches.
func TestGatewayMethodMatching(t *testing.T) {
	tbl := mustNew(t, oneRoute("ns/method-matching",
		[]gwMatch{pm("post", "", "POST")},
		[]gwMatch{pm("get", "", "GET")},
		[]gwMatch{pm("get path1", "/path1", "GET")},
		[]gwMatch{pm("put version one", "", "PUT", "h:version=one")},
		[]gwMatch{pm("post path2 version two", "/path2", "POST", "h:version=two")},
		[]gwMatch{pm("patch path3", "/path3", "PATCH"), pm("delete path4 version three", "/path4", "DELETE", "h:version=three")},
		[]gwMatch{pm("path5", "/path5")},
		[]gwMatch{pm("patch", "", "PATCH")},
		[]gwMatch{pm("version four", "", "h:version=four")},
	)...)
	checkGW(t, tbl, []gwCase{
		{"POST x/", nil, "post"},
		{"GET x/", nil, "get"},
		{"HEAD x/", nil, ""},
		{"GET x/path1", nil, "get path1"},
		{"PUT x/", []string{"version: one"}, "put version one"},
		{"POST x/path2", []string{"version: two"}, "post path2 version two"},
		{"PATCH x/path3", nil, "patch path3"},
		{"DELETE x/path4", []string{"version: three"}, "delete path4 version three"},
		{"PUT x/", nil, ""},
		{"DELETE x/path4", nil, ""},
		{"PATCH x/path5", nil, "path5"},
		// A method match outranks a header match.
		{"PATCH x/", []string{"version: four"}, "patch"},
	})
}

// TestGatewayQueryParamMatching ports HTTPRouteQueryParamMatching: names
// are case-sensitive, and a header match outranks a query match.
func TestGatewayQueryParamMatching(t *testing.T) {
	tbl := mustNew(t, oneRoute("ns/query-param-matching",
		[]gwMatch{pm("whale", "", "q:animal=whale")},
		[]gwMatch{pm("dolphin", "", "q:animal=dolphin")},
		[]gwMatch{pm("dolphin blue", "", "q:animal=dolphin", "q:color=blue"), pm("ANIMAL Whale", "", "q:ANIMAL=Whale")},
		[]gwMatch{pm("path1 whale", "/path1", "q:animal=whale")},
		[]gwMatch{pm("version one whale", "", "h:version=one", "q:animal=whale")},
		[]gwMatch{pm("path2 version two whale", "/path2", "h:version=two", "q:animal=whale")},
		[]gwMatch{pm("path3 shark", "/path3", "q:animal=shark"), pm("path4 version three kraken", "/path4", "h:version=three", "q:animal=kraken")},
		[]gwMatch{pm("path5", "/path5")},
		[]gwMatch{pm("hydra", "", "q:animal=hydra")},
		[]gwMatch{pm("version four", "", "h:version=four")},
	)...)
	checkGW(t, tbl, []gwCase{
		{"GET x/?animal=whale", nil, "whale"},
		{"GET x/?animal=dolphin", nil, "dolphin"},
		{"GET x/?animal=dolphin&color=blue", nil, "dolphin blue"},
		{"GET x/?ANIMAL=Whale", nil, "ANIMAL Whale"},
		{"GET x/?animal=whale&otherparam=irrelevant", nil, "whale"},
		{"GET x/?animal=dolphin&color=yellow", nil, "dolphin"},
		{"GET x/?color=blue", nil, ""},
		{"GET x/?animal=dog", nil, ""},
		{"GET x/?animal=whaledolphin", nil, ""},
		{"GET x/", nil, ""},
		{"GET x/path1?animal=whale", nil, "path1 whale"},
		{"GET x/?animal=whale", []string{"version: one"}, "version one whale"},
		{"GET x/path2?animal=whale", []string{"version: two"}, "path2 version two whale"},
		{"GET x/path3?animal=shark", nil, "path3 shark"},
		{"GET x/path4?animal=kraken", []string{"version: three"}, "path4 version three kraken"},
		{"GET x/?animal=shark", nil, ""},
		{"GET x/path4?animal=kraken", nil, ""},
		{"GET x/path5?animal=hydra", nil, "path5"},
		// A header match outranks a query match.
		{"GET x/?animal=hydra", []string{"version: four"}, "version four"},
	})
}

// TestGatewayHeaderMatching ports HTTPRouteHeaderMatching: two header
// matches outrank one, whatever the rule order.
func TestGatewayHeaderMatching(t *testing.T) {
	tbl := mustNew(t, oneRoute("ns/header-matching",
		[]gwMatch{pm("one", "", "h:version=one")},
		[]gwMatch{pm("two", "", "h:version=two")},
		[]gwMatch{pm("two orange", "", "h:version=two", "h:color=orange")},
		[]gwMatch{pm("blue", "", "h:color=blue"), pm("green", "", "h:color=green")},
		[]gwMatch{pm("red", "", "h:color=red"), pm("yellow", "", "h:color=yellow")},
	)...)
	checkGW(t, tbl, []gwCase{
		{"GET x/", []string{"Version: one"}, "one"},
		{"GET x/", []string{"Version: two"}, "two"},
		{"GET x/", []string{"Version: two", "Color: orange"}, "two orange"},
		// Equally many matches: the earlier rule of the route.
		{"GET x/", []string{"Version: two", "Color: blue"}, "two"},
		{"GET x/", []string{"Color: orange"}, ""},
		{"GET x/", []string{"Some-Other-Header: one"}, ""},
		{"GET x/", []string{"Color: blue"}, "blue"},
		{"GET x/", []string{"Color: green"}, "green"},
		{"GET x/", []string{"Color: red"}, "red"},
		{"GET x/", []string{"Color: yellow"}, "yellow"},
		{"GET x/", []string{"Color: purple"}, ""},
	})
}

// TestGatewayMatchingAcrossRoutes ports HTTPRouteMatchingAcrossRoutes:
// rules of several routes for the same host compete by the same
// precedence.
func TestGatewayMatchingAcrossRoutes(t *testing.T) {
	var rules []Rule
	for _, host := range []string{"example.com", "example.net"} {
		rules = append(rules,
			gwRule(host, "ns/matching-part1", time.Time{}, 0, pm("part1 /", "/")),
			gwRule(host, "ns/matching-part1", time.Time{}, 0, pm("part1 version one", "/", "h:version=one")))
	}
	rules = append(rules,
		gwRule("example.com", "ns/matching-part2", time.Time{}, 0, pm("part2 /v2", "/v2")),
		gwRule("example.com", "ns/matching-part2", time.Time{}, 0, pm("part2 version two", "/", "h:version=two")))
	checkGW(t, mustNew(t, rules...), []gwCase{
		{"GET example.com/", nil, "part1 /"},
		{"GET example.com/example", nil, "part1 /"},
		{"GET example.net/example", nil, "part1 /"},
		{"GET example.com/example", []string{"Version: one"}, "part1 version one"},
		{"GET example.com/v2", nil, "part2 /v2"},
		{"GET example.net/v2", nil, "part1 /"},
		{"GET example.com/v2/example", nil, "part2 /v2"},
		{"GET example.com/", []string{"Version: two"}, "part2 version two"},
	})
}

// TestGatewayPrecedence walks the precedence steps one by one, each with a
// pair of rules where the earlier step decides against every later one.
func TestGatewayPrecedence(t *testing.T) {
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	young := old.Add(time.Hour)
	for _, tt := range []struct {
		name  string
		rules []Rule
		cases []gwCase
	}{{
		name: "an exact host beats a wildcard, whatever the conditions",
		rules: []Rule{
			gwRule("a.foo.com", "ns/b", young, 1, pm("exact host", "/")),
			gwRule("*.foo.com", "ns/a", old, 0, em("wildcard exact path", "/x", "GET", "h:v=1", "q:a=1")),
		},
		cases: []gwCase{
			{"GET a.foo.com/x?a=1", []string{"v: 1"}, "exact host"},
			{"GET b.foo.com/x?a=1", []string{"v: 1"}, "wildcard exact path"},
		},
	}, {
		name: "the selected host's rules only: no fall-through to a wildcard when its rules fail",
		rules: []Rule{
			gwRule("a.foo.com", "ns/b", young, 0, pm("exact host GET", "/", "GET")),
			gwRule("*.foo.com", "ns/a", old, 0, pm("wildcard", "/")),
		},
		cases: []gwCase{
			{"POST a.foo.com/", nil, ""},
			{"POST b.foo.com/", nil, "wildcard"},
		},
	}, {
		name: "an Exact path beats a prefix with more conditions",
		rules: []Rule{
			gwRule("", "ns/a", old, 0, pm("prefix /x with everything", "/x", "GET", "h:v=1", "q:a=1")),
			gwRule("", "ns/b", young, 1, em("exact /x", "/x")),
		},
		cases: []gwCase{
			{"GET x/x?a=1", []string{"v: 1"}, "exact /x"},
			{"GET x/x/y?a=1", []string{"v: 1"}, "prefix /x with everything"},
		},
	}, {
		name: "a longer prefix beats a method",
		rules: []Rule{
			gwRule("", "ns/a", old, 0, pm("/ GET", "/", "GET")),
			gwRule("", "ns/b", young, 1, pm("/x", "/x")),
		},
		cases: []gwCase{
			{"GET x/x/y", nil, "/x"},
			{"GET x/y", nil, "/ GET"},
			{"GET x/xy", nil, "/ GET"}, // element-wise
		},
	}, {
		name: "a method beats more headers",
		rules: []Rule{
			gwRule("", "ns/a", old, 0, pm("two headers", "/", "h:a=1", "h:b=2")),
			gwRule("", "ns/b", young, 1, pm("method", "/", "GET")),
		},
		cases: []gwCase{
			{"GET x/", []string{"a: 1", "b: 2"}, "method"},
			{"POST x/", []string{"a: 1", "b: 2"}, "two headers"},
		},
	}, {
		name: "more headers beat more query parameters",
		rules: []Rule{
			gwRule("", "ns/a", old, 0, pm("one header two params", "/", "h:a=1", "q:p=1", "q:q=2")),
			gwRule("", "ns/b", young, 1, pm("two headers", "/", "h:a=1", "h:b=2")),
		},
		cases: []gwCase{
			{"GET x/?p=1&q=2", []string{"a: 1", "b: 2"}, "two headers"},
			{"GET x/?p=1&q=2", []string{"a: 1"}, "one header two params"},
		},
	}, {
		name: "more query parameters beat an older route",
		rules: []Rule{
			gwRule("", "ns/a", old, 0, pm("old one param", "/", "q:p=1")),
			gwRule("", "ns/b", young, 0, pm("young two params", "/", "q:p=1", "q:q=2")),
		},
		cases: []gwCase{
			{"GET x/?q=2&p=1", nil, "young two params"},
			{"GET x/?p=1", nil, "old one param"},
		},
	}, {
		name: "the older route beats the name",
		rules: []Rule{
			gwRule("", "ns/b", young, 0, pm("young a", "/", "h:a=1")),
			gwRule("", "ns/z", old, 0, pm("old z", "/", "h:b=1")),
		},
		cases: []gwCase{{"GET x/", []string{"a: 1", "b: 1"}, "old z"}},
	}, {
		name: "the name beats the rule order",
		rules: []Rule{
			gwRule("", "ns/b", old, 0, pm("b rule 0", "/", "h:a=1")),
			gwRule("", "ns/a", old, 3, pm("a rule 3", "/", "h:b=1")),
		},
		cases: []gwCase{{"GET x/", []string{"a: 1", "b: 1"}, "a rule 3"}},
	}, {
		name: "the rule order decides last",
		rules: []Rule{
			gwRule("", "ns/a", old, 2, pm("rule 2", "/", "h:a=1")),
			gwRule("", "ns/a", old, 1, pm("rule 1", "/", "h:b=1")),
		},
		cases: []gwCase{{"GET x/", []string{"a: 1", "b: 1"}, "rule 1"}},
	}, {
		name: "failing conditions fall back to a shorter prefix, then to the host's Default",
		rules: []Rule{
			gwRule("foo.com", "ns/a", old, 0, em("exact /a/b POST", "/a/b", "POST")),
			gwRule("foo.com", "ns/a", old, 1, pm("/a/b v=1", "/a/b", "h:v=1")),
			gwRule("foo.com", "ns/a", old, 2, pm("/a/ v=2", "/a/", "h:v=2")),
			gwRule("foo.com", "ns/a", old, 3, pm("/a v=3", "/a", "h:v=3")),
			{Host: "foo.com", Type: Default, Origin: "default"},
		},
		cases: []gwCase{
			{"POST foo.com/a/b", nil, "exact /a/b POST"},
			{"GET foo.com/a/b", []string{"v: 1"}, "/a/b v=1"},
			{"GET foo.com/a/b", []string{"v: 2"}, "/a/ v=2"},
			{"GET foo.com/a/b", []string{"v: 3"}, "/a v=3"},
			{"GET foo.com/a/b", []string{"v: 4"}, "default"},
		},
	}, {
		name: "deep wildcards: the longest suffix wins",
		rules: []Rule{
			gwRule("*.foo.com", "ns/a", old, 0, pm("*.foo.com", "/")),
			gwRule("*.b.foo.com", "ns/b", young, 0, pm("*.b.foo.com", "/")),
		},
		cases: []gwCase{
			{"GET a.b.foo.com/", nil, "*.b.foo.com"},
			{"GET a.c.foo.com/", nil, "*.foo.com"},
			{"GET x.a.b.foo.com/", nil, "*.b.foo.com"},
			{"GET foo.com/", nil, ""},
		},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			for _, rules := range [][]Rule{tt.rules, reversed(tt.rules)} {
				tbl, err := NewWithOptions(rules, Options{DeepWildcards: []string{"*.foo.com", "*.b.foo.com"}})
				if err != nil {
					t.Fatal(err)
				}
				checkGW(t, tbl, tt.cases)
			}
		})
	}
}

func reversed(rules []Rule) []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[len(rules)-1-i] = r
	}
	return out
}

// TestPredicateValues pins how one header or query condition compares
// values.
func TestPredicateValues(t *testing.T) {
	rule := func(origin string, conds ...string) Rule {
		return gwRule("", "ns/a", time.Time{}, 0, pm(origin, "/"+strings.ReplaceAll(origin, " ", "-"), conds...))
	}
	tbl := mustNew(t,
		rule("exact", "h:X-Env=Prod"),
		rule("regex", "h~x-id=[0-9]+"),
		rule("joined", "h:Accept=a,b"),
		rule("joined regex", "h~Accept=a,.*"),
		rule("present", "h~X-Any=.*"),
		rule("query", "q:k=a b"),
		rule("query regex", "q~k=v[0-9]"),
		rule("first name wins", "h:A=1", "h:a=2"),
		rule("method", "get"),
	)
	checkGW(t, tbl, []gwCase{
		// Header names ignore case; values do not.
		{"GET x/exact", []string{"x-env: Prod"}, "exact"},
		{"GET x/exact", []string{"X-Env: prod"}, ""},
		// A regex must match the whole value.
		{"GET x/regex", []string{"X-Id: 123"}, "regex"},
		{"GET x/regex", []string{"X-Id: 123a"}, ""},
		{"GET x/regex", []string{"X-Id: a123"}, ""},
		// A header sent twice is its values joined with ",".
		{"GET x/joined", []string{"Accept: a", "Accept: b"}, "joined"},
		{"GET x/joined", []string{"Accept: a"}, ""},
		{"GET x/joined", []string{"Accept: a,b"}, "joined"},
		{"GET x/joined-regex", []string{"Accept: a", "Accept: c"}, "joined regex"},
		// A regex that matches anything still needs the header.
		{"GET x/present", []string{"X-Any: "}, "present"},
		{"GET x/present", nil, ""},
		// Query values are decoded ("+" is a space) and the first one counts.
		{"GET x/query?k=a+b", nil, "query"},
		{"GET x/query?k=a%20b", nil, "query"},
		{"GET x/query?k=a%20b&k=c", nil, "query"},
		{"GET x/query?k=c&k=a%20b", nil, ""},
		{"GET x/query?K=a+b", nil, ""},
		{"GET x/query-regex?k=v7", nil, "query regex"},
		{"GET x/query-regex?k=v77", nil, ""},
		// Of two conditions on one header name, the first counts alone.
		{"GET x/first-name-wins", []string{"A: 1"}, "first name wins"},
		{"GET x/first-name-wins", []string{"A: 2"}, ""},
		// Methods are case-sensitive.
		{"GET x/method", nil, ""},
	})
	// Match, without a request, sees no method, header or query: only
	// rules without conditions answer.
	if got := tbl.Match("x", "/exact"); got != nil {
		t.Errorf("Match without a request = %v, want <nil>", got)
	}
}

func TestPredicateErrors(t *testing.T) {
	for _, tt := range []struct {
		rule Rule
		msg  string
	}{
		{Rule{Path: "/", Type: Prefix, Origin: "o", Conditions: &Conditions{Headers: []HeaderMatch{{Name: "bad name", Value: "x"}}}},
			`route: o: host "" path "/": headers[0]: invalid header name "bad name"`},
		{Rule{Path: "/", Type: Prefix, Origin: "o", Conditions: &Conditions{Headers: []HeaderMatch{{Name: "X", Value: "(", Regex: true}}}},
			`route: o: host "" path "/": headers[0] (X): invalid regex: error parsing regexp: missing closing ): ` + "`(`"},
		{Rule{Path: "/", Type: Prefix, Origin: "o", Conditions: &Conditions{Query: []QueryMatch{{Name: "", Value: "x"}}}},
			`route: o: host "" path "/": query[0]: empty parameter name`},
		{Rule{Path: "/", Type: Prefix, Origin: "o", Conditions: &Conditions{Method: "G T"}},
			`route: o: host "" path "/": invalid method "G T": must be an HTTP token`},
		{Rule{Type: Default, Origin: "o", Conditions: &Conditions{Method: "GET"}},
			`route: o: host "" path "": a Default rule cannot have method, header, query or scheme conditions`},
		{Rule{Path: "/", Type: Prefix, Origin: "o", Conditions: &Conditions{Scheme: "ftp"}},
			`route: o: host "" path "/": invalid scheme "ftp": must be http, https or empty`},
		{Rule{Path: "/(?=a)", Type: RegularExpression, Origin: "o"},
			`route: o: host "" path "/(?=a)": invalid regex: error parsing regexp: invalid or unsupported Perl syntax: ` + "`(?=`" +
				` (RE2 does not support look-around such as (?=...), (?!...), (?<=...) or atomic groups; match more loosely or add an Exact or Prefix rule)`},
	} {
		_, err := New([]Rule{tt.rule})
		var re *RuleError
		if !errors.As(err, &re) || err.Error() != tt.msg {
			t.Errorf("New(%+v) = %v, want %s", tt.rule, err, tt.msg)
		}
	}
}

// TestRegularExpressionPaths: Gateway API's RegularExpression paths are
// case-sensitive and match the whole path.
func TestRegularExpressionPaths(t *testing.T) {
	tbl := mustNew(t,
		Rule{Path: "/api/v[0-9]+", Type: RegularExpression, Origin: "re"},
		Rule{Path: "/", Type: Prefix, Origin: "root"},
	)
	for path, want := range map[string]string{
		"/api/v1":   "re",
		"/api/v12":  "re",
		"/API/v1":   "root",
		"/api/v1/x": "root",
		"/x/api/v1": "root",
	} {
		if got := tbl.Match("x", path); origin(got) != want {
			t.Errorf("Match(%q) = %v, want %q", path, got, want)
		}
	}
}

// TestPredicateConflicts: rules with the same host, path, type and
// conditions cannot both answer; the one with the earlier Tiebreak stays.
func TestPredicateConflicts(t *testing.T) {
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	young := gwRule("", "ns/young", old.Add(time.Hour), 0, pm("young", "/", "h:a=1", "GET"))
	older := gwRule("", "ns/old", old, 0, pm("old", "/", "GET", "h:A=1"))
	other := gwRule("", "ns/other", old, 0, pm("other", "/", "h:a=2", "GET"))
	tbl := mustNew(t, young, older, other)
	c := tbl.Conflicts()
	if len(c) != 1 || c[0].Kept.Origin != "old" || c[0].Dropped.Origin != "young" || c[0].Index != 0 {
		t.Fatalf("Conflicts = %v, want young dropped for old (index 0)", c)
	}
	checkGW(t, tbl, []gwCase{
		{"GET x/", []string{"A: 1"}, "old"},
		{"GET x/", []string{"A: 2"}, "other"},
	})
}

// TestMatchRequestPredicatesDoNotAllocate: a proxy that calls MatchRequest
// on a table with predicates allocates nothing for unescaped query values
// and single header values.
func TestMatchRequestPredicatesDoNotAllocate(t *testing.T) {
	tbl := mustNew(t,
		gwRule("foo.com", "ns/a", time.Time{}, 0, pm("h", "/api", "GET", "h:X-Version=2", "h~X-Id=[0-9]+", "q:debug=1")),
		gwRule("foo.com", "ns/a", time.Time{}, 1, pm("root", "/")),
	)
	req := httptest.NewRequest("GET", "/api/x?a=b&debug=1", nil)
	req.Host = "foo.com"
	req.Header.Set("X-Version", "2")
	req.Header.Set("X-Id", "42")
	if got, _, _ := tbl.MatchRequest(req); origin(got) != "h" {
		t.Fatalf("MatchRequest = %v, want h", got)
	}
	if n := testing.AllocsPerRun(100, func() { tbl.MatchRequest(req) }); n != 0 {
		t.Errorf("MatchRequest allocates %v times, want 0", n)
	}
	view := RequestOf(req)
	if n := testing.AllocsPerRun(100, func() { tbl.MatchWith("foo.com", "/api/x", &view) }); n != 0 {
		t.Errorf("MatchWith allocates %v times, want 0", n)
	}
}

// TestDocGatewayExamples checks the worked examples of the package
// documentation's Gateway API precedence section.
func TestDocGatewayExamples(t *testing.T) {
	rules := []Rule{
		gwRule("foo.com", "ns/a", time.Time{}, 0, pm("1", "/v1")),
		gwRule("foo.com", "ns/a", time.Time{}, 1, pm("2", "/v1", "GET")),
		gwRule("foo.com", "ns/a", time.Time{}, 2, pm("3", "/v1", "h:x-env=dev")),
		gwRule("foo.com", "ns/a", time.Time{}, 3, pm("4", "/v1", "h:x-env=dev", "q:debug=1")),
		gwRule("foo.com", "ns/a", time.Time{}, 4, em("5", "/v1/a", "POST")),
		gwRule("foo.com", "ns/a", time.Time{}, 5, pm("6", "/v1/a", "h:x-env=dev")),
		gwRule("*.foo.com", "ns/a", time.Time{}, 6, pm("7", "/")),
	}
	for _, rs := range [][]Rule{rules, reversed(rules)} {
		tbl, err := NewWithOptions(rs, Options{DeepWildcards: []string{"*.foo.com"}})
		if err != nil {
			t.Fatal(err)
		}
		checkGW(t, tbl, []gwCase{
			{"GET foo.com/v1", nil, "2"},
			{"PUT foo.com/v1", []string{"x-env: dev"}, "3"},
			{"PUT foo.com/v1?debug=1", []string{"x-env: dev"}, "4"},
			{"PUT foo.com/v1", nil, "1"},
			{"POST foo.com/v1/a", nil, "5"},
			{"GET foo.com/v1/a", []string{"x-env: dev"}, "6"},
			{"GET foo.com/v1/a", nil, "2"},
			{"GET a.b.foo.com/x", nil, "7"},
			{"GET a.foo.com/x", nil, "7"},
			{"GET foo.com/other", nil, ""},
		})
	}
}

// TestExplainWithConditions: Explain tells which condition kept a rule
// whose path matches from answering, and dumps show conditions.
func TestExplainWithConditions(t *testing.T) {
	tbl := mustNew(t,
		gwRule("foo.com", "ns/a", time.Time{}, 0, pm("canary", "/", "GET", "h:X-Canary=1", "q~v=[0-9]")),
		gwRule("foo.com", "ns/a", time.Time{}, 1, pm("stable", "/")),
	)
	req := httptest.NewRequest("GET", "/x?v=7", nil)
	view := RequestOf(req)
	e := tbl.ExplainWith("foo.com", "/x", &view)
	if origin(e.Rule) != "stable" || len(e.Candidates) != 2 {
		t.Fatalf("ExplainWith = %v", e)
	}
	if c := e.Candidates[0]; c.Rule.Origin != "canary" || c.Matched || c.Reason != "path matches, but header X-Canary does not match" {
		t.Errorf("canary candidate = %+v", c)
	}
	req.Header.Set("X-Canary", "1")
	if e := tbl.ExplainWith("foo.com", "/x", &view); origin(e.Rule) != "canary" ||
		e.Candidates[1].Reason != "matches too, but canary comes first (a method, then more headers, then more query parameters, then the older, then the alphabetically first route, then the earlier rule)" {
		t.Errorf("ExplainWith with the header = %v", e)
	}
	if got := tbl.Explain("foo.com", "/x").Candidates[0].Reason; got != "path matches, but the method is not GET" {
		t.Errorf("Explain without a request: canary reason %q", got)
	}
	want := "HOST     PATH  TYPE                                        BACKEND  ORIGIN\n" +
		"foo.com  /     Prefix GET header:X-Canary=1 query~v=[0-9]  -        canary\n" +
		"foo.com  /     Prefix                                      -        stable\n"
	if got := tbl.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
}

// TestRebuildKeepsPredicates: a table rebuilt from Rules, as a caller does
// to attach other Values, matches the same way.
func TestRebuildKeepsPredicates(t *testing.T) {
	for seed := range uint64(200) {
		rules, opts := gwRules(seed)
		tbl, err := NewWithOptions(rules, opts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := NewWithOptions(tbl.Rules(), tbl.Options())
		if err != nil || again.String() != tbl.String() || len(again.Conflicts()) != 0 {
			t.Fatalf("rebuilt table differs: %v\n%v\nwant\n%v", err, again, tbl)
		}
	}
}

// TestRegexInOrderWithPredicates: with Options.RegexInOrder, the rules of
// one pattern are tried together, where the pattern first appears, in
// Gateway API order.
func TestRegexInOrderWithPredicates(t *testing.T) {
	rules := []Rule{
		{Path: "/a", Type: Regex, Origin: "a"},
		{Path: "/.*", Type: Regex, Origin: "any"},
		{Path: "/a", Type: Regex, Origin: "a with header", Conditions: &Conditions{Headers: []HeaderMatch{{Name: "v", Value: "1"}}}},
	}
	tbl, err := NewWithOptions(rules, Options{RegexInOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	checkGW(t, tbl, []gwCase{
		{"GET x/ab", []string{"v: 1"}, "a with header"},
		{"GET x/ab", nil, "a"},
		{"GET x/b", nil, "any"},
	})
}
