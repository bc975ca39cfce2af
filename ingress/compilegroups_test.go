package ingress

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestTrackerParallelCompileMatchesFullCompile runs the property test's
// sequences with groups compiled in parallel from two groups on (the
// usual threshold is only reached by large loads), so that a run with
// -race checks that compiling groups at once shares nothing it writes.
func TestTrackerParallelCompileMatchesFullCompile(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(n int) { parallelGroups = n }(parallelGroups)
	parallelGroups = 1
	optionSets := []Options{{}, {SkipInvalidIngresses: true}, {Matching: MatchIngressNginx, SkipInvalidIngresses: true}}
	for seed := uint64(101); seed <= 109; seed++ {
		runTrackerSequence(t, seed, optionSets[seed%uint64(len(optionSets))], 40)
		if t.Failed() {
			return
		}
	}
}

// BenchmarkCompileGroups measures the compile of every group of a full
// load (most of Tracker.Reset after decoding) for 10,000 Ingresses, and
// 100,000 with INGRESSMUX_BENCH_100K set: manyIngresses, with the Service
// and an EndpointSlice of every other api backend, so that paths resolve
// both through endpoints and, with a warning, through cluster DNS.
func BenchmarkCompileGroups(b *testing.B) {
	defer func(record bool) { recordCompiled = record }(recordCompiled)
	recordCompiled = false // what a program's compile does
	sizes := []int{10_000}
	if os.Getenv("INGRESSMUX_BENCH_100K") != "" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		data := manyIngresses(n)
		for i := 0; i < n; i += 2 {
			data = fmt.Appendf(data, `---
apiVersion: v1
kind: Service
metadata: {name: api-%[1]d, namespace: team-%[2]d}
spec:
  ports: [{name: http, port: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-%[1]d-1, namespace: team-%[2]d, labels: {kubernetes.io/service-name: api-%[1]d}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.18.%[3]d.%[4]d]}]
`, i, i%50, i/250%250, i%250+1)
		}
		set, err := (&Decoder{MaxFileSize: int64(len(data))}).DecodeBytes("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		t := newTracker(Options{})
		t.putAll(set, nil)
		parts := partition(t.sorted(kindIngress))
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				groups, err := t.compileGroups(parts, nil, 0, true)
				if err != nil {
					b.Fatal(err)
				}
				if len(groups) != len(parts) {
					b.Fatalf("%d groups, want %d", len(groups), len(parts))
				}
			}
		})
	}
}
