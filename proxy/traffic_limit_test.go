package proxy

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestTrafficRateLimitAccuracy drives the limits through the handler on a
// simulated clock: a client sending far more than allowed gets exactly the
// burst (limit × multiplier + 1, nginx's nodelay burst) and then the rate.
func TestTrafficRateLimitAccuracy(t *testing.T) {
	be := newTrafficBackend(t, nil)
	for _, tt := range []struct {
		name     string
		limit    RateLimit
		duration time.Duration
		step     time.Duration // time between two requests
		want     int
	}{
		{"10 rps, multiplier 2, 10 s", RateLimit{RPS: 10, BurstMultiplier: 2}, 10 * time.Second, time.Millisecond, 21 + 100},
		{"5 rps, default multiplier, 30 s", RateLimit{RPS: 5}, 30 * time.Second, 10 * time.Millisecond, 26 + 150},
		{"60 rpm, multiplier 1, 5 min", RateLimit{RPM: 60, BurstMultiplier: 1}, 5 * time.Minute, 50 * time.Millisecond, 61 + 300},
		{"rps and rpm: the tighter wins", RateLimit{RPS: 100, RPM: 120, BurstMultiplier: 1}, time.Minute, 5 * time.Millisecond, 121 + 120},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := &Traffic{RateLimit: &tt.limit}
			h := trafficHandler(t, be, tr)
			now := time.Unix(1_000_000, 0)
			h.trafficRuntime(tr).limit.now = func() time.Time { return now }
			passed, refused := 0, 0
			for end := now.Add(tt.duration); now.Before(end); now = now.Add(tt.step) {
				switch w := serve(h, req("GET", "/", "192.0.2.1:1")); w.Code {
				case 200:
					passed++
				case 503:
					refused++
				default:
					t.Fatalf("status %d", w.Code)
				}
			}
			if off := math.Abs(float64(passed-tt.want)) / float64(tt.want); off > 0.01 {
				t.Errorf("%d requests passed, want %d (%.1f%% off); %d refused", passed, tt.want, off*100, refused)
			}
			t.Logf("%d passed (want %d), %d refused", passed, tt.want, refused)
		})
	}
}

// TestTrafficRateLimitRealTime runs a limit on the real clock for a bounded
// time and checks the count of accepted requests is within 10% of what a
// token bucket of burst 101 refilled at 100 per second accepts from the same
// send times. Replaying the times, rather than assuming the loop kept the
// bucket empty, keeps the check exact when a loaded machine stalls the loop.
func TestTrafficRateLimitRealTime(t *testing.T) {
	be := newTrafficBackend(t, nil)
	h := trafficHandler(t, be, &Traffic{RateLimit: &RateLimit{RPS: 100, BurstMultiplier: 1}})
	reference := rate.NewLimiter(100, 101)
	start := time.Now()
	passed, sent, want := 0, 0, 0
	for ; sent < 1_000_000 && time.Since(start) < time.Second; sent++ {
		if reference.AllowN(time.Now(), 1) {
			want++
		}
		if serve(h, req("GET", "/", "192.0.2.1:1")).Code == 200 {
			passed++
		}
	}
	elapsed := time.Since(start)
	if off := math.Abs(float64(passed-want)) / float64(want); off > 0.10 {
		t.Errorf("%d of %d requests passed in %v, want %d (%.1f%% off)", passed, sent, elapsed, want, off*100)
	}
	if limit := 101 + 100*elapsed.Seconds(); float64(passed) > limit {
		t.Errorf("%d requests passed in %v, more than burst + rate × elapsed = %.0f", passed, elapsed, limit)
	}
	if n := be.hits.Load(); n != int64(passed) {
		t.Errorf("backend got %d requests, %d passed", n, passed)
	}
	t.Logf("%d of %d passed in %v, want %d", passed, sent, elapsed, want)
}

func TestTrafficRateLimitStatusAndExempt(t *testing.T) {
	be := newTrafficBackend(t, nil)
	for _, tt := range []struct {
		status int
		body   string
	}{{0, "503 service temporarily unavailable\n"}, {429, "429 too many requests\n"}} {
		h := trafficHandler(t, be, &Traffic{RateLimit: &RateLimit{RPM: 1, BurstMultiplier: 1, RejectStatus: tt.status,
			Exempt: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}})
		var codes []int
		for range 3 {
			codes = append(codes, serve(h, req("GET", "/", "192.0.2.1:1")).Code)
		}
		w := serve(h, req("GET", "/", "192.0.2.1:1"))
		rejected := cmp.Or(tt.status, http.StatusServiceUnavailable)
		if want := fmt.Sprint([]int{200, 200, rejected}); fmt.Sprint(codes) != want || w.Code != rejected || w.Body.String() != tt.body {
			t.Errorf("RejectStatus %d: statuses %v, want %s; body %q, want %q", tt.status, codes, want, w.Body, tt.body)
		}
		for range 10 {
			if w := serve(h, req("GET", "/", "10.1.1.1:1")); w.Code != 200 {
				t.Fatalf("exempt client got %d", w.Code)
			}
		}
		// Each client has its own bucket.
		if w := serve(h, req("GET", "/", "192.0.2.2:1")); w.Code != 200 {
			t.Errorf("another client got %d", w.Code)
		}
	}
}

// TestTrafficConnectionLimit holds requests in the backend and checks the
// one over the limit is refused, and that slots come back: when requests
// finish, and when a later step (an IP list) refuses a request.
func TestTrafficConnectionLimit(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	be := newTrafficBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			entered <- struct{}{}
			<-release
		}
		w.Write([]byte("ok"))
	})
	tr := &Traffic{
		RateLimit:   &RateLimit{Connections: 2},
		DenySources: []netip.Prefix{netip.MustParsePrefix("192.0.2.99/32")},
	}
	h := trafficHandler(t, be, tr)
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Go(func() { codes <- serve(h, req("GET", "/hold", "192.0.2.1:1")).Code })
	}
	for range 2 {
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatal("requests did not reach the backend")
		}
	}
	if w := serve(h, req("GET", "/", "192.0.2.1:1")); w.Code != 503 {
		t.Errorf("third concurrent request: %d, want 503", w.Code)
	}
	if w := serve(h, req("GET", "/", "192.0.2.2:1")); w.Code != 200 {
		t.Errorf("another client: %d, want 200", w.Code)
	}
	close(release)
	wg.Wait()
	for range 2 {
		if c := <-codes; c != 200 {
			t.Errorf("held request: %d", c)
		}
	}
	for i := range 5 {
		if w := serve(h, req("GET", "/", "192.0.2.99:1")); w.Code != 403 {
			t.Fatalf("denied request %d: %d, want 403", i, w.Code)
		}
	}
	// Neither the finished nor the refused requests hold a slot.
	for _, remote := range []string{"192.0.2.1:1", "192.0.2.99:1"} {
		lm := h.trafficRuntime(tr).limit
		a := netip.MustParseAddrPort(remote).Addr()
		s := lm.clients.lock(a)
		if c := s.get(a); c == nil || c.inFlight != 0 {
			t.Errorf("%s: in flight %v, want 0", remote, c)
		}
		s.mu.Unlock()
	}
}

// TestTrafficRateLimitBounded sends requests from a million distinct
// addresses: the limiter keeps at most about MaxClients of them, and a
// client with a request in flight is never forgotten.
func TestTrafficRateLimitBounded(t *testing.T) {
	lm := newLimiter(&RateLimit{RPS: 1, Connections: 1, MaxClients: 1000}, 0)
	busy := netip.MustParseAddr("2001:db8::1")
	done, ok := lm.admit(busy)
	if !ok {
		t.Fatal("first request refused")
	}
	// 200 times the cap is enough to show the bound; more only costs time.
	for i := range 200_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if release, ok := lm.admit(a); ok && release != nil {
			release()
		}
	}
	if n := lm.clients.len(); n > 1000+lruShards {
		t.Errorf("%d clients tracked, want at most about 1000", n)
	}
	if _, ok := lm.admit(busy); ok {
		t.Error("the busy client was forgotten: its second concurrent request passed")
	}
	done()
}

// BenchmarkTrafficLimiterDistinct measures admitting requests from ever
// new addresses, the worst case for the bounded store.
func BenchmarkTrafficLimiterDistinct(b *testing.B) {
	lm := newLimiter(&RateLimit{RPS: 10, MaxClients: 10_000}, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		lm.admit(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
}
