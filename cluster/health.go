package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// health tracks whether the apiserver answers. The informers notice a
// broken watch at once and re-list by themselves when the apiserver is
// back; the probe notices that it is back, and that it is gone while no
// watch happens to be failing.
type health struct {
	mu          sync.Mutex
	unreachable bool
	since       time.Time
	lastErr     error
}

// Health is the state of a Source, for readiness endpoints and logs.
type Health struct {
	// Ready is Source.Ready: synced, and the first set handed over.
	Ready bool
	// Leader is Source.Leader.
	Leader bool
	// Reachable is false from a failed watch or probe of the apiserver
	// until a probe succeeds again. The last table keeps serving
	// meanwhile.
	Reachable bool
	// Since is when Reachable last changed; zero if it never did.
	Since time.Time
	// Err is the last error while unreachable.
	Err error
}

// String renders h in one line, as /readyz shows it.
func (h Health) String() string {
	state := "syncing"
	if h.Ready {
		state = "ready"
	}
	if !h.Reachable {
		serving := " (serving the last routing table)"
		if !h.Ready {
			serving = ""
		}
		state += fmt.Sprintf("; apiserver unreachable since %s%s: %v", h.Since.UTC().Format(time.RFC3339), serving, h.Err)
	}
	if h.Leader {
		state += "; leader"
	}
	return state
}

// Health returns the Source's state.
func (s *Source) Health() Health {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return Health{Ready: s.Ready(), Leader: s.Leader(), Reachable: !s.health.unreachable, Since: s.health.since, Err: s.health.lastErr}
}

// watchFailed is the watch error handler of every informer.
func (h *health) watchFailed(s *Source, what string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = err
	if h.unreachable {
		return
	}
	h.unreachable, h.since = true, time.Now()
	s.logger.Warn("cluster: apiserver unreachable; serving the last routing table, watches resume when it is back", "watch", what, "err", err)
}

// probe asks the apiserver for its version every ProbeInterval until ctx
// is done, and records the answers.
func (h *health) probe(ctx context.Context, s *Source) {
	t := time.NewTicker(s.cfg.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := ping(ctx, s)
		if ctx.Err() != nil {
			return
		}
		h.mu.Lock()
		switch {
		case err != nil && !h.unreachable:
			h.unreachable, h.since, h.lastErr = true, time.Now(), err
			s.logger.Warn("cluster: apiserver unreachable; serving the last routing table", "err", err)
		case err != nil:
			h.lastErr = err
		case h.unreachable:
			s.logger.Info("cluster: apiserver reachable again; watches resume", "after", time.Since(h.since).Round(time.Second))
			h.unreachable, h.since, h.lastErr = false, time.Now(), nil
		}
		h.mu.Unlock()
	}
}

// ping asks the apiserver for /readyz, which every client may read (the
// system:public-info-viewer role), with a deadline; a fake clientset has
// no REST client, and is asked for its version instead.
func ping(ctx context.Context, s *Source) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProbeInterval)
	defer cancel()
	rc := s.cfg.Client.Discovery().RESTClient()
	if rc == nil {
		_, err := s.cfg.Client.Discovery().ServerVersion()
		return err
	}
	return rc.Get().AbsPath("/readyz").Do(ctx).Error()
}
