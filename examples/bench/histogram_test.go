package main

import (
	"math"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	// 1 µs ... 10,000 µs, one each: the q-quantile is q·10,000 µs.
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5000 * time.Microsecond},
		{0.9, 9000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{0.999, 9990 * time.Microsecond},
		{1, 10000 * time.Microsecond},
	} {
		got := h.Quantile(tt.q)
		// Never below the true value, at most one bucket (1/128) above.
		if got < tt.want || float64(got) > float64(tt.want)*(1+1.0/subBuckets) {
			t.Errorf("Quantile(%v) = %v, want %v (+0.8 %%)", tt.q, got, tt.want)
		}
	}
	if got, want := h.Mean(), 5000500*time.Nanosecond; got != want {
		t.Errorf("Mean() = %v, want %v", got, want)
	}
	if h.Count() != 10000 || h.Max() != 10*time.Millisecond {
		t.Errorf("Count() = %d, Max() = %v", h.Count(), h.Max())
	}
}

func TestHistogramSmallValuesExact(t *testing.T) {
	var h histogram
	for _, v := range []int64{3, 3, 7, 100, 255} {
		h.Record(time.Duration(v))
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.2, 3}, {0.4, 3}, {0.6, 7}, {0.8, 100}, {1, 255}} {
		if got := h.Quantile(tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	var a, b, empty histogram
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 {
		t.Error("empty histogram: want zero quantile and mean")
	}
	for i := range 100 {
		a.Record(time.Millisecond)
		if i < 10 {
			b.Record(time.Second)
		}
	}
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 110 {
		t.Errorf("Count() = %d, want 110", a.Count())
	}
	// 100 of 110 values are 1 ms: p90 is 1 ms, p95 is 1 s.
	if got := a.Quantile(0.9); got < time.Millisecond || got > time.Millisecond*129/128 {
		t.Errorf("Quantile(0.9) = %v, want 1 ms", got)
	}
	if got := a.Quantile(0.95); got != time.Second {
		t.Errorf("Quantile(0.95) = %v, want 1s (clamped to the maximum)", got)
	}
	a.Record(-5) // a clock step counts as zero
	if a.Quantile(0.0001) != 0 {
		t.Errorf("Quantile(0.0001) = %v, want 0 after a negative value", a.Quantile(0.0001))
	}
}

// TestBuckets checks that buckets tile the value range: each value lies
// in its bucket's bounds, and consecutive buckets touch.
func TestBuckets(t *testing.T) {
	for _, v := range []int64{0, 1, 255, 256, 257, 511, 512, 1000, 1 << 20, 123456789, math.MaxInt64} {
		lo, hi := bucketBounds(bucketOf(v))
		if v < lo || v > hi {
			t.Errorf("bucketOf(%d) = %d with bounds [%d, %d]", v, bucketOf(v), lo, hi)
		}
		if w := hi - lo + 1; v >= 256 && float64(w) > float64(lo)/subBuckets+1 {
			t.Errorf("bucket of %d is %d wide, more than 1/%d of %d", v, w, subBuckets, lo)
		}
	}
	for i := 1; i < bucketOf(math.MaxInt64); i++ {
		_, prevHi := bucketBounds(i - 1)
		lo, _ := bucketBounds(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lo, prevHi)
		}
	}
}

func TestParsePprofTop(t *testing.T) {
	text := `Duration: 5.02s, Total samples = 2.36s (46.99%)
Showing nodes accounting for 1.55s, 65.68% of 2.36s total
      flat  flat%   sum%        cum   cum%
     1.06s 44.92% 44.92%      1.06s 44.92%  internal/runtime/syscall/linux.Syscall6
      10ms  0.42% 63.56%      0.92s 38.98%  internal/poll.(*FD).Write
    344091 97.55% 97.55%     344091 97.55%  net/textproto.readMIMEHeader
`
	rows := parsePprofTop(text)
	if len(rows) != 3 {
		t.Fatalf("parsePprofTop: %d rows, want 3: %+v", len(rows), rows)
	}
	if rows[0].Flat != 1.06e9 || rows[1].Flat != 1e7 || rows[1].Cum != 0.92e9 || rows[2].Flat != 344091 || rows[1].Name != "internal/poll.(*FD).Write" {
		t.Errorf("parsePprofTop = %+v", rows)
	}
	if got := profileTotal(text); got != 2360*time.Millisecond {
		t.Errorf("profileTotal = %v, want 2.36s", got)
	}
}
