package ingress

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// chunkRunners are ways of spreading validation over goroutines. Validate
// must give the same list, entry by entry, with each of them: chunks taken
// by several goroutines, run backwards, shuffled, one object at a time.
func chunkRunners() map[string]func(n int, each func(lo, hi int)) {
	return map[string]func(n int, each func(lo, hi int)){
		"one call": func(n int, each func(lo, hi int)) { each(0, n) },
		"2 workers, chunks of 1": func(n int, each func(lo, hi int)) {
			parallel.Chunks(n, 1, 2, each)
		},
		"8 workers, chunks of 3": func(n int, each func(lo, hi int)) {
			parallel.Chunks(n, 3, 8, each)
		},
		"default": validateInParallel,
		"chunks of 5, last first": func(n int, each func(lo, hi int)) {
			for lo := (n - 1) / 5 * 5; lo >= 0; lo -= 5 {
				each(lo, min(n, lo+5))
			}
		},
		"chunks of 7, shuffled, concurrently": func(n int, each func(lo, hi int)) {
			var starts []int
			for lo := 0; lo < n; lo += 7 {
				starts = append(starts, lo)
			}
			rand.New(rand.NewPCG(uint64(n), 7)).Shuffle(len(starts), func(i, j int) {
				starts[i], starts[j] = starts[j], starts[i]
			})
			var wg sync.WaitGroup
			for _, lo := range starts {
				wg.Go(func() { each(lo, min(n, lo+7)) })
			}
			wg.Wait()
		},
	}
}

// sequentialValidate is Validate as one loop over the kinds in their
// order, as it was written before it ran on several CPUs: the reference
// the parallel one must match.
func sequentialValidate(s *Set) ErrorList {
	var errs ErrorList
	dups := newDuplicateCheck()
	cache := new(checkCache)
	for _, set := range []*Set{s, s.partial} {
		if set == nil {
			continue
		}
		add := func(src Source, doc *docRef, ref string, own func() field.ErrorList) {
			errs = append(errs, located(src, doc, ref, own())...)
			errs = append(errs, located(src, doc, ref, dups.check(ref, src))...)
		}
		for _, o := range set.Ingresses {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateIngress(o.Ingress, cache) })
		}
		for _, o := range set.IngressClasses {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateIngressClass(o.IngressClass, cache) })
		}
		for _, o := range set.Services {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateService(o.Service, cache) })
		}
		for _, o := range set.EndpointSlices {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateEndpointSlice(o.EndpointSlice, cache) })
		}
		for _, o := range set.Secrets {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateSecret(o.Secret, cache) })
		}
		for _, o := range set.ConfigMaps {
			add(o.Source, o.doc, o.Ref(), func() field.ErrorList { return validateConfigMap(o.ConfigMap, cache) })
		}
	}
	return errs
}

// manyProblems renders n objects of every kind Validate checks, a third of
// them wrong in one way or another, some of them copies of an object far
// earlier (so duplicates span chunks), and some that fail to decode (so
// the objects only partly read are checked too).
func manyProblems(n int) []byte {
	var b strings.Builder
	for i := range n {
		name := fmt.Sprintf("obj-%d", i)
		if i%13 == 12 {
			// Object i%6 has the same kind and namespace, in the first
			// chunk; objects after it are far later.
			name = fmt.Sprintf("obj-%d", i%6)
		}
		host := fmt.Sprintf("h%d.example.com", i)
		if i%7 == 3 {
			host = "Bad_Host"
		}
		switch i % 6 {
		case 0:
			port := "number: 80"
			if i%11 == 5 {
				port = "number: eighty" // fails to decode: a partial object
			}
			fmt.Fprintf(&b, `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: %s, namespace: ns-%d, annotations: {"bad key!": x}}
spec:
  rules:
    - host: %s
      http:
        paths:
          - {path: /a//b, pathType: Prefix, backend: {service: {name: Web, port: {%s}}}}
          - {path: rel, pathType: Exact, backend: {service: {name: web, port: {number: 70000}}}}
`, name, i%3, host, port)
		case 1:
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: ns-%d}\nspec:\n  ports: [{port: 0}, {name: x_y, port: 80}]\n", name, i%3)
		case 2:
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: ns-%d}\ndata: {\"bad key\": v}\n", name, i%3)
		case 3:
			fmt.Fprintf(&b, "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: %s, namespace: ns-%d}\naddressType: IPv4\nendpoints: [{addresses: [\"::1\"]}]\n", name, i%3)
		case 4:
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: ns-%d}\ntype: kubernetes.io/tls\ndata: {}\n", name, i%3)
		case 5:
			fmt.Fprintf(&b, "---\napiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: %s}\nspec: {controller: \"\"}\n", name)
		}
	}
	return []byte(b.String())
}

// TestValidateSameInParallel checks that Validate's list does not depend
// on how its work is spread over goroutines: on the test corpora, file by
// file and all at once, and on generated sets whose many problems and
// duplicates fall in many chunks, every runner gives the entries, their
// order and their wording of the sequential reference.
func TestValidateSameInParallel(t *testing.T) {
	sets := map[string]*Set{}
	var all []string
	for _, dir := range []string{"valid", "invalid", "realworld", "compile", "traffic"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, files...)
		for _, f := range files {
			set, _ := ReadFiles(f)
			sets[f] = set
		}
	}
	everything, _ := ReadFiles(all...)
	sets["every corpus file at once"] = everything
	for _, n := range []int{1, 50, 600, 2000} {
		set, _ := DecodeBytes("many.yaml", manyProblems(n))
		sets[fmt.Sprintf("%d generated objects", n)] = set
	}
	if big := sets["2000 generated objects"]; big.partial == nil || len(big.partial.Ingresses) == 0 {
		t.Fatal("the generated objects include none that failed to decode")
	}
	for name, set := range sets {
		want := sequentialValidate(set)
		if strings.Contains(name, "generated") && name != "1 generated objects" && !hasDuplicate(want) {
			t.Fatalf("%s: no duplicate among %d problems", name, len(want))
		}
		for runnerName, run := range chunkRunners() {
			got := set.validate(run)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s: the list differs from the sequential one:\n%s", name, runnerName, firstDifference(got, want))
			}
		}
		if err := set.Validate(); (err == nil) != (len(want) == 0) {
			t.Errorf("%s: Validate returned %v for %d problems", name, err, len(want))
		}
	}
}

func hasDuplicate(errs ErrorList) bool {
	for _, e := range errs {
		if e.Field != nil && e.Field.Type == field.ErrorTypeDuplicate && strings.HasSuffix(e.Field.Field, "metadata.name") {
			return true
		}
	}
	return false
}

func firstDifference(got, want ErrorList) string {
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("entry %d:\n got: %v\nwant: %v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("got %d entries, want %d", len(got), len(want))
}

// TestIsIP checks which hosts a rule may not have because they are
// addresses, as the apiserver's parser (netutils.ParseIPSloppy) reads them:
// "999.1.1.1" is a valid DNS name to it, not an address.
func TestIsIP(t *testing.T) {
	for host, want := range map[string]bool{
		"10.0.0.1": true, "010.000.000.001": true, "255.255.255.255": true, "::1": true,
		"2001:db8::": true, "::ffff:10.0.0.1": true,
		"example.com": false, "1.2.3": false, "1.2.3.4.5": false, "1..2.3": false, "1.2.3.4.": false,
		"1234.1.1.1": false, "999.1.1.1": false, "1.2.3.256": false, "fe80::1%eth0": false, "a.b.c.d": false, "1.2.3.x": false, "": false, "host:80": false, ":::": false,
	} {
		if got := isIP(host); got != want {
			t.Errorf("isIP(%q) = %v, want %v", host, got, want)
		}
		if apiserver := netutils.ParseIPSloppy(host) != nil; apiserver != want {
			t.Errorf("the table is wrong: the apiserver's parser reads %q as an address: %v", host, apiserver)
		}
	}
}
