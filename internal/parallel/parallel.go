package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Chunks calls fn on [lo, hi) ranges of at most chunk indexes that
// together cover [0, n) once, on up to workers goroutines (GOMAXPROCS
// when workers is 0 or less). Work too small for two chunks runs on the
// caller's goroutine. fn must write only what belongs to its own range:
// ranges run in no particular order, so callers keep results by index and
// read them in order afterwards, which makes the outcome that of one call
// fn(0, n). A panic in fn is raised again on the caller's goroutine once
// the other workers stop.
func Chunks(n, chunk, workers int, fn func(lo, hi int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk = max(chunk, 1)
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

// Both runs a and b, at once when there are two CPUs; a panic in either
// is raised again on the caller's goroutine, as Chunks does.
func Both(a, b func()) {
	Chunks(2, 1, 0, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i == 0 {
				a()
			} else {
				b()
			}
		}
	})
}
