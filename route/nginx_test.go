package route

import (
	"fmt"
	"strings"
	"testing"
)

// TestStringPrefix checks StringPrefix, nginx's prefix location: a byte
// prefix, case-sensitive, longest first, after Exact and Regex, competing
// with Prefix by path length. Small and large host entries must agree.
func TestStringPrefix(t *testing.T) {
	rules := []Rule{
		r("foo.com", StringPrefix, "/source"),
		r("foo.com", StringPrefix, "/source/code"),
		r("foo.com", StringPrefix, "/"),
		r("foo.com", Exact, "/sourcex"),
		r("foo.com", Regex, "/re[0-9]"),
		r("foo.com", Prefix, "/sourcecode/deep"),
	}
	for _, tt := range []struct{ path, want string }{
		{"/source", "foo.com StringPrefix /source"},
		{"/sourcecode", "foo.com StringPrefix /source"}, // not element-wise
		{"/source/code", "foo.com StringPrefix /source/code"},
		{"/source/codes", "foo.com StringPrefix /source/code"},
		{"/Source", "foo.com StringPrefix /"}, // case-sensitive
		{"/sourcex", "foo.com Exact /sourcex"},
		{"/re1", "foo.com Regex /re[0-9]"},
		{"/sourcecode/deep/x", "foo.com Prefix /sourcecode/deep"}, // longer path wins
		{"/sourcecode/deeper", "foo.com StringPrefix /source"},
		{"/x", "foo.com StringPrefix /"},
	} {
		matchBothOrders(t, rules, "foo.com", tt.path, tt.want)
		// The same rules among enough others to make the entry large.
		large := append([]Rule{}, rules...)
		for i := range 20 {
			large = append(large, r("foo.com", Exact, fmt.Sprintf("/filler/%d", i)))
		}
		tbl := mustNew(t, large...)
		if got := tbl.Match("foo.com", tt.path); origin(got) != tt.want {
			t.Errorf("large entry: Match(foo.com, %q) = %v, want %q", tt.path, got, tt.want)
		}
		if e := tbl.Explain("foo.com", tt.path); origin(e.Rule) != tt.want {
			t.Errorf("Explain(foo.com, %q) = %v, want %q", tt.path, e.Rule, tt.want)
		}
	}
	// A tie in length goes to the Prefix rule.
	matchBothOrders(t, []Rule{r("", StringPrefix, "/a/"), r("", Prefix, "/a/")}, "x", "/a/b", "Prefix /a/")
}

// TestRegexInOrder checks that RegexInOrder keeps the caller's order of
// Regex rules, where the default order is by pattern length.
func TestRegexInOrder(t *testing.T) {
	rules := []Rule{
		r("foo.com", Regex, "/a.."),
		r("foo.com", Regex, "/ab/"),
		r("foo.com", Regex, "/"),
	}
	sorted := mustNew(t, rules...)
	if got := origin(sorted.Match("foo.com", "/ab/")); got != "foo.com Regex /ab/" {
		t.Errorf("default order: Match(foo.com, /ab/) = %q, want the reverse-lexicographically later /ab/", got)
	}
	ordered, err := NewWithOptions(rules, Options{RegexInOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := origin(ordered.Match("foo.com", "/ab/")); got != "foo.com Regex /a.." {
		t.Errorf("given order: Match(foo.com, /ab/) = %q, want the first given, /a..", got)
	}
	if got := ordered.Explain("foo.com", "/ab/").String(); !strings.Contains(got, "in the order given") {
		t.Errorf("Explain does not say the order is the given one:\n%s", got)
	}
}

// TestStringPrefixZeroAllocs checks that StringPrefix matching does not
// allocate.
func TestStringPrefixZeroAllocs(t *testing.T) {
	tbl := mustNew(t, r("foo.com", StringPrefix, "/source"), r("foo.com", StringPrefix, "/"))
	if n := testing.AllocsPerRun(100, func() { tbl.Match("foo.com", "/sourcecode") }); n != 0 {
		t.Errorf("Match allocates %v times, want 0", n)
	}
}

// TestDeepWildcards checks Options.DeepWildcards: nginx's server_name
// "*.foo.com" covers "a.b.foo.com" too, the longest suffix wins, and it is
// tried after exact hosts and before one-label wildcards.
func TestDeepWildcards(t *testing.T) {
	rules := []Rule{
		r("*.foo.com", Prefix, "/"),
		r("*.b.foo.com", Prefix, "/"),
		r("*.c.foo.com", Prefix, "/"),
		r("x.b.foo.com", Prefix, "/"),
		r("", Prefix, "/"),
	}
	tbl, err := NewWithOptions(rules, Options{DeepWildcards: []string{"*.foo.com", "*.B.foo.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ host, want string }{
		{"a.foo.com", "*.foo.com Prefix /"},
		{"a.z.foo.com", "*.foo.com Prefix /"},
		{"a.b.foo.com", "*.b.foo.com Prefix /"},   // longest suffix
		{"a.z.b.foo.com", "*.b.foo.com Prefix /"}, // any depth
		{"x.b.foo.com", "x.b.foo.com Prefix /"},   // exact first
		{"a.c.foo.com", "*.foo.com Prefix /"},     // deep before one-label
		{"foo.com", "Prefix /"},
		{"other.com", "Prefix /"},
	} {
		if got := origin(tbl.Match(tt.host, "/")); got != tt.want {
			t.Errorf("Match(%q, /) = %q, want %q", tt.host, got, tt.want)
		}
	}
	if got := origin(mustNew(t, rules...).Match("a.z.foo.com", "/")); got != "Prefix /" {
		t.Errorf("without DeepWildcards, Match(a.z.foo.com, /) = %q, want the hostless rule", got)
	}
}
