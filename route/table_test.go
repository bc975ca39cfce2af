package route

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
)

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct {
		rule Rule
		msg  string
	}{
		{Rule{Host: "foo.com", Path: "/a", Origin: "ingress default/web"},
			`route: ingress default/web: host "foo.com" path "/a": unknown path type PathType(0) (want Prefix, Exact, Regex, RegularExpression, StringPrefix or Default)`},
		{Rule{Host: "foo.com", Path: "/a", Type: Default, Origin: "o"},
			`route: o: host "foo.com" path "/a": a Default rule must have an empty path`},
		{Rule{Path: "a", Type: Prefix, Origin: "o"},
			`route: o: host "" path "a": Prefix path must start with "/"`},
		{Rule{Path: "", Type: Exact, Origin: "o"},
			`route: o: host "" path "": Exact path must start with "/"`},
		{Rule{Path: "/a/../..", Type: Exact, Origin: "o"},
			`route: o: host "" path "/a/../..": invalid path: ".." climbs above the root`},
		{Rule{Path: "/%zz", Type: Prefix, Origin: "o"},
			`route: o: host "" path "/%zz": invalid path: invalid percent-encoding at byte 1`},
		{Rule{Host: "foo.com:80", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "foo.com:80" path "/": invalid host: must be a DNS name without a port`},
		{Rule{Host: "[::1]", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "[::1]" path "/": invalid host: must be a DNS name without a port`},
		{Rule{Host: "foo.*.com", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "foo.*.com" path "/": invalid host: "*" is only allowed as the whole first label, as in "*.foo.com"`},
		{Rule{Host: "*foo.com", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "*foo.com" path "/": invalid host: "*" is only allowed as the whole first label, as in "*.foo.com"`},
		{Rule{Host: "*", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "*" path "/": invalid host: "*" is only allowed as the whole first label, as in "*.foo.com"`},
		{Rule{Host: "a..b", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "a..b" path "/": invalid host: empty label`},
		{Rule{Host: "a b.com", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "a b.com" path "/": invalid host: character ' ' is not allowed`},
		{Rule{Host: "bücher.de", Path: "/", Type: Prefix, Origin: "o"},
			`route: o: host "bücher.de" path "/": invalid host: non-ASCII name; use its punycode (xn--) form`},
		{Rule{Path: "/a(?=b)", Type: Regex, Origin: "ingress default/la"},
			"route: ingress default/la: host \"\" path \"/a(?=b)\": invalid regex: error parsing regexp: invalid or unsupported Perl syntax: `(?=` (RE2 does not support look-around such as (?=...), (?!...), (?<=...) or atomic groups; match more loosely or add an Exact or Prefix rule)"},
		{Rule{Path: "(?<!x)/a", Type: Regex, Origin: "o"},
			"route: o: host \"\" path \"(?<!x)/a\": invalid regex: error parsing regexp: invalid named capture: `(?<!x)/a` (RE2 does not support look-around such as (?=...), (?!...), (?<=...) or atomic groups; match more loosely or add an Exact or Prefix rule)"},
		{Rule{Path: `/(a)/\1`, Type: Regex, Origin: "ingress default/br"},
			"route: ingress default/br: host \"\" path \"/(a)/\\\\1\": invalid regex: error parsing regexp: invalid escape sequence: `\\1` (RE2 does not support back-references such as \\1; spell the repeated part out)"},
		{Rule{Path: `/a)|(/b`, Type: Regex, Origin: "o"},
			"route: o: host \"\" path \"/a)|(/b\": invalid regex: error parsing regexp: unexpected ): `/a)|(/b`"},
		{Rule{Path: "/", Type: Prefix},
			""}, // valid: checked below to not be reported
	} {
		rules := []Rule{tt.rule}
		_, err := New(rules)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("New(%v) = %v, want no error", rules, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.msg {
			t.Errorf("New(%v) error =\n%v\nwant\n%v", rules, err, tt.msg)
		}
	}
}

func TestNewCollectsAllErrors(t *testing.T) {
	rules := []Rule{
		r("ok.com", Prefix, "/"),
		{Host: "bad host", Path: "nope", Type: Exact, Origin: "first"},
		r("ok.com", Exact, "/fine"),
		{Path: `/x(?!y)`, Type: Regex, Origin: "second"},
		{Path: "/x"}, // no origin: named by its index
	}
	tbl, err := New(rules)
	if tbl != nil {
		t.Errorf("New with errors returned a table:\n%v", tbl)
	}
	multi, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("New error %T does not unwrap to a list", err)
	}
	var got []string
	for _, e := range multi.Unwrap() {
		var re *RuleError
		if !errors.As(e, &re) {
			t.Fatalf("error %v is not a *RuleError", e)
		}
		got = append(got, re.Rule.Origin+"@"+string(rune('0'+re.Index)))
	}
	want := "first@1 first@1 second@3 @4"
	if strings.Join(got, " ") != want {
		t.Errorf("New errors name rules %q, want %q\n%v", strings.Join(got, " "), want, err)
	}
	if !strings.Contains(err.Error(), `route: rule 4: host "" path "/x": unknown path type`) {
		t.Errorf("New error does not name the origin-less rule by index:\n%v", err)
	}
	// The regexp error stays reachable for callers that want RE2's details.
	var se *syntax.Error
	if !errors.As(err, &se) || se.Code != syntax.ErrInvalidPerlOp {
		t.Errorf("New error does not wrap the *syntax.Error: %v", err)
	}
}

func TestConflicts(t *testing.T) {
	rules := []Rule{
		{Host: "foo.com", Path: "/a/~user", Type: Exact, Origin: "ingress a/first"},
		{Host: "Foo.COM.", Path: "/a/%7euser", Type: Exact, Origin: "ingress b/second"},
		{Host: "foo.com", Path: "/a/~user", Type: Prefix, Origin: "ingress c/prefix"}, // other type: no conflict
		{Host: "foo.com", Type: Default, Origin: "ingress a/first"},
		{Host: "foo.com", Type: Default, Origin: "ingress d/other-default"},
		{Path: "/r.*", Type: Regex, Origin: "ingress e/regex"},
		{Path: "/r.*", Type: Regex, Origin: "ingress f/regex"},
		{Path: "/R.*", Type: Regex, Origin: "ingress g/regex"}, // different spelling: kept
		{Type: Default, Origin: "ingress h/catch-all"},
		{Type: Default, Origin: "ingress i/catch-all"},
	}
	tbl := mustNew(t, rules...)
	var got []string
	for _, c := range tbl.Conflicts() {
		got = append(got, c.String())
	}
	want := []string{
		`route: host "foo.com" path "/a/~user" (Exact) of ingress b/second is ignored: already declared by ingress a/first`,
		`route: host "foo.com" default backend of ingress d/other-default is ignored: already declared by ingress a/first`,
		`route: host "*" path "/r.*" (Regex) of ingress f/regex is ignored: already declared by ingress e/regex`,
		`route: host "*" default backend of ingress i/catch-all is ignored: already declared by ingress h/catch-all`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Conflicts() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var indexes []int
	for _, c := range tbl.Conflicts() {
		indexes = append(indexes, c.Index)
	}
	if fmt.Sprint(indexes) != "[1 4 6 9]" {
		t.Errorf("Conflict indexes = %v, want [1 4 6 9] (positions of the dropped rules)", indexes)
	}
	for _, tt := range []struct{ host, path, want string }{
		{"foo.com", "/a/~user", "ingress a/first"},
		{"foo.com", "/zzz", "ingress a/first"},
		{"x.com", "/zzz", "ingress h/catch-all"},
		{"x.com", "/r1", "ingress e/regex"}, // "/r.*" sorts after "/R.*", so it is tried first
	} {
		if got := tbl.Match(tt.host, tt.path); origin(got) != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %q", tt.host, tt.path, got, tt.want)
		}
	}
	if n := len(tbl.Rules()); n != len(rules)-4 {
		t.Errorf("len(Rules()) = %d, want %d", n, len(rules)-4)
	}
}

func TestString(t *testing.T) {
	web := Backend{Namespace: "default", Service: "web", Port: "80"}
	api := Backend{Namespace: "default", Service: "api", Port: "http"}
	tbl := mustNew(t,
		Rule{Path: "/", Type: Prefix, Backend: web, Origin: "ingress default/web"},
		Rule{Type: Default, Backend: Backend{Namespace: "default", Service: "fallback", Port: "80"}, Origin: "ingress default/fallback"},
		Rule{Host: "*.example.com", Path: "/", Type: Prefix, Backend: web, Origin: "ingress default/wild"},
		Rule{Host: "api.example.com", Path: "/v1", Type: Prefix, Backend: api, Origin: "ingress default/api"},
		Rule{Host: "api.example.com", Path: "/v1/users/", Type: Prefix, Backend: api, Origin: "ingress default/api"},
		Rule{Host: "api.example.com", Path: "/v1/[0-9]+", Type: Regex, Backend: api, Origin: "ingress default/api-re"},
		Rule{Host: "api.example.com", Path: "/healthz", Type: Exact, Backend: api, Origin: "ingress default/api"},
		Rule{Host: "api.example.com", Path: "/", Type: Exact, Backend: api, Origin: "ingress default/api"},
		Rule{Host: "API.example.com", Type: Default, Backend: web, Origin: "ingress default/api"},
		Rule{Host: "a.example.com", Path: "/x", Type: Exact},
	)
	want := `HOST             PATH        TYPE     BACKEND              ORIGIN
a.example.com    /x          Exact    -                    -
api.example.com  /           Exact    default/api:http     ingress default/api
api.example.com  /healthz    Exact    default/api:http     ingress default/api
api.example.com  /v1/[0-9]+  Regex    default/api:http     ingress default/api-re
api.example.com  /v1/users/  Prefix   default/api:http     ingress default/api
api.example.com  /v1         Prefix   default/api:http     ingress default/api
api.example.com  -           Default  default/web:80       ingress default/api
*.example.com    /           Prefix   default/web:80       ingress default/wild
*                /           Prefix   default/web:80       ingress default/web
*                -           Default  default/fallback:80  ingress default/fallback
`
	if got := tbl.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	// Rules lists the same rules in the same order, and is a copy.
	rules := tbl.Rules()
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.Host + " " + r.Path + " " + r.Type.String() + "\n")
	}
	wantRules := "a.example.com /x Exact\napi.example.com / Exact\napi.example.com /healthz Exact\n" +
		"api.example.com /v1/[0-9]+ Regex\napi.example.com /v1/users/ Prefix\napi.example.com /v1 Prefix\n" +
		"api.example.com  Default\n*.example.com / Prefix\n / Prefix\n  Default\n"
	if b.String() != wantRules {
		t.Errorf("Rules() =\n%s\nwant\n%s", b.String(), wantRules)
	}
	rules[0].Path = "/changed"
	if got := tbl.Match("a.example.com", "/x"); got == nil || got.Path != "/x" {
		t.Errorf("changing Rules() changed the table: Match = %v", got)
	}
}

func TestStringIsDeterministic(t *testing.T) {
	rules := fuzzRules(42)
	want := mustNew(t, rules...).String()
	for seed := range uint64(20) {
		shuffled := append([]Rule(nil), rules...)
		rngShuffle(seed, shuffled)
		tbl := mustNew(t, shuffled...)
		if len(tbl.Conflicts()) > 0 {
			// Which of two conflicting rules is kept depends on order, by
			// design; fuzzRules(42) has none, so the comparison is real.
			t.Fatalf("fuzzRules(42) has conflicts: %v", tbl.Conflicts())
		}
		if got := tbl.String(); got != want {
			t.Errorf("String() depends on rule order:\n%s\nvs\n%s", got, want)
		}
	}
}

func rngShuffle(seed uint64, rules []Rule) {
	for i := len(rules) - 1; i > 0; i-- {
		seed = seed*6364136223846793005 + 1442695040888963407
		j := int(seed>>33) % (i + 1)
		rules[i], rules[j] = rules[j], rules[i]
	}
}

func TestPathTypeAndBackendString(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Prefix.String(), "Prefix"},
		{Exact.String(), "Exact"},
		{Regex.String(), "Regex"},
		{Default.String(), "Default"},
		{PathType(9).String(), "PathType(9)"},
		{Backend{Namespace: "default", Service: "web", Port: "80"}.String(), "default/web:80"},
		{Backend{Service: "web", Port: "http"}.String(), "web:http"},
		{Backend{}.String(), ""},
		{r("foo.com", Prefix, "/a").String(), "foo.com /a Prefix -> - (foo.com Prefix /a)"},
		{Rule{Type: Default, Backend: Backend{Namespace: "ns", Service: "s", Port: "1"}}.String(), "* - Default -> ns/s:1 (-)"},
	} {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}
