package proxy

import (
	"sync"
	"sync/atomic"
)

// inChunks calls fn on [lo, hi) ranges of at most chunk indexes that
// together cover [0, n) once, on up to workers goroutines. Work too small
// for two chunks runs on the caller's goroutine. fn must write only what
// belongs to its own range: ranges run in no particular order. A panic in
// fn is raised again on the caller's goroutine once the other workers
// stop, as it would be without them, so that a caller that recovers (a
// reload loop) still can.
func inChunks(n, chunk, workers int, fn func(lo, hi int)) {
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
