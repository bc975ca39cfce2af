package parallel

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// TestChunksCoversEachIndexOnce runs every shape of split (one chunk,
// uneven chunks, more workers than chunks) and counts each index's calls.
func TestChunksCoversEachIndexOnce(t *testing.T) {
	for _, tt := range []struct{ n, chunk, workers int }{
		{0, 4, 2}, {1, 4, 2}, {7, 1, 2}, {10, 3, 8}, {1000, 256, 0}, {5, 10, 4},
	} {
		t.Run(fmt.Sprintf("n=%d chunk=%d workers=%d", tt.n, tt.chunk, tt.workers), func(t *testing.T) {
			calls := make([]atomic.Int32, tt.n)
			Chunks(tt.n, tt.chunk, tt.workers, func(lo, hi int) {
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

// TestChunksPanicReachesCaller: a panic in a worker must surface on the
// caller's goroutine, where a reload loop or an HTTP server can recover it,
// instead of ending the program.
func TestChunksPanicReachesCaller(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			got := func() (r any) {
				defer func() { r = recover() }()
				Chunks(100, 3, workers, func(lo, hi int) {
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

// TestBothRunsEach: both functions run once, and a panic in either
// reaches the caller.
func TestBothRunsEach(t *testing.T) {
	var a, b atomic.Int32
	Both(func() { a.Add(1) }, func() { b.Add(1) })
	if a.Load() != 1 || b.Load() != 1 {
		t.Fatalf("a ran %d times, b %d times, want once each", a.Load(), b.Load())
	}
	for _, which := range []string{"a", "b"} {
		got := func() (r any) {
			defer func() { r = recover() }()
			Both(func() {
				if which == "a" {
					panic("a")
				}
			}, func() {
				if which == "b" {
					panic("b")
				}
			})
			return nil
		}()
		if got != which {
			t.Errorf("recovered %v, want %q's panic", got, which)
		}
	}
}
