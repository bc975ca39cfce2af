package ingress

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// inChunks calls fn on [lo, hi) ranges of at most chunk indexes that
// together cover [0, n) once, on up to workers goroutines (GOMAXPROCS when
// workers is 0). Work too small for two chunks runs on the caller's
// goroutine. fn must write only what belongs to its own range: the order in
// which ranges run is unspecified, so callers keep results by index and
// read them in order afterwards, which makes the outcome the same as one
// call fn(0, n). A panic in fn is raised again on the caller's goroutine
// once the other workers stop, as it would be without them, so that a
// caller that recovers (an HTTP server, a reload loop) still can.
func inChunks(n, chunk, workers int, fn func(lo, hi int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (n + chunk - 1) / chunk
	workers = min(workers, chunks)
	if workers < 2 {
		if n > 0 {
			fn(0, n)
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
					next.Store(int64(chunks)) // the others stop after their chunk
				}
			}()
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				fn(c*chunk, min(n, (c+1)*chunk))
			}
		})
	}
	wg.Wait()
	if r := panicked.Load(); r != nil {
		panic(*r)
	}
}

// both runs a and b, at once when there are two CPUs; a panic in either is
// raised again on the caller's goroutine, as inChunks does.
func both(a, b func()) {
	inChunks(2, 1, 0, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i == 0 {
				a()
			} else {
				b()
			}
		}
	})
}
