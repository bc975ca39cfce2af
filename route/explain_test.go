package route

import (
	"errors"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tbl := mustNew(t,
		r("foo.com", Prefix, "/foo"),
		r("foo.com", Prefix, "/foo/bar"),
		r("foo.com", Exact, "/foo/bar/x"),
		r("foo.com", Default, ""),
		r("*.foo.com", Regex, "/img/.*"),
		r("", Default, ""),
	)
	type cand struct {
		origin  string
		matched bool
		won     bool
		reason  string
	}
	for _, tt := range []struct {
		host, path string
		wantHost   string
		wantPath   string
		entry      string
		pattern    string
		want       []cand
	}{
		{"FOO.com:80", "/foo//bar/baz", "foo.com", "/foo/bar/baz", "exact", "foo.com", []cand{
			{"foo.com Exact /foo/bar/x", false, false, "exact path /foo/bar/x differs from /foo/bar/baz"},
			{"foo.com Prefix /foo/bar", true, true, "longest matching prefix"},
			{"foo.com Prefix /foo", true, false, "matches too, but longer prefix /foo/bar matched first"},
			{"foo.com Default", false, false, "host fallback not needed: a path matched"},
		}},
		{"foo.com", "/foobar", "foo.com", "/foobar", "exact", "foo.com", []cand{
			{"foo.com Exact /foo/bar/x", false, false, "exact path /foo/bar/x differs from /foobar"},
			{"foo.com Prefix /foo/bar", false, false, "prefix /foo/bar does not match /foobar"},
			{"foo.com Prefix /foo", false, false, "prefix /foo does not match /foobar element-wise"},
			{"foo.com Default", true, true, "host fallback: no path matched"},
		}},
		{"foo.com", "/foo/bar/x", "foo.com", "/foo/bar/x", "exact", "foo.com", []cand{
			{"foo.com Exact /foo/bar/x", true, true, "exact path equals request path"},
			{"foo.com Prefix /foo/bar", true, false, "matches too, but exact path /foo/bar/x comes first"},
			{"foo.com Prefix /foo", true, false, "matches too, but exact path /foo/bar/x comes first"},
			{"foo.com Default", false, false, "host fallback not needed: a path matched"},
		}},
		{"a.foo.com", "/docs", "a.foo.com", "/docs", "wildcard", "*.foo.com", []cand{
			{"*.foo.com Regex /img/.*", false, false, "regex does not match /docs at its start (case-insensitive)"},
			{"Default", true, true, "global default: no path matched and host *.foo.com has no Default"},
		}},
		{"bar.com", "/", "bar.com", "/", "none", "", []cand{
			{"Default", true, true, "global default: no rule for this host"},
		}},
	} {
		e := tbl.Explain(tt.host, tt.path)
		if e.Host != tt.wantHost || e.Path != tt.wantPath || e.HostEntry != tt.entry || e.HostPattern != tt.pattern || e.Err != nil {
			t.Errorf("Explain(%q, %q) = host %q path %q entry %q %q err %v, want %q %q %q %q nil",
				tt.host, tt.path, e.Host, e.Path, e.HostEntry, e.HostPattern, e.Err, tt.wantHost, tt.wantPath, tt.entry, tt.pattern)
		}
		if m := tbl.Match(e.Host, e.Path); e.Rule != m {
			t.Errorf("Explain(%q, %q).Rule = %v, but Match = %v", tt.host, tt.path, e.Rule, m)
		}
		var got []cand
		for _, c := range e.Candidates {
			got = append(got, cand{c.Rule.Origin, c.Matched, c.Won, c.Reason})
		}
		if len(got) != len(tt.want) {
			t.Errorf("Explain(%q, %q).Candidates = %+v, want %+v", tt.host, tt.path, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Explain(%q, %q).Candidates[%d] = %+v, want %+v", tt.host, tt.path, i, got[i], tt.want[i])
			}
		}
	}
}

func TestExplainBadPath(t *testing.T) {
	tbl := mustNew(t, r("", Prefix, "/"))
	e := tbl.Explain("foo.com", "/a/../../etc/passwd")
	if !errors.Is(e.Err, ErrBadPath) || e.Rule != nil || len(e.Candidates) != 0 {
		t.Fatalf("Explain(bad path) = %+v, want Err wrapping ErrBadPath and no rule", e)
	}
	if s := e.String(); !strings.Contains(s, "answer: 400 bad request: route: malformed request path") {
		t.Errorf("Explain(bad path).String() =\n%s\nwant it to say 400", s)
	}
}

func TestExplainString(t *testing.T) {
	tbl := mustNew(t,
		Rule{Host: "foo.com", Path: "/foo/bar/bar", Type: Regex, Backend: Backend{Namespace: "ns", Service: "bar", Port: "80"}, Origin: "ingress ns/bar"},
		Rule{Host: "foo.com", Path: "/foo/bar/[A-Z0-9]{3}", Type: Regex, Backend: Backend{Namespace: "ns", Service: "ids", Port: "80"}, Origin: "ingress ns/ids"},
	)
	want := `request: host "foo.com" path "/foo/bar/bar"
host entry: exact "foo.com"
        HOST     PATH                  TYPE   BACKEND    ORIGIN          REASON
  won   foo.com  /foo/bar/[A-Z0-9]{3}  Regex  ns/ids:80  ingress ns/ids  regex matches; regexes are tried longest pattern first and this is the first that matches
  lost  foo.com  /foo/bar/bar          Regex  ns/bar:80  ingress ns/bar  matches too, but regex /foo/bar/[A-Z0-9]{3} is tried first (longer pattern, or same length and later alphabetically)
answer: foo.com /foo/bar/[A-Z0-9]{3} Regex -> ns/ids:80 (ingress ns/ids)
`
	if got := tbl.Explain("foo.com", "/foo/bar/bar").String(); got != want {
		t.Errorf("Explain().String() =\n%s\nwant\n%s", got, want)
	}
	if got := mustNew(t).Explain("foo.com", "/").String(); !strings.HasSuffix(got, "answer: no route (404)\n") {
		t.Errorf("empty table: Explain().String() =\n%s\nwant a 404 answer", got)
	}
}
