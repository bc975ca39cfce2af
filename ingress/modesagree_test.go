package ingress

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestModesAgreeShortcut compiles random Ingresses with the shortcut of
// compareModes (modesAgree) and without it: the differences and the
// warnings must be the same. Half the cases use only what modesAgree
// accepts (where it must find that ingress-nginx routes alike), half mix
// in what it refuses (trailing slashes, "/", wildcards, rules without a
// host, use-regex, rewrite-target, upper case), which ingress-nginx
// routes differently often enough for the comparison to matter.
func TestModesAgreeShortcut(t *testing.T) {
	defer func(v bool) { modesAgreeShortcut = v }(modesAgreeShortcut)
	rng := rand.New(rand.NewPCG(17, 1))
	plainHosts := []string{"a.test", "b.test", "x.a.test"}
	plainPaths := []string{"/a", "/a/b", "/ab", "/a/b/c", "/A", "/a.b", "/a-b", "/b", "/a/bc"}
	otherHosts := []string{"*.test", "*.a.test", ""}
	otherPaths := []string{"/", "/a/", "/a/b/", "/ab/", "/a/[0-9]+", "/a.*"}
	types := []string{"Exact", "Prefix", "ImplementationSpecific"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	compared, differed, shortcuts := 0, 0, 0
	for n := range 1500 {
		plain := n%2 == 0
		var doc strings.Builder
		for i := range 1 + rng.IntN(4) {
			annotations := ""
			if !plain {
				switch rng.IntN(6) {
				case 0:
					annotations = `nginx.ingress.kubernetes.io/use-regex: "true"`
				case 1:
					annotations = `nginx.ingress.kubernetes.io/rewrite-target: /`
				case 2:
					annotations = `nginx.ingress.kubernetes.io/app-root: /a`
				case 3:
					annotations = `nginx.ingress.kubernetes.io/server-alias: "c.test, B.test"`
				}
			}
			fmt.Fprintf(&doc, "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i%d\n  namespace: ns\n  annotations: {%s}\nspec:\n", i, annotations)
			if rng.IntN(4) == 0 {
				doc.WriteString("  defaultBackend: {service: {name: def, port: {number: 80}}}\n")
			}
			doc.WriteString("  rules:\n")
			for range 1 + rng.IntN(2) {
				host := pick(plainHosts)
				if !plain && rng.IntN(3) == 0 {
					host = pick(otherHosts)
				}
				if host == "" {
					doc.WriteString("  - http:\n      paths:\n")
				} else {
					fmt.Fprintf(&doc, "  - host: %q\n    http:\n      paths:\n", host)
				}
				for range 1 + rng.IntN(4) {
					path := pick(plainPaths)
					if !plain && rng.IntN(3) == 0 {
						path = pick(otherPaths)
					}
					fmt.Fprintf(&doc, "      - path: %q\n        pathType: %s\n        backend: {service: {name: s%d, port: {number: 80}}}\n",
						path, pick(types), rng.IntN(3))
				}
			}
		}
		opts := Options{SkipInvalidIngresses: true}
		modesAgreeShortcut = true
		before := modesAgreed.Load()
		fast, errFast := compileBytes([]byte(doc.String()), opts)
		if modesAgreed.Load() > before {
			shortcuts++
		}
		modesAgreeShortcut = false
		full, errFull := compileBytes([]byte(doc.String()), opts)
		if fmt.Sprint(errFast) != fmt.Sprint(errFull) {
			t.Fatalf("case %d: error %v with the shortcut, %v without\n%s", n, errFast, errFull, doc.String())
		}
		if errFull != nil {
			continue
		}
		compared++
		if len(full.Differences) > 0 {
			differed++
		}
		if !reflect.DeepEqual(fast.Differences, full.Differences) {
			t.Fatalf("case %d: differences with the shortcut:\n%v\nwithout:\n%v\n%s", n, fast.Differences, full.Differences, doc.String())
		}
		if !reflect.DeepEqual(fast.Warnings, full.Warnings) {
			t.Fatalf("case %d: warnings with the shortcut:\n%v\nwithout:\n%v\n%s", n, fast.Warnings, full.Warnings, doc.String())
		}
	}
	// The generator must reach both sides: compiles that succeed, and
	// among them some that ingress-nginx routes differently; and the
	// shortcut must have been taken, or the comparison proves nothing.
	if compared < 1000 || differed < 100 || shortcuts < 500 {
		t.Fatalf("only %d cases compiled, %d of them with differences, %d by the shortcut", compared, differed, shortcuts)
	}
	t.Logf("%d cases compiled, %d with differences, %d by the shortcut", compared, differed, shortcuts)
}
