package parallel_test

import (
	"fmt"

	"github.com/ingressmux/ingressmux/internal/parallel"
)

// Squares are worked out in chunks on every CPU, each written to its own
// index, and read in order once Chunks returns.
func ExampleChunks() {
	squares := make([]int, 10)
	parallel.Chunks(len(squares), 3, 0, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}
