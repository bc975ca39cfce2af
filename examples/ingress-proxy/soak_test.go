package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The soak test is opt-in: it runs for minutes, so plain `go test` skips
// it. Run it with
//
//	go test ./examples/ingress-proxy -run TestSoak -soak -v
//
// and shorten it with -soak-requests.
var (
	soak          = flag.Bool("soak", false, "run TestSoak")
	soakRequests  = flag.Int("soak-requests", 1_000_000, "requests TestSoak sends")
	soakDuration  = flag.Duration("soak-duration", 30*time.Minute, "the longest TestSoak may run; it fails if the requests are not all sent by then")
	soakReload    = flag.Duration("soak-reload", 2*time.Second, "how often TestSoak reloads the manifests")
	soakClients   = flag.Int("soak-clients", 32, "concurrent keep-alive clients in TestSoak")
	soakRSSGrowth = flag.Int64("soak-rss-growth", 64<<20, "how many bytes the resident set may grow from after the warm-up to the end of TestSoak (the race detector grows its own memory: raise it under -race)")
)

// webIngressYAML is the soak test's manifest; SERVICE names the backend.
const webIngressYAML = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: SERVICE, port: {number: 80}}}
`

// procStats are the process-wide counts TestSoak watches.
type procStats struct {
	goroutines int
	fds        int
	rss        int64 // bytes
}

func (s procStats) String() string {
	return fmt.Sprintf("%d goroutines, %d fds, RSS %.1f MiB", s.goroutines, s.fds, float64(s.rss)/(1<<20))
}

// readProcStats counts goroutines, open file descriptors (/proc/self/fd)
// and the resident set (VmRSS in /proc/self/status).
func readProcStats(tb testing.TB) procStats {
	tb.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatalf("counting file descriptors: %v", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatalf("reading the resident set: %v", err)
	}
	var rss int64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			rss = kb << 10
		}
	}
	return procStats{goroutines: runtime.NumGoroutine(), fds: len(fds), rss: rss}
}

// settle waits, for at most 10 seconds, until the goroutine and file
// descriptor counts are back within slack of base: connections and their
// goroutines end a little after the load does.
func settle(tb testing.TB, base procStats, slack int) procStats {
	tb.Helper()
	var now procStats
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		runtime.GC()
		now = readProcStats(tb)
		if now.goroutines <= base.goroutines+slack && now.fds <= base.fds+slack {
			break
		}
	}
	return now
}

// TestSoak pushes -soak-requests requests through the serving mode from
// -soak-clients keep-alive clients on loopback, reloading the manifests
// every -soak-reload (each reload switches the route between two
// backends), and checks that no request fails, every reload succeeds, and
// the process ends where it started: goroutines and file descriptors back
// to their count after the warm-up (within a small slack), the resident
// set within -soak-rss-growth of it.
func TestSoak(t *testing.T) {
	if !*soak {
		t.Skip("opt-in: run with -soak (see the comment on the flags)")
	}
	backends := make([]*httptest.Server, 2)
	for i := range backends {
		backends[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}))
		defer backends[i].Close()
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "web.yaml")
	writeIngress(t, file, "blue")
	reload := make(chan struct{}, 1)
	addrs, stderr, stop := startServe(t, []string{
		"-f", dir, "-listen", "127.0.0.1:0", "-watch-interval", "0", "-access-log=false",
		"-backend", "default/blue:80=" + backends[0].URL, "-backend", "default/green:80=" + backends[1].URL,
	}, reload)
	url := addrs["http"] + "/soak"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *soakClients}, Timeout: 30 * time.Second}
	// Counts are taken with every connection closed (see closeConns); the
	// slack covers goroutines of the test itself that come and go.
	const slack = 4
	closeConns := func() {
		client.CloseIdleConnections()
		for _, be := range backends {
			be.CloseClientConnections() // the proxy's idle pool empties too
		}
	}

	var sent, failed atomic.Int64
	var failures sync.Map // first few distinct failures, for the report
	get := func() {
		res, err := client.Get(url)
		if err == nil {
			var body []byte
			body, err = io.ReadAll(res.Body)
			res.Body.Close()
			if err == nil && (res.StatusCode != 200 || !bytes.Equal(body, []byte("ok"))) {
				err = fmt.Errorf("status %d, body %q", res.StatusCode, body)
			}
		}
		if err != nil {
			failed.Add(1)
			failures.LoadOrStore(err.Error(), true)
		}
	}
	run := func(ctx context.Context, n int64) {
		var wg sync.WaitGroup
		for range *soakClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil && sent.Add(1) <= n {
					get()
				}
			}()
		}
		wg.Wait()
	}

	// Reload every -soak-reload from now on, switching the route between
	// the backends, until the load is over.
	loadCtx, endLoad := context.WithCancel(context.Background())
	defer endLoad()
	var reloads atomic.Int32
	reloaderDone := make(chan struct{})
	go func() {
		defer close(reloaderDone)
		tick := time.NewTicker(*soakReload)
		defer tick.Stop()
		for {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
				n := reloads.Add(1)
				yaml := strings.ReplaceAll(webIngressYAML, "SERVICE", []string{"blue", "green"}[n%2])
				if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
					failures.LoadOrStore("writing the manifest: "+err.Error(), true)
				}
				reload <- struct{}{} // the server takes it at once
			}
		}
	}()

	// Warm up across a few reloads, so that connections, pools and caches
	// reach their working size for both backends; then measure with the
	// clients' idle connections closed, as at the end.
	warm, endWarm := context.WithTimeout(loadCtx, 3**soakReload+time.Second)
	run(warm, math.MaxInt64)
	endWarm()
	closeConns()
	base := settle(t, readProcStats(t), 0)
	t.Logf("after the warm-up (%d requests, %d reloads): %v", sent.Load(), reloads.Load(), base)
	sent.Store(0)
	failed.Store(0)
	reloadsBefore := reloads.Load()

	ctx, cancel := context.WithTimeout(loadCtx, *soakDuration)
	defer cancel()
	peak := base
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		for ctx.Err() == nil {
			if s := readProcStats(t); s.rss > peak.rss {
				peak.rss = s.rss
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	start := time.Now()
	run(ctx, int64(*soakRequests))
	took := time.Since(start)
	timedOut := ctx.Err() != nil
	cancel()
	endLoad()
	<-reloaderDone
	<-samplerDone
	closeConns()
	end := settle(t, base, slack)
	reloaded := int(reloads.Load() - reloadsBefore)

	done := min(sent.Load(), int64(*soakRequests))
	t.Logf("%d requests in %v (%.0f/s) with %d reloads; %d failed", done, took.Round(time.Second), float64(done)/took.Seconds(), reloaded, failed.Load())
	t.Logf("at the end: %v; peak RSS %.1f MiB", end, float64(peak.rss)/(1<<20))
	if timedOut {
		t.Errorf("only %d of %d requests sent within -soak-duration %v", done, *soakRequests, *soakDuration)
	}
	if n := failed.Load(); n > 0 {
		failures.Range(func(k, _ any) bool { t.Errorf("failure: %v", k); return true })
		t.Errorf("%d of %d requests failed", n, done)
	}
	if got, want := strings.Count(stderr.String(), "msg=reloaded"), int(reloads.Load()); got < want-1 {
		t.Errorf("%d reloads logged as done, of %d triggered:\n%s", got, want, stderr.String())
	}
	if strings.Contains(stderr.String(), "reload failed") {
		t.Errorf("a reload failed:\n%s", stderr.String())
	}
	if end.goroutines > base.goroutines+slack || end.fds > base.fds+slack {
		t.Errorf("goroutines %d -> %d, file descriptors %d -> %d: want no growth", base.goroutines, end.goroutines, base.fds, end.fds)
	}
	if growth := end.rss - base.rss; growth > *soakRSSGrowth {
		t.Errorf("resident set grew by %.1f MiB, more than -soak-rss-growth %.1f MiB", float64(growth)/(1<<20), float64(*soakRSSGrowth)/(1<<20))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
