package ingress

import (
	"runtime"
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
