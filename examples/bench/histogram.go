package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets, as HdrHistogram does:
// values below 2·subBuckets nanoseconds get a bucket each, larger ones
// subBuckets buckets per power of two, so a percentile is within 1/128
// (0.8 %) of the true value at any scale, in fixed memory, and recording is
// a few instructions without allocation. It is not safe for concurrent
// use: each load worker keeps its own and they are merged at the end.
type histogram struct {
	counts [numBuckets]uint64
	n      uint64
	sum    uint64 // nanoseconds
	min    int64
	max    int64
}

const (
	subBits    = 7
	subBuckets = 1 << subBits
	// numBuckets covers every positive int64: the largest has 63 bits,
	// so shift 63-subBits-1 and mantissa up to 2·subBuckets-1.
	numBuckets = (63-subBits)*subBuckets + 2*subBuckets
)

// bucketOf returns the bucket index of v (nanoseconds, ≥ 0).
func bucketOf(v int64) int {
	u := uint64(v)
	if u < 2*subBuckets {
		return int(u)
	}
	shift := bits.Len64(u) - subBits - 1
	return shift*subBuckets + int(u>>shift)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi int64) {
	if i < 2*subBuckets {
		return int64(i), int64(i)
	}
	shift := i/subBuckets - 1
	mantissa := int64(i%subBuckets + subBuckets)
	return mantissa << shift, (mantissa+1)<<shift - 1
}

// Record adds one latency. Negative values (a clock step) count as zero.
func (h *histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += uint64(v)
}

// Merge adds every value of o to h.
func (h *histogram) Merge(o *histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of recorded values.
func (h *histogram) Count() uint64 { return h.n }

// Mean returns the average latency, zero when empty.
func (h *histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}

// Max returns the largest recorded latency.
func (h *histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the latency at or below which a fraction q (0 < q ≤ 1)
// of the values fall: the upper bound of the bucket holding the value of
// rank ⌈q·n⌉ (the nearest-rank definition), clamped to the recorded
// extremes, so that it is never lower than the true quantile and never
// more than a bucket's width above it. Zero when empty.
func (h *histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketBounds(i)
			return time.Duration(min(max(hi, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}
