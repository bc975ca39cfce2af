package route

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestKubernetesPathExamples follows the path-matching examples table of the
// Kubernetes Ingress documentation.
func TestKubernetesPathExamples(t *testing.T) {
	for _, tt := range []struct {
		rules []Rule
		path  string
		want  string // origin of the winner, "" for no match
	}{
		{[]Rule{r("", Prefix, "/")}, "/", "Prefix /"},
		{[]Rule{r("", Prefix, "/")}, "/any/path/", "Prefix /"},
		{[]Rule{r("", Exact, "/foo")}, "/foo", "Exact /foo"},
		{[]Rule{r("", Exact, "/foo")}, "/bar", ""},
		{[]Rule{r("", Exact, "/foo")}, "/foo/", ""},
		{[]Rule{r("", Exact, "/foo/")}, "/foo", ""},
		{[]Rule{r("", Exact, "/foo")}, "/FOO", ""},
		{[]Rule{r("", Prefix, "/foo")}, "/foo", "Prefix /foo"},
		{[]Rule{r("", Prefix, "/foo")}, "/foo/", "Prefix /foo"},
		{[]Rule{r("", Prefix, "/foo/")}, "/foo", "Prefix /foo/"},
		{[]Rule{r("", Prefix, "/foo/")}, "/foo/", "Prefix /foo/"},
		{[]Rule{r("", Prefix, "/aaa/bb")}, "/aaa/bbb", ""},
		{[]Rule{r("", Prefix, "/aaa/bbb")}, "/aaa/bbb", "Prefix /aaa/bbb"},
		{[]Rule{r("", Prefix, "/aaa/bbb/")}, "/aaa/bbb", "Prefix /aaa/bbb/"},
		{[]Rule{r("", Prefix, "/aaa/bbb")}, "/aaa/bbb/", "Prefix /aaa/bbb"},
		{[]Rule{r("", Prefix, "/aaa/bbb")}, "/aaa/bbb/ccc", "Prefix /aaa/bbb"},
		{[]Rule{r("", Prefix, "/aaa/bbb")}, "/aaa/bbbxyz", ""},
		{[]Rule{r("", Prefix, "/aaa/bbb")}, "/AAA/bbb", ""},
		{[]Rule{r("", Prefix, "/"), r("", Prefix, "/aaa")}, "/aaa/ccc", "Prefix /aaa"},
		{[]Rule{r("", Prefix, "/"), r("", Prefix, "/aaa"), r("", Prefix, "/aaa/bbb")}, "/aaa/bbb", "Prefix /aaa/bbb"},
		{[]Rule{r("", Prefix, "/"), r("", Prefix, "/aaa"), r("", Prefix, "/aaa/bbb")}, "/ccc", "Prefix /"},
		{[]Rule{r("", Prefix, "/aaa")}, "/ccc", ""},
		{[]Rule{r("", Prefix, "/foo"), r("", Exact, "/foo")}, "/foo", "Exact /foo"},
		{[]Rule{r("", Prefix, "/foo"), r("", Exact, "/foo")}, "/foo/", "Prefix /foo"},
		{[]Rule{r("", Prefix, "/foo"), r("", Prefix, "/foo/")}, "/foo", "Prefix /foo/"},
		{[]Rule{r("", Prefix, "/foo"), r("", Prefix, "/foo/")}, "/foo/x", "Prefix /foo/"},
		// %2F is not a separator, so it does not end an element.
		{[]Rule{r("", Prefix, "/a")}, "/a%2Fb", ""},
		{[]Rule{r("", Prefix, "/a%2Fb")}, "/a%2Fb/c", "Prefix /a%2Fb"},
		// Rule paths are cleaned like request paths.
		{[]Rule{r("", Exact, "/a/%7Euser")}, "/a/~user", "Exact /a/%7Euser"},
		{[]Rule{r("", Prefix, "/a//b/")}, "/a/b/c", "Prefix /a//b/"},
	} {
		matchBothOrders(t, tt.rules, "foo.com", tt.path, tt.want)
	}
}

// TestKubernetesHostExamples follows the hostname wildcard examples of the
// Kubernetes Ingress documentation, plus the case and port rules.
func TestKubernetesHostExamples(t *testing.T) {
	tbl := mustNew(t, r("*.FOO.com", Prefix, "/"))
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"bar.foo.com", true},
		{"BAR.Foo.COM:8443", true},
		{"bar.foo.com.", true},
		{"baz.bar.foo.com", false},
		{"foo.com", false},
		{".foo.com", false},
		{"barfoo.com", false},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = tt.host
		got, _, err := tbl.MatchRequest(req)
		if err != nil || (got != nil) != tt.want {
			t.Errorf("MatchRequest(host %q) = %v, %v, want match %v", tt.host, got, err, tt.want)
		}
	}
}

func TestHostPrecedence(t *testing.T) {
	rules := []Rule{
		r("foo.com", Prefix, "/a"),
		r("foo.com", Default, ""),
		r("*.foo.com", Prefix, "/w"),
		r("*.foo.com", Default, ""),
		r("bar.foo.com", Exact, "/x"),
		r("only-default.com", Default, ""),
		r("*.wild.com", Prefix, "/w"),
		r("", Prefix, "/"),
		r("", Exact, "/h"),
		r("", Default, ""),
	}
	for _, tt := range []struct {
		host, path, want string
	}{
		{"foo.com", "/a/b", "foo.com Prefix /a"},
		{"foo.com", "/h", "foo.com Default"},                   // no fall-through to hostless rules
		{"bar.foo.com", "/x", "bar.foo.com Exact /x"},          // exact host beats wildcard
		{"bar.foo.com", "/w", "Default"},                       // ... and the wildcard is not consulted
		{"baz.foo.com", "/w/1", "*.foo.com Prefix /w"},         // wildcard
		{"baz.foo.com", "/nope", "*.foo.com Default"},          // wildcard's fallback
		{"a.b.foo.com", "/w", "Prefix /"},                      // two labels: hostless
		{"only-default.com", "/h", "only-default.com Default"}, // a host with only a Default
		{"x.wild.com", "/nope", "Default"},                     // wildcard without fallback: global
		{"wild.com", "/w", "Prefix /"},                         // the bare suffix is not covered
		{"other.com", "/h", "Exact /h"},
		{"other.com", "/zz", "Prefix /"},
		{"", "/h", "Exact /h"},
	} {
		matchBothOrders(t, rules, tt.host, tt.path, tt.want)
	}

	// Without a global Default, a matched host with no matching path has no
	// route, even though a hostless rule would match.
	tbl := mustNew(t, r("foo.com", Exact, "/a"), r("", Prefix, "/"))
	if got := tbl.Match("foo.com", "/b"); got != nil {
		t.Errorf("Match(%q, %q) = %v, want <nil>", "foo.com", "/b", got)
	}
	if got := tbl.Match("bar.com", "/b"); origin(got) != "Prefix /" {
		t.Errorf("Match(%q, %q) = %v, want Prefix /", "bar.com", "/b", got)
	}
	// With no rules at all, nothing matches.
	if got := mustNew(t).Match("foo.com", "/"); got != nil {
		t.Errorf("empty table: Match(%q, %q) = %v, want <nil>", "foo.com", "/", got)
	}
}

func TestRegexMatching(t *testing.T) {
	for _, tt := range []struct {
		rules []Rule
		path  string
		want  string
	}{
		// Case-insensitive, anchored at the start only.
		{[]Rule{r("", Regex, "/api")}, "/API/x", "Regex /api"},
		{[]Rule{r("", Regex, "/api")}, "/x/api", ""},
		{[]Rule{r("", Regex, "/api$")}, "/api/x", ""},
		{[]Rule{r("", Regex, "/api$")}, "/Api", "Regex /api$"},
		// The trap: longest pattern first, so the class captures a path
		// that a shorter, more specific-looking pattern names literally.
		{[]Rule{r("", Regex, "/foo/bar/bar"), r("", Regex, "/foo/bar/[A-Z0-9]{3}")}, "/foo/bar/bar", "Regex /foo/bar/[A-Z0-9]{3}"},
		// Equal lengths: reverse lexicographic order ("b" sorts after ".").
		{[]Rule{r("", Regex, "/p/.+"), r("", Regex, "/p/b+")}, "/p/bb", "Regex /p/b+"},
		{[]Rule{r("", Regex, "/p/.+"), r("", Regex, "/p/b+")}, "/p/cc", "Regex /p/.+"},
		// Exact beats regex; regex beats any prefix, however long.
		{[]Rule{r("", Regex, "/.*"), r("", Exact, "/a/b")}, "/a/b", "Exact /a/b"},
		{[]Rule{r("", Regex, "/a"), r("", Prefix, "/a/b/c")}, "/a/b/c", "Regex /a"},
		{[]Rule{r("", Regex, "/z"), r("", Prefix, "/a/b/c")}, "/a/b/c", "Prefix /a/b/c"},
		// Case folding reaches beyond ASCII: the Kelvin sign folds to "k",
		// the long s to "s".
		{[]Rule{r("", Regex, "/kelvin/(sun)")}, "/\u212aelvin/\u017fun", "Regex /kelvin/(sun)"},
		{[]Rule{r("", Regex, "/(api)/v1")}, "/API/V1", "Regex /(api)/v1"},
		{[]Rule{r("", Regex, "/(api)/v1")}, "/API/V2", ""},
		// A Regex and a Prefix with the same path are different rules.
		{[]Rule{r("", Regex, "/a"), r("", Prefix, "/a")}, "/abc", "Regex /a"},
		{[]Rule{r("", Regex, "/a"), r("", Prefix, "/a")}, "/b", ""},
	} {
		matchBothOrders(t, tt.rules, "foo.com", tt.path, tt.want)
	}
}

func TestMatchRequest(t *testing.T) {
	tbl := mustNew(t,
		r("foo.com", Exact, "/a"),
		r("foo.com", Prefix, "/b/"),
		r("foo.com", Exact, "/%2F"),
		r("", Prefix, "/"),
	)
	for _, tt := range []struct {
		target, host string
		want         string
		wantPath     string
	}{
		{"/a?x=/b/", "foo.com", "foo.com Exact /a", "/a"},
		{"/a?", "FOO.com:80", "foo.com Exact /a", "/a"},
		{"/a", "foo.com.", "foo.com Exact /a", "/a"},
		{"/b//c", "foo.com", "foo.com Prefix /b/", "/b/c"},
		{"/x/./../b/c/", "foo.com", "foo.com Prefix /b/", "/b/c/"},
		{"/a/%2e%2e/b", "foo.com", "foo.com Prefix /b/", "/b"},
		{"/%2f", "foo.com", "foo.com Exact /%2F", "/%2F"},
		{"/%61", "foo.com", "foo.com Exact /a", "/a"},
		{"/a", "other.com", "Prefix /", "/a"},
		{"http://foo.com/a", "", "foo.com Exact /a", "/a"},
	} {
		req := httptest.NewRequest("GET", tt.target, nil)
		req.Host = tt.host
		if tt.host == "" {
			req.URL.Host = "foo.com"
		}
		got, p, err := tbl.MatchRequest(req)
		if err != nil || origin(got) != tt.want || p != tt.wantPath {
			t.Errorf("MatchRequest(%q, host %q) = %v, %q, %v, want %q, %q, nil", tt.target, tt.host, got, p, err, tt.want, tt.wantPath)
		}
	}

	for _, target := range []string{"/../x", "/a/../../x", "/a%00b", "/%2e%2e"} {
		req := httptest.NewRequest("GET", target, nil)
		got, p, err := tbl.MatchRequest(req)
		if !errors.Is(err, ErrBadPath) || got != nil || p != "" {
			t.Errorf("MatchRequest(%q) = %v, %q, %v, want nil, \"\", ErrBadPath", target, got, p, err)
		}
	}
	// A request assembled by hand, with its host only in the URL.
	req := &http.Request{URL: &url.URL{Host: "FOO.COM", Path: "/a"}}
	if got, _, err := tbl.MatchRequest(req); err != nil || origin(got) != "foo.com Exact /a" {
		t.Errorf("MatchRequest(URL.Host %q) = %v, %v, want foo.com Exact /a", "FOO.COM", got, err)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	tbl := mustNew(t,
		r("foo.com", Exact, "/a"),
		r("foo.com", Prefix, "/b/c"),
		r("foo.com", Regex, "/r[0-9]+/x"),
		r("*.foo.com", Prefix, "/"),
		r("", Prefix, "/z"),
		r("", Default, ""),
	)
	for _, tt := range []struct{ host, path string }{
		{"foo.com", "/a"}, {"foo.com", "/b/c/d/e"}, {"foo.com", "/R12/x/y"}, {"x.foo.com", "/q"},
		{"other", "/z/y"}, {"other", "/nothing/here"},
	} {
		if n := testing.AllocsPerRun(100, func() { tbl.Match(tt.host, tt.path) }); n != 0 {
			t.Errorf("Match(%q, %q) allocates %v times, want 0", tt.host, tt.path, n)
		}
	}
}

// TestMatchOddInput feeds Match strings a proxy would never pass; it must
// answer, not panic, and Prefix rules only ever match at "/" boundaries.
func TestMatchOddInput(t *testing.T) {
	tbl := mustNew(t, r("", Prefix, "/"), r("", Exact, "/x"), r("*.a", Prefix, "/"))
	for _, tt := range []struct{ host, path, want string }{
		{"", "", "Prefix /"}, // the empty path is the root, as CleanPath("") is "/"
		{"", "x", ""},
		{"...", "/", "Prefix /"},
		{".a", "//", "Prefix /"},
		{"b.a", "", "*.a Prefix /"},
		{"\x00", "/x", "Exact /x"},
	} {
		if got := tbl.Match(tt.host, tt.path); origin(got) != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %q", tt.host, tt.path, got, tt.want)
		}
	}
	var nilTable *Table
	if got := nilTable.Match("a", "/"); got != nil {
		t.Errorf("(*Table)(nil).Match = %v, want <nil>", got)
	}
}

// TestDocPrecedenceExamples checks the worked examples of the package
// documentation's Precedence section.
func TestDocPrecedenceExamples(t *testing.T) {
	rules := []Rule{
		{Host: "foo.com", Path: "/", Type: Prefix, Origin: "1"},
		{Host: "foo.com", Path: "/api", Type: Prefix, Origin: "2"},
		{Host: "foo.com", Path: "/api/", Type: Prefix, Origin: "3"},
		{Host: "foo.com", Path: "/api/v1", Type: Exact, Origin: "4"},
		{Host: "foo.com", Path: "/api/v[0-9]+/users", Type: Regex, Origin: "5"},
		{Host: "foo.com", Type: Default, Origin: "6"},
		{Host: "*.foo.com", Path: "/static", Type: Prefix, Origin: "7"},
		{Path: "/", Type: Prefix, Origin: "8"},
		{Type: Default, Origin: "9"},
	}
	for _, tt := range []struct{ host, path, want string }{
		{"foo.com", "/api/v1", "4"},
		{"foo.com", "/API/V2/users/7", "5"},
		{"foo.com", "/api/v1/x", "3"},
		{"foo.com", "/apix", "1"},
		{"a.foo.com", "/static/x", "7"},
		{"a.foo.com", "/other", "9"},
		{"a.b.foo.com", "/static", "8"},
		{"bar.com", "/x", "8"},
	} {
		matchBothOrders(t, rules, tt.host, tt.path, tt.want)
	}
}
