package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// reloadOptions size the reload comparison.
type reloadOptions struct {
	BigHosts   int // the table whose load and one-change times are measured
	Changes    int // one-Ingress changes timed on the big table
	LoadHosts  int // the table reloaded under load
	Reloads    int // reloads applied under load
	LoadConns  int
	VisibleMax time.Duration // a change not visible by then counts as lost
}

// reloadResult is what one proxy did in the reload comparison.
type reloadResult struct {
	Proxy   string
	Skipped string
	Err     string

	BigRules  int
	LoadTime  time.Duration   // start until the big table answers
	Apply     []time.Duration // change written and signalled until served
	ServerRep string          // ingress-proxy's own "took" for its last reload

	LoadRules int
	Reloads   int
	Lost      int         // changes never served within VisibleMax
	Load      *loadResult // the traffic during the reloads
}

// changer applies version n of the one changing Ingress to a running
// proxy: it rewrites the configuration and signals the process.
type changer func(n int) error

// reloadScenario is a scenario with hosts×5 rules plus the changing route
// at version 0 (nginx) or without it (ingressmux reads it from its own
// file, written before start).
func reloadScenario(hosts int, withChange bool) *scenario {
	routes := manyRoutes(hosts)
	targets := spread(routes)
	if withChange {
		routes = append(routes, routeSpec{Host: changeHost, Path: "/v0"})
	}
	return &scenario{Name: fmt.Sprintf("reload-%d", hosts*manyPaths), Routes: routes, Targets: targets}
}

// startReloadable starts kind with hosts×5 rules and returns the changer
// for it.
func startReloadable(ctx context.Context, e *env, kind proxyKind, hosts int) (*instance, changer, error) {
	switch kind.Name {
	case nameIngressmux:
		sc := reloadScenario(hosts, false)
		dir := instanceDir(e, sc, kind)
		o := manifestOptions{}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		if err := writeChange(dir, 0, o); err != nil {
			return nil, nil, err
		}
		in, err := startInstance(ctx, e, kind, sc)
		if err != nil {
			return nil, nil, err
		}
		return in, func(n int) error {
			if err := writeChange(dir, n, o); err != nil {
				return err
			}
			return in.Proc.Signal(syscall.SIGHUP)
		}, nil
	case nameNginx:
		sc := reloadScenario(hosts, true)
		in, err := startInstance(ctx, e, kind, sc)
		if err != nil {
			return nil, nil, err
		}
		return in, func(n int) error {
			sc.Routes[len(sc.Routes)-1].Path = fmt.Sprintf("/v%d", n)
			c := nginxConfig{Dir: in.Dir, Listen: in.Addr, BackendAddr: e.Backend.HTTPAddr, Routes: sc.Routes}
			if os.Geteuid() == 0 {
				c.User = "root"
			}
			if err := os.WriteFile(filepath.Join(in.Dir, "nginx.conf"), []byte(nginxConf(c)), 0o644); err != nil {
				return err
			}
			return in.Proc.Signal(syscall.SIGHUP)
		}, nil
	}
	return nil, nil, fmt.Errorf("no reload support for %s", kind.Name)
}

// apply applies version n and waits until a request for it is answered.
func apply(spec *loadSpec, change changer, n int, limit time.Duration) (time.Duration, error) {
	probeSpec := *spec
	probeSpec.Targets = []target{{Host: changeHost, Path: fmt.Sprintf("/v%d/item", n)}}
	start := time.Now()
	if err := change(n); err != nil {
		return 0, err
	}
	for time.Since(start) < limit {
		if probe(&probeSpec, probeSpec.Targets) == nil {
			return time.Since(start), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("version %d not served after %v", n, limit)
}

// measureReload runs the reload comparison for one proxy: the big
// table's load time and one-change times without traffic, then reloads
// under a closed-loop load on a smaller table, counting failed requests.
func measureReload(ctx context.Context, e *env, kind proxyKind, o reloadOptions) *reloadResult {
	res := &reloadResult{Proxy: kind.Name}
	if kind.Skip != "" {
		res.Skipped = kind.Skip
		return res
	}
	if err := reloadBig(ctx, e, kind, o, res); err != nil {
		res.Err = err.Error()
		return res
	}
	if err := reloadUnderLoad(ctx, e, kind, o, res); err != nil {
		res.Err = err.Error()
	}
	return res
}

func reloadBig(ctx context.Context, e *env, kind proxyKind, o reloadOptions, res *reloadResult) error {
	in, change, err := startReloadable(ctx, e, kind, o.BigHosts)
	if err != nil {
		return err
	}
	defer in.Stop()
	res.BigRules, res.LoadTime = o.BigHosts*manyPaths, in.Ready
	log.Printf("  %-10s %d rules served %v after start", kind.Name, res.BigRules, in.Ready.Round(time.Millisecond))
	spec := clientSpec(e, &scenario{}, in)
	for n := 1; n <= o.Changes && ctx.Err() == nil; n++ {
		took, err := apply(spec, change, n, o.VisibleMax)
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", kind.Name, err, in.Proc.LogTail(5))
		}
		res.Apply = append(res.Apply, took)
	}
	log.Printf("  %-10s one-Ingress change served after %v", kind.Name, res.Apply)
	if kind.Name == nameIngressmux {
		res.ServerRep = lastTook(in.Proc.LogTail(50))
	}
	return nil
}

func reloadUnderLoad(ctx context.Context, e *env, kind proxyKind, o reloadOptions, res *reloadResult) error {
	in, change, err := startReloadable(ctx, e, kind, o.LoadHosts)
	if err != nil {
		return err
	}
	defer in.Stop()
	res.LoadRules = o.LoadHosts * manyPaths
	sc := reloadScenario(o.LoadHosts, false)
	spec := clientSpec(e, sc, in)
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	done := make(chan *loadResult, 1)
	// The load is bounded by its own duration as well as by stopLoad.
	go func() { done <- runClosed(loadCtx, spec, o.LoadConns, 10*time.Minute) }()
	time.Sleep(200 * time.Millisecond)
	for n := 1; n <= o.Reloads && ctx.Err() == nil; n++ {
		if _, err := apply(spec, change, n, o.VisibleMax); err != nil {
			res.Lost++
		}
		res.Reloads++
	}
	time.Sleep(200 * time.Millisecond)
	stopLoad()
	res.Load = <-done
	log.Printf("  %-10s %d reloads under load: %d requests, %d failed (%s), %d changes lost", kind.Name,
		res.Reloads, res.Load.OK+res.Load.Failed(), res.Load.Failed(), res.Load.FirstErr, res.Lost)
	return nil
}

// instanceDir is where startInstance keeps kind's files for sc.
func instanceDir(e *env, sc *scenario, kind proxyKind) string {
	return filepath.Join(e.Dir, sc.Name, strings.ReplaceAll(kind.Name, " ", "-"))
}

var tookRE = regexp.MustCompile(`msg=reloaded .*took=(\S+)`)

// lastTook returns the duration ingress-proxy logged for its last reload.
func lastTook(logText string) string {
	m := tookRE.FindAllStringSubmatch(logText, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

// medianDuration returns the median of ds (zero when empty).
func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
