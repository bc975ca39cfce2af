package ingress

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// TestInChunksCoversEachIndexOnce runs every shape of split (one chunk,
// uneven chunks, more workers than chunks) and counts each index's calls.
func TestInChunksCoversEachIndexOnce(t *testing.T) {
	for _, tt := range []struct{ n, chunk, workers int }{
		{0, 4, 2}, {1, 4, 2}, {7, 1, 2}, {10, 3, 8}, {1000, 256, 0}, {5, 10, 4},
	} {
		t.Run(fmt.Sprintf("n=%d chunk=%d workers=%d", tt.n, tt.chunk, tt.workers), func(t *testing.T) {
			calls := make([]atomic.Int32, tt.n)
			inChunks(tt.n, tt.chunk, tt.workers, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					calls[i].Add(1)
				}
			})
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Errorf("index %d handled %d times, want once", i, c)
				}
			}
		})
	}
}

// TestInChunksPanicReachesCaller: a panic in a worker must surface on the
// caller's goroutine, where a reload loop or an HTTP server can recover it,
// instead of ending the program.
func TestInChunksPanicReachesCaller(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			got := func() (r any) {
				defer func() { r = recover() }()
				inChunks(100, 3, workers, func(lo, hi int) {
					if lo <= 50 && 50 < hi {
						panic("chunk of 50")
					}
				})
				return nil
			}()
			if got != "chunk of 50" {
				t.Fatalf("recovered %v, want the worker's panic", got)
			}
		})
	}
}
