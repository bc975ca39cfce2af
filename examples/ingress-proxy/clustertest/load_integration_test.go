//go:build integration

package clustertest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// loadWorkers is how many requests a load has in flight at once.
const loadWorkers = 4

// load sends requests for one host and path to the replicas in turn from a
// few workers until stopped, for at most maxDuration and at most
// maxRequests requests in all. A request fails unless an echo backend
// answers it with 200.
type load struct {
	budget   atomic.Int64 // requests left to send
	sent     atomic.Int64
	failures atomic.Int64
	mu       sync.Mutex
	firstErr string
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(replicas []*replica, host, path string, maxRequests int64, maxDuration time.Duration) *load {
	l := &load{stop: make(chan struct{})}
	l.budget.Store(maxRequests)
	deadline := time.Now().Add(maxDuration)
	for w := range loadWorkers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := w; l.budget.Add(-1) >= 0 && time.Now().Before(deadline); i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				r := replicas[i%len(replicas)]
				a, err := r.get(host, path)
				l.sent.Add(1)
				if err == nil && (a.status != 200 || a.backend == "") {
					err = fmt.Errorf("answer %v, want 200 from an echo backend", a)
				}
				if err != nil && l.failures.Add(1) == 1 {
					l.mu.Lock()
					l.firstErr = fmt.Sprintf("%s at %s: %v", r.name, time.Now().Format(time.RFC3339Nano), err)
					l.mu.Unlock()
				}
			}
		}()
	}
	return l
}

// finish stops the load and returns how many requests were sent and how
// many failed, with the first failure.
func (l *load) finish() (sent, failures int64, first string) {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent.Load(), l.failures.Load(), l.firstErr
}
