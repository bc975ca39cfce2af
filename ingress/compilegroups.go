package ingress

import (
	"runtime"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// parallelGroups is the number of groups per CPU from which
// compileGroups uses several CPUs: below it, a change compiles too little
// to pay for starting goroutines. A variable for tests.
var parallelGroups = 16

// compileGroups compiles each part (see partition) into a group, in
// order. Groups compile independently of each other, reading objects that
// nothing changes meanwhile, so a large compile (a Reset, an IngressClass
// changed) spreads them over every CPU. A Resolver is the program's code,
// which may not expect concurrent calls: with one, groups compile one
// after another. The error is the one compiling the parts in order meets
// first. With full (every group compiled), the groups leave their rules
// prepared for route.Join where they can (see Options.deferTable).
func (t *Tracker) compileGroups(parts [][]*entry, classes []IngressClass, classWarnings int, full bool) ([]*group, error) {
	workers := min(runtime.GOMAXPROCS(0), len(parts)/parallelGroups)
	fresh := make([]*group, len(parts))
	if workers < 2 || t.opts.Resolver != nil {
		for i, comp := range parts {
			g, err := t.compileGroup(comp, classes, classWarnings, full)
			if err != nil {
				return nil, err
			}
			fresh[i] = g
		}
		return fresh, nil
	}
	errs := make([]error, len(parts))
	parallel.Chunks(len(parts), 1, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fresh[i], errs[i] = t.compileGroup(parts[i], classes, classWarnings, full)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fresh, nil
}
