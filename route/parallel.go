package route

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// layoutWorker is what one goroutine laying out the parts of a sharded
// table reuses from part to part.
type layoutWorker struct {
	seen map[dupKey]bool
	sc   scratch
}

// eachPart calls fn for every part k in [0, n) on up to GOMAXPROCS
// goroutines, each with a worker of its own: the parts of a sharded table
// are independent, and laying out 300,000 rules on one core was most of a
// large load's single-threaded time. fn must write only what belongs to
// part k. A panic in fn is raised again on the caller's goroutine once the
// other goroutines stop, as it would be without them.
func eachPart(n int, fn func(k int, w *layoutWorker)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers < 2 {
		w := &layoutWorker{seen: map[dupKey]bool{}}
		for k := range n {
			fn(k, w)
		}
		return
	}
	var next atomic.Int64
	var panicked atomic.Pointer[any]
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, &r)
					next.Store(int64(n)) // the others stop after their part
				}
			}()
			w := &layoutWorker{seen: map[dupKey]bool{}}
			for {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				fn(k, w)
			}
		})
	}
	wg.Wait()
	if r := panicked.Load(); r != nil {
		panic(*r)
	}
}
