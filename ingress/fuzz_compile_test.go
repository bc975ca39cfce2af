package ingress

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux/proxy"
	"github.com/ingressmux/ingressmux/route"
)

// FuzzCompile runs the whole pipeline a manifest from an untrusted author
// goes through — decode, validate, compile — on arbitrary bytes, with and
// without SkipInvalidIngresses. None of it may panic; a successful compile
// must give a table whose every rule carries its *Route and is reachable
// through Match; and compiling the same input twice must give the same
// table, since a table that depended on map order would make reloads
// flap. The seeds are the compile and traffic golden manifests, whose
// annotations give the mutator the most to work with.
//
// Run it with a short -fuzzminimizetime, such as
// "go test ./ingress -run XXX -fuzz FuzzCompile -fuzzminimizetime 5s":
// the fuzzing engine minimizes every input that adds coverage by deleting
// bytes and ranges of bytes, which for an input of 2-3 KB takes far
// longer than the default limit of 60 s per input. Inputs that add
// coverage come every few seconds at first, so with the default each
// worker spends nearly all its time minimizing, and the executions count
// stands still meanwhile (about 60 executions counted in 3 minutes).
func FuzzCompile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/compile/*.yaml")
	more, _ := filepath.Glob("testdata/traffic/*.yaml")
	for _, s := range append(seeds, more...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, skipInvalid bool) {
		opts := Options{SkipInvalidIngresses: skipInvalid}
		first, err := compileBytes(data, opts)
		if err != nil {
			_ = err.Error()
			return
		}
		if first.Table == nil {
			t.Fatal("Compile succeeded without a table")
		}
		hosts := map[string]bool{}
		for _, r := range first.Table.Rules() {
			hosts[r.Host] = true
		}
		for _, r := range first.Table.Rules() {
			if rt, ok := r.Value.(*proxy.Route); !ok || rt == nil {
				t.Fatalf("rule %v carries %T, want a *Route", r, r.Value)
			}
			if r.Type != route.Exact && r.Type != route.Prefix {
				continue
			}
			host := r.Host
			if strings.HasPrefix(host, "*.") {
				// A host the wildcard covers, unless an exact rule claims it.
				if host = "x" + host[1:]; hosts[host] {
					continue
				}
			}
			if first.Table.Match(host, r.Path) == nil {
				t.Fatalf("rule %v: Match(%q, %q) finds nothing", r, host, r.Path)
			}
		}
		second, err := compileBytes(data, opts)
		if err != nil {
			t.Fatalf("the same input compiled once, then failed: %v", err)
		}
		if a, b := first.Table.String(), second.Table.String(); a != b {
			t.Fatalf("the same input compiled to two tables:\n%s\n---\n%s", a, b)
		}
		if len(first.Warnings) != len(second.Warnings) {
			t.Fatalf("the same input gave %d warnings, then %d", len(first.Warnings), len(second.Warnings))
		}
		if a, b := fmt.Sprint(first.Differences), fmt.Sprint(second.Differences); a != b {
			t.Fatalf("the same input gave two lists of differences:\n%s\n---\n%s", a, b)
		}
		// The ingress-nginx mode may refuse what the spec mode takes (a path
		// its regex mode cannot compile), but never twice differently.
		opts.Matching = MatchIngressNginx
		n1, err1 := compileBytes(data, opts)
		n2, err2 := compileBytes(data, opts)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("the same input compiled in the ingress-nginx mode once and failed once: %v, %v", err1, err2)
		}
		if err1 == nil && n1.Table.String() != n2.Table.String() {
			t.Fatalf("the same input compiled to two ingress-nginx tables:\n%s\n---\n%s", n1.Table, n2.Table)
		}
	})
}

// compileBytes is Load for bytes: decode, validate (leaving out invalid
// Ingresses when opts says so), compile.
func compileBytes(data []byte, opts Options) (*Compiled, error) {
	set, err := DecodeBytes("fuzz.yaml", data)
	if err != nil {
		return nil, err
	}
	if err := set.Validate(); err != nil {
		if !opts.SkipInvalidIngresses {
			return nil, err
		}
		skipped := map[string]bool{}
		_, fatal := skipInvalid(err.(ErrorList), skipped)
		if err := fatal.orNil(); err != nil {
			return nil, err
		}
		set = withoutIngresses(set, skipped)
	}
	return Compile(set, opts)
}
