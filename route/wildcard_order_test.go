package route

import "testing"

// TestSpecificWildcardsFirst: with the option, a one-label wildcard beats
// a deep wildcard of a shorter suffix for the hosts both cover, in a table
// made by New and by Splice; without it, deep wildcards come first, as
// nginx orders its wildcard names before its regex names.
func TestSpecificWildcardsFirst(t *testing.T) {
	one := Rule{Host: "*.b.foo.com", Path: "/", Type: Prefix, Origin: "one label"}
	deep := Rule{Host: "*.foo.com", Path: "/", Type: Prefix, Origin: "deep"}
	cases := []struct {
		host, specific, nginx string
	}{
		{"x.b.foo.com", "one label", "deep"},
		{"x.y.b.foo.com", "deep", "deep"},
		{"b.foo.com", "deep", "deep"},
		{"x.c.foo.com", "deep", "deep"},
	}
	check := func(name string, tbl *Table, want func(int) string) {
		t.Helper()
		for i, c := range cases {
			got := ""
			if r := tbl.Match(c.host, "/"); r != nil {
				got = r.Origin
			}
			if got != want(i) {
				t.Errorf("%s: %s matched %q, want %q", name, c.host, got, want(i))
			}
		}
	}
	specific, err := NewWithOptions([]Rule{one, deep}, Options{DeepWildcards: []string{"*.foo.com"}, SpecificWildcardsFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	check("New", specific, func(i int) string { return cases[i].specific })
	nginx, err := NewWithOptions([]Rule{one, deep}, Options{DeepWildcards: []string{"*.foo.com"}})
	if err != nil {
		t.Fatal(err)
	}
	check("nginx order", nginx, func(i int) string { return cases[i].nginx })
	ingresses := mustNew(t, one)
	gw, err := NewWithOptions([]Rule{deep}, Options{DeepWildcards: []string{"*.foo.com"}, SpecificWildcardsFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	spliced := Splice(ingresses, nil, gw)
	if !spliced.Options().SpecificWildcardsFirst {
		t.Error("Splice dropped SpecificWildcardsFirst")
	}
	check("Splice", spliced, func(i int) string { return cases[i].specific })
	if e := spliced.Explain("x.b.foo.com", "/"); e.Rule == nil || e.Rule.Origin != "one label" {
		t.Errorf("Explain chose %v, want the one-label wildcard", e.Rule)
	}
}
