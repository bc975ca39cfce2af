package ingressmux_test

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// The bounded-resource tests load hostile configuration through Load, as
// a program would, and bound what it costs by counting: bytes allocated
// per byte of input, and how that grows with the input. Wall time is
// never asserted; allocation is a steadier witness, and the bugs these
// tests guard against (re-parsing, expansion, backtracking) show in it as
// surely as in time.

var large = flag.Bool("large", false, "also load a 100,000-path Ingress in the bounded-resource tests (about 10 s and 2 GB allocated)")

// allocated returns the bytes allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writeManifest writes data to a file of its own and returns the path.
func writeManifest(tb testing.TB, data string) string {
	tb.Helper()
	f := filepath.Join(tb.TempDir(), "manifest.yaml")
	if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
	return f
}

// manyPaths renders one Ingress with n paths on one host; bad gives every
// path an invalid pathType, for one validation error per path.
func manyPaths(n int, bad bool) string {
	typ := "Prefix"
	if bad {
		typ = "Bogus"
	}
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: big}\nspec:\n  rules:\n  - host: big.example.com\n    http:\n      paths:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - {path: /p%d/x, pathType: %s, backend: {service: {name: web, port: {number: 80}}}}\n", i, typ)
	}
	return b.String()
}

// loadCost loads data and returns the Mux (nil on error), the bytes
// allocated per byte of input, and the error.
func loadCost(tb testing.TB, data string) (*ingressmux.Mux, float64, error) {
	tb.Helper()
	f := writeManifest(tb, data)
	cert := testCert(tb)
	var mux *ingressmux.Mux
	var err error
	n := allocated(func() {
		mux, err = ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{f}, Logger: quiet(), DefaultCertificate: cert})
	})
	return mux, float64(n) / float64(len(data)), err
}

// testCert returns a default certificate, so that Load does not generate
// one and its cost stays out of the measurements.
func testCert(tb testing.TB) *tls.Certificate {
	tb.Helper()
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	return &srv.TLS.Certificates[0]
}

// maxAllocPerByte bounds the bytes a load may allocate per byte of input.
// Loading valid manifests measures at about 190 (YAML node trees, typed
// objects, validation, the table); the bound leaves room for that to
// grow without letting a quadratic cost through at the sizes below.
const maxAllocPerByte = 600

// TestBoundedManyPaths: an Ingress with many paths, valid or each with an
// error, loads or fails at a cost per byte of input that stays within
// maxAllocPerByte and does not grow with the number of paths. An error per
// path used to re-parse the whole document per error, which made 4,000
// bad paths take over ten minutes.
func TestBoundedManyPaths(t *testing.T) {
	for _, bad := range []bool{false, true} {
		// Few enough bad paths that a quadratic cost fails in seconds
		// rather than hangs.
		sizes := []int{500, 2_000}
		if !bad {
			sizes = []int{2_500, 10_000}
			if *large {
				sizes = append(sizes, 100_000)
			}
		}
		var perByte []float64
		for _, n := range sizes {
			mux, cost, err := loadCost(t, manyPaths(n, bad))
			perByte = append(perByte, cost)
			t.Logf("%d paths (bad %v): %.0f bytes allocated per byte of input", n, bad, cost)
			switch {
			case bad:
				var list ingress.ErrorList
				if !errors.As(err, &list) || len(list) != n {
					t.Fatalf("%d bad paths: got %d errors (%v), want one per path", n, len(list), err != nil)
				}
			case err != nil:
				t.Fatalf("%d paths: %v", n, err)
			case len(mux.Compiled().Table.Rules()) != n:
				t.Fatalf("%d paths: %d rules", n, len(mux.Compiled().Table.Rules()))
			}
			if cost > maxAllocPerByte {
				t.Fatalf("%d paths (bad %v): %.0f bytes allocated per byte of input, want at most %d", n, bad, cost, maxAllocPerByte)
			}
		}
		// Linear cost: the largest input costs per byte what the smallest
		// does, give or take.
		if last := perByte[len(perByte)-1]; last > 2*perByte[0] {
			t.Errorf("bad %v: cost per byte grew from %.0f to %.0f with the input: %v", bad, perByte[0], last, perByte)
		}
	}
}

// TestBoundedHostileFiles: inputs built to exhaust memory — an alias
// bomb, deep nesting, a file over the size limit — fail with an error that
// says why, after allocating little; a file of a quarter of a million
// empty documents loads at the usual cost per byte.
func TestBoundedHostileFiles(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 12; i++ { // 10^13 nodes once expanded
		fmt.Fprintf(&bomb, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	bomb.WriteString("data: {k: *a12}\n")
	for _, tt := range []struct {
		name, data, want string
		maxAlloc         uint64
	}{
		{"alias bomb", bomb.String(), "alias bomb", 64 << 20},
		{"deep nesting", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", "invalid YAML", 64 << 20},
		{"empty documents", strings.Repeat("---\n", 1<<18), "", maxAllocPerByte << 20},
		{"one byte over the limit", strings.Repeat("#", ingress.DefaultMaxFileSize+1), "limit", 64 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := writeManifest(t, tt.data)
			var err error
			n := allocated(func() {
				_, err = ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{f}, Logger: quiet(), DefaultCertificate: testCert(t)})
			})
			t.Logf("%s: %d bytes in, %d allocated", tt.name, len(tt.data), n)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one that mentions %q", err, tt.want)
			}
			if n > tt.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", n, tt.maxAlloc)
			}
		})
	}

	// A file far over the limit is refused from its size, unread.
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	fh, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	fh.Truncate(1 << 40) // sparse: a terabyte that takes no disk
	fh.Close()
	n := allocated(func() {
		_, err = ingressmux.Load(context.Background(), ingressmux.Config{Paths: []string{huge}, Logger: quiet(), DefaultCertificate: testCert(t)})
	})
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a 1 TiB file: error %v, want the size limit", err)
	}
	if n > 1<<20 {
		t.Errorf("a 1 TiB file: allocated %d bytes before refusing it", n)
	}
}

// TestBoundedRegexes: regex paths that would backtrack catastrophically
// in PCRE load (RE2 matches in linear time) and match as they should;
// ones whose compiled size would explode are refused at load with an
// error naming the path; and many regex paths cost per byte of input
// what plain paths do.
func TestBoundedRegexes(t *testing.T) {
	ingressWith := func(paths ...string) string {
		var b strings.Builder
		b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: re\n  annotations: {nginx.ingress.kubernetes.io/use-regex: \"true\"}\nspec:\n  rules:\n  - host: re.example.com\n    http:\n      paths:\n")
		for _, p := range paths {
			fmt.Fprintf(&b, "      - {path: %q, pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}\n", p)
		}
		return b.String()
	}
	mux, _, err := loadCost(t, ingressWith("/a/((a+)+)+$", "/b/(x+x+)+y", "/c/(.*a){20}"))
	if err != nil {
		t.Fatalf("backtracking-prone regexes: %v", err)
	}
	hostile := "/a/" + strings.Repeat("a", 64<<10) + "!"
	if r := mux.Compiled().Table.Match("re.example.com", hostile); r != nil {
		t.Errorf("%.20q... matched %v, want nothing", hostile, r)
	}
	if r := mux.Compiled().Table.Match("re.example.com", "/a/aaaa"); r == nil {
		t.Error("/a/aaaa matched nothing")
	}

	for _, p := range []string{"/(a{1000}){1000}", "/((((((((((a{100}){100}){100}){100})))))))", "/" + strings.Repeat("(", 2000) + "a" + strings.Repeat(")", 2000)} {
		var err error
		n := allocated(func() { _, _, err = loadCost(t, ingressWith(p)) })
		if err == nil || !strings.Contains(err.Error(), "spec.rules[0].http.paths[0].path") {
			t.Errorf("%.30q...: error %v, want one naming the path", p, err)
		}
		if n > 64<<20 {
			t.Errorf("%.30q...: allocated %d bytes to refuse it", p, n)
		}
	}

	paths := make([]string, 2_000)
	for i := range paths {
		paths[i] = fmt.Sprintf("/r%d/(a|b)+[0-9]{1,3}/.*", i)
	}
	_, cost, err := loadCost(t, ingressWith(paths...))
	if err != nil {
		t.Fatalf("2,000 regex paths: %v", err)
	}
	t.Logf("2,000 regex paths: %.0f bytes allocated per byte of input", cost)
	if cost > maxAllocPerByte {
		t.Errorf("2,000 regex paths: %.0f bytes allocated per byte of input, want at most %d", cost, maxAllocPerByte)
	}
}
