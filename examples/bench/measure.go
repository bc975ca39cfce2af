package main

import (
	"context"
	"fmt"
	"log"
	"time"
)

// runOptions are the measurement settings of one harness run.
type runOptions struct {
	Duration     time.Duration // each closed-loop run
	OpenDuration time.Duration // the open-loop run
	Warmup       time.Duration
	Rounds       int   // closed-loop runs per proxy and concurrency; the best counts
	OpenRounds   int   // open-loop runs per proxy; the lowest p99 counts
	Conns        []int // closed-loop concurrencies
	OpenConns    int   // connections available to the open loop
	RateScale    float64
	UseWrk       bool
}

// statConns is the concurrency whose run gives the CPU figures and the
// ratios in the report.
const statConns = 32

// measurement is what one proxy did in one scenario.
type measurement struct {
	Proxy   string
	Skipped string // why it did not run
	Err     string // why it failed

	Closed  map[int]*loadResult // the best round, by connections
	Failed  uint64              // failed requests over every round and the open loop
	Open    *loadResult
	Rate    int           // the open loop's request rate
	CPU10k  float64       // proxy CPU seconds per 10,000 requests at statConns
	Busy    float64       // proxy CPU time / wall time at statConns
	Other   float64       // the rest of the proxy core's busy time / wall time (-1: unknown)
	HWMkB   int64         // peak RSS over the scenario
	Ready   time.Duration // start until the first answer
	Loadgen string        // "wrk" or "built-in"
}

// runner measures scenarios.
type runner struct {
	e    *env
	opts runOptions
}

// scenario measures every proxy kind on sc. All of them are started first
// and stay up while the closed-loop runs take turns, proxy after proxy,
// Rounds times over; each proxy's best round counts. On a shared machine
// a burst of someone else's work then slows one round of every proxy
// instead of every round of one, and the ratios stay fair. Failures are
// recorded in the measurement, so one broken proxy does not end the run.
func (r *runner) scenario(ctx context.Context, kinds []proxyKind, sc *scenario) []*measurement {
	ms := make([]*measurement, len(kinds))
	ins := make([]*instance, len(kinds))
	defer func() {
		for _, in := range ins {
			if in != nil {
				in.Stop()
			}
		}
	}()
	for i, k := range kinds {
		ms[i] = &measurement{Proxy: k.Name, Closed: map[int]*loadResult{}, Skipped: k.Skip}
		if k.Skip != "" {
			continue
		}
		in, err := startInstance(ctx, r.e, k, sc)
		if err != nil {
			ms[i].Err = err.Error()
			log.Printf("  %s failed: %s", k.Name, ms[i].Err)
			continue
		}
		ins[i], ms[i].Ready = in, in.Ready
		if r.opts.Warmup > 0 {
			runClosed(ctx, clientSpec(r.e, sc, in), statConns, r.opts.Warmup)
		}
	}
	fail := func(i int, err error) {
		ms[i].Err = err.Error()
		if ins[i].Proc != nil {
			ms[i].Err += "\n" + ins[i].Proc.LogTail(10)
		}
		log.Printf("  %s failed: %s", ins[i].Name, ms[i].Err)
		ins[i].Stop()
		ins[i] = nil
	}
	for _, conns := range r.opts.Conns {
		for range r.opts.Rounds {
			for i, in := range ins {
				if in == nil || ctx.Err() != nil {
					continue
				}
				if err := r.closedRound(ctx, sc, in, conns, ms[i]); err != nil {
					fail(i, err)
				}
			}
		}
		for i, in := range ins {
			if in != nil && ms[i].Closed[conns] != nil {
				log.Printf("  %-10s c=%-3d %9.0f req/s", in.Name, conns, ms[i].Closed[conns].Rate())
			}
		}
	}
	// The open loop takes turns too; the round with the lowest p99 counts,
	// since interference from outside only ever adds latency.
	for range r.opts.OpenRounds {
		for i, in := range ins {
			if in == nil || ctx.Err() != nil {
				continue
			}
			m := ms[i]
			m.Rate = max(1, int(float64(sc.Rate)*r.opts.RateScale))
			res := runOpen(ctx, clientSpec(r.e, sc, in), m.Rate, r.opts.OpenConns, r.opts.OpenDuration)
			m.Failed += res.Failed()
			if m.Open == nil || res.Latency.Quantile(0.99) < m.Open.Latency.Quantile(0.99) {
				m.Open = res
			}
		}
	}
	for i, in := range ins {
		if in == nil {
			continue
		}
		m := ms[i]
		if m.Open != nil {
			log.Printf("  %-10s open loop %d/s: p50 %v p99 %v p99.9 %v", in.Name, m.Rate,
				m.Open.Latency.Quantile(0.50), m.Open.Latency.Quantile(0.99), m.Open.Latency.Quantile(0.999))
		}
		if u, err := r.usage(in); err == nil {
			m.HWMkB = u.HWMkB
		}
	}
	return ms
}

// sample is a reading of the proxy's CPU time and its core's busy time.
type sample struct {
	at     time.Time
	cpu    time.Duration
	core   uint64 // busy ticks of the proxy's core
	coreOK bool
	err    error
}

func (r *runner) sample(in *instance) sample {
	s := sample{at: time.Now()}
	u, err := r.usage(in)
	s.cpu, s.err = u.CPU, err
	busy, _, err := coreTicks(r.e.ProxyCore)
	s.core, s.coreOK = busy, err == nil
	return s
}

// closedRound runs one closed loop against in and keeps it in m if it is
// the best round so far at that concurrency. CPU is read when the
// built-in generator's clock starts and stops (connection setup is not
// counted); around the whole run for wrk.
func (r *runner) closedRound(ctx context.Context, sc *scenario, in *instance, conns int, m *measurement) error {
	var s0, s1 sample
	clocked := false
	spec := clientSpec(r.e, sc, in)
	spec.OnClock = func(start bool) {
		if start {
			s0 = r.sample(in)
		} else {
			s1, clocked = r.sample(in), true
		}
	}
	outer := r.sample(in)
	res, gen, err := r.closed(ctx, sc, spec, conns)
	if err != nil {
		return fmt.Errorf("%d connections: %w", conns, err)
	}
	if !clocked {
		s0, s1 = outer, r.sample(in)
	}
	for _, s := range []sample{s0, s1} {
		if s.err != nil {
			return s.err
		}
	}
	m.Loadgen = gen
	if res.Failed() > 0 {
		log.Printf("  %s, %d connections: %d failed (%s)", in.Name, conns, res.Failed(), res.FirstErr)
	}
	m.Failed += res.Failed()
	if best := m.Closed[conns]; best != nil && best.Rate() >= res.Rate() {
		return nil
	}
	m.Closed[conns] = res
	if conns == statConns && in.Proc != nil && res.OK > 0 {
		cpu := (s1.cpu - s0.cpu).Seconds()
		wall := s1.at.Sub(s0.at).Seconds()
		m.CPU10k = cpu / float64(res.OK) * 10000
		m.Busy = cpu / wall
		m.Other = -1
		if s0.coreOK && s1.coreOK {
			coreBusy := float64(s1.core-s0.core) / clockTicks
			m.Other = max(0, coreBusy-cpu) / wall
		}
	}
	return nil
}

// closed runs one closed loop with wrk when it is there and can do the
// scenario (not WebSocket), else with the built-in generator.
func (r *runner) closed(ctx context.Context, sc *scenario, spec *loadSpec, conns int) (*loadResult, string, error) {
	if r.opts.UseWrk && !sc.WebSocket {
		res, err := wrkRun(ctx, r.e.WrkBin, r.e.Dir, r.e.LoadCore, spec, conns, r.opts.Duration)
		return res, "wrk", err
	}
	return runClosed(ctx, spec, conns, r.opts.Duration), "built-in", nil
}

// usage reads the proxy's CPU time and peak RSS; zero for "no proxy".
func (r *runner) usage(in *instance) (groupUsage, error) {
	if in.Proc == nil {
		return groupUsage{}, nil
	}
	u, err := readGroupUsage(in.Proc.Pid())
	if err != nil {
		return u, fmt.Errorf("%s: %w\n%s", in.Name, err, in.Proc.LogTail(10))
	}
	return u, nil
}
