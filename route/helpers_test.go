package route

import (
	"slices"
	"testing"
)

// r builds a rule whose Origin spells its host, type and path, so test
// failures and expectations can name rules by it.
func r(host string, typ PathType, path string) Rule {
	o := typ.String() + " " + path
	if typ == Default {
		o = "Default"
	}
	if host != "" {
		o = host + " " + o
	}
	return Rule{Host: host, Path: path, Type: typ, Origin: o}
}

func mustNew(tb testing.TB, rules ...Rule) *Table {
	tb.Helper()
	t, err := New(rules)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return t
}

// origin names a match result for comparisons: its Origin, or "" for nil.
func origin(r *Rule) string {
	if r == nil {
		return ""
	}
	return r.Origin
}

// matchBothOrders checks a match in the table built from rules and in the
// table built from the same rules reversed: list order must never decide
// between different rules.
func matchBothOrders(t *testing.T, rules []Rule, host, path, want string) {
	t.Helper()
	rev := slices.Clone(rules)
	slices.Reverse(rev)
	for _, rs := range [][]Rule{rules, rev} {
		tbl := mustNew(t, rs...)
		if got := tbl.Match(host, path); origin(got) != want {
			t.Errorf("rules %v: Match(%q, %q) = %v, want %q", rs, host, path, got, want)
		}
	}
}
