package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestEWMAObserve(t *testing.T) {
	ms := float64(time.Millisecond)
	sec := int64(time.Second)
	for _, tt := range []struct {
		name    string
		samples []float64 // one per second, from t=1s
		at      int64     // when the score is taken
		want    float64   // score with nothing in flight, in ms
	}{
		{"one sample", []float64{10 * ms}, 1 * sec, 10},
		{"a peak replaces the average at once", []float64{10 * ms, 50 * ms}, 2 * sec, 50},
		// Mixed with weight e^(-1/10) for the old cost.
		{"a faster sample lowers it slowly", []float64{50 * ms, 10 * ms}, 2 * sec, 50*0.904837 + 10*(1-0.904837)},
		{"idle costs decay towards zero", []float64{10 * ms}, 11 * sec, 10 * 0.367879},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLatencies([]string{"a:1"}, time.Second)
			for i, s := range tt.samples {
				l.eps[0].observe(s, int64(i+1)*sec)
			}
			if got := l.score(0, tt.at) / ms; got < tt.want*0.999 || got > tt.want*1.001 {
				t.Errorf("score = %.3fms, want %.3fms", got, tt.want)
			}
		})
	}
	t.Run("requests in flight multiply the cost", func(t *testing.T) {
		l := newLatencies([]string{"a:1"}, time.Second)
		l.eps[0].observe(10*ms, sec)
		l.eps[0].inflight.Add(3)
		if got := l.score(0, sec) / ms; got != 40 {
			t.Errorf("score with 3 in flight = %.3fms, want 40ms", got)
		}
	})
	t.Run("an unmeasured endpoint is free until busy", func(t *testing.T) {
		l := newLatencies([]string{"a:1"}, time.Second)
		if got := l.score(0, sec); got != 0 {
			t.Errorf("idle unmeasured score = %v, want 0", got)
		}
		l.eps[0].inflight.Add(1)
		if got := l.score(0, sec); got < float64(time.Minute) {
			t.Errorf("busy unmeasured score = %v, want a penalty", time.Duration(got))
		}
	})
}

func TestEWMAPick(t *testing.T) {
	l := newLatencies([]string{"a:1", "b:1", "c:1"}, time.Second)
	now := clock()
	l.eps[0].observe(float64(time.Millisecond), now)
	l.eps[1].observe(float64(100*time.Millisecond), now)
	l.eps[2].observe(float64(100*time.Millisecond), now)
	count := make([]int, 3)
	for range 3000 {
		count[l.pick(nil)]++
	}
	// a wins whenever it is drawn, 2 draws in 3; b and c split the rest.
	if count[0] < 1800 || count[0] > 2200 {
		t.Errorf("picks %v, want about 2000 for the fast endpoint", count)
	}
	skipA := func(i int) bool { return i == 0 }
	for range 100 {
		if i := l.pick(skipA); i == 0 {
			t.Fatal("pick returned a skipped endpoint")
		}
	}
	if i := l.pick(func(int) bool { return true }); i != -1 {
		t.Errorf("pick with every endpoint skipped = %d, want -1", i)
	}
}

// TestEWMAPrefersFastEndpoint sends requests through the handler to a fast
// and a slow endpoint, then with several in flight at once. The slow one
// takes 200ms, so that a scheduling stall of the fast one on a loaded
// machine (its peak counts at once, for seconds) does not turn the tables.
func TestEWMAPrefersFastEndpoint(t *testing.T) {
	fast := newBackend(t, "fast")
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		echoHandler("slow").ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	up := upstreamOf("web", fast, slow)
	up.Balance = EWMA
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	count := map[string]int{}
	for range 50 {
		w := serve(h, httptest.NewRequest("GET", "/", nil))
		count[decode(t, w.Body.Bytes()).Backend]++
	}
	// Round robin would give 25 each; the slow endpoint is measured once,
	// then avoided.
	if count["fast"] < 45 {
		t.Errorf("50 sequential requests went %v, want at least 45 to the fast endpoint", count)
	}

	// Concurrent requests: the in-flight count spreads them, but the fast
	// endpoint still takes most.
	results := make(chan []byte, 50)
	for range 10 {
		go func() {
			for range 5 {
				results <- serve(h, httptest.NewRequest("GET", "/", nil)).Body.Bytes()
			}
		}()
	}
	count = map[string]int{}
	for range 50 {
		count[decode(t, <-results).Backend]++
	}
	if count["fast"] < 40 {
		t.Errorf("50 concurrent requests went %v, want at least 40 to the fast endpoint", count)
	}
}

// TestEWMAAvoidsFailingEndpoint checks that an endpoint that refuses
// connections at once does not look fast.
func TestEWMAAvoidsFailingEndpoint(t *testing.T) {
	good := newBackend(t, "good")
	up := &Upstream{Name: "web", Endpoints: []string{deadEndpoint(t), addr(good)}}
	up.Balance = EWMA
	h, _ := newHandler(t, Config{Table: newTable(t, prefix("", "/", &Route{Upstream: up}))})
	failed := 0
	for range 50 {
		if w := serve(h, httptest.NewRequest("GET", "/", nil)); w.Code != 200 {
			failed++
		}
	}
	if failed > 2 {
		t.Errorf("%d of 50 requests went to the dead endpoint, want at most 2", failed)
	}
}
