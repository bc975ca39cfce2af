package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// report is everything one run measured, written as Markdown.
type report struct {
	Command   string
	Started   time.Time
	Took      time.Duration
	Machine   machine
	Opts      runOptions
	Scenarios []*scenario
	Results   map[string][]*measurement // by scenario name, in proxy order
	Reloads   []*reloadResult
	ReloadOpt reloadOptions
	Profile   string // Markdown of the profiling section, if run
	Notes     []string
	// LoadAvgEnd is /proc/loadavg when the measurements ended.
	LoadAvgEnd string
}

// write renders the report.
func (r *report) write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("# ingressmux benchmark results")
	p("")
	p("Command: `%s` (started %s, took %v).", r.Command, r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Took.Round(time.Second))
	p("")
	p("Machine: %s, %d cores, %.0f GiB; Linux %s; %s; %s; caddy %s; load generator: %s. Load average (1, 5, 15 min) at start: %s; at the end: %s.",
		m.CPU, m.Cores, m.MemGiB, m.Kernel, m.Go, m.Nginx, m.Caddy, r.loadgen(), m.LoadAvg, r.LoadAvgEnd)
	p("Pinning: %s.", m.Pinning)
	p("")
	p("Closed loops: %d rounds of %v per proxy and concurrency, taking turns proxy after proxy; the best round counts. "+
		"Open loop: %d rounds of a fixed rate for %v over up to %d connections, latency measured from each request's scheduled time; the round with the lowest p99 counts. "+
		"Ratios compare proxies within this run only. The machine is shared: other work ran on it at the same time, so absolute numbers move between runs; ratios move less.",
		r.Opts.Rounds, r.Opts.Duration, r.Opts.OpenRounds, r.Opts.OpenDuration, r.Opts.OpenConns)
	for _, n := range r.Notes {
		p("")
		p("> %s", n)
	}
	r.writeSummary(w)
	for _, sc := range r.Scenarios {
		r.writeScenario(w, sc)
	}
	r.writeReloads(w)
	if r.Profile != "" {
		p("")
		p("%s", r.Profile)
	}
}

func (r *report) loadgen() string {
	if r.Opts.UseWrk {
		return r.Machine.Wrk + " for closed loops (built-in for WebSocket), built-in for the open loop"
	}
	return "built-in (see README for wrk)"
}

// at32 returns the req/s of m at statConns, 0 when it did not run.
func at32(m *measurement) float64 {
	if m == nil || m.Skipped != "" || m.Err != "" || m.Closed[statConns] == nil {
		return 0
	}
	return m.Closed[statConns].Rate()
}

func find(ms []*measurement, name string) *measurement {
	for _, m := range ms {
		if m.Proxy == name {
			return m
		}
	}
	return nil
}

func (r *report) writeSummary(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	names := r.proxyNames()
	p("")
	p("## Throughput at %d connections (req/s)", statConns)
	p("")
	p("| scenario | %s | ingressmux × nginx | ingressmux × bare Go | per CPU second: ingressmux × nginx | × bare Go |", strings.Join(names, " | "))
	p("|---|%s---:|---:|---:|---:|", strings.Repeat("---:|", len(names)))
	for _, sc := range r.Scenarios {
		ms := r.Results[sc.Name]
		cells := make([]string, len(names))
		for i, n := range names {
			cells[i] = rateCell(find(ms, n))
		}
		imx := find(ms, nameIngressmux)
		im := at32(imx)
		p("| %s | %s | %s | %s | %s | %s |", sc.Name, strings.Join(cells, " | "),
			ratio(im, at32(find(ms, nameNginx))), ratio(im, at32(find(ms, nameBare))),
			ratio(perCPU(imx), perCPU(find(ms, nameNginx))), ratio(perCPU(imx), perCPU(find(ms, nameBare))))
	}
}

// proxyNames lists the proxies of the first scenario, which every
// scenario runs in the same order.
func (r *report) proxyNames() []string {
	if len(r.Scenarios) == 0 {
		return nil
	}
	var names []string
	for _, m := range r.Results[r.Scenarios[0].Name] {
		names = append(names, m.Proxy)
	}
	return names
}

func rateCell(m *measurement) string {
	switch {
	case m == nil:
		return ""
	case m.Skipped != "":
		return "skipped"
	case m.Err != "":
		return "failed"
	}
	return fmtRate(at32(m))
}

func (r *report) writeScenario(w io.Writer, sc *scenario) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	ms := r.Results[sc.Name]
	p("")
	p("## %s: %s", sc.Name, sc.Title)
	p("")
	conns := make([]string, len(r.Opts.Conns))
	for i, c := range r.Opts.Conns {
		conns[i] = fmt.Sprintf("req/s c=%d", c)
	}
	rate := 0
	for _, m := range ms {
		rate = max(rate, m.Rate)
	}
	p("| proxy | %s | ×nginx | ×bare Go | p50 | p99 | p99.9 | p99 ×bare | CPU s / 10k req | per CPU ×nginx | per CPU ×bare Go | proxy core: proxy / other | peak RSS | failed |", strings.Join(conns, " | "))
	p("|---|%s---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", strings.Repeat("---:|", len(conns)))
	nginx, bare := find(ms, nameNginx), find(ms, nameBare)
	for _, m := range ms {
		if m.Open == nil && m.Skipped == "" && m.Err == "" {
			m.Err = "did not finish"
		}
		if m.Skipped != "" || m.Err != "" {
			why := m.Skipped
			if why == "" {
				why = "failed: " + firstLine(m.Err)
			}
			p("| %s | %s |%s", m.Proxy, why, strings.Repeat(" |", len(conns)+12))
			continue
		}
		cells := []string{m.Proxy}
		for _, c := range r.Opts.Conns {
			cells = append(cells, fmtRate(m.Closed[c].Rate()))
		}
		cells = append(cells, ratio(at32(m), at32(nginx)), ratio(at32(m), at32(bare)))
		h := m.Open.Latency
		cells = append(cells, fmtDur(h.Quantile(0.5)), fmtDur(h.Quantile(0.99)), fmtDur(h.Quantile(0.999)))
		cells = append(cells, ratio(h.Quantile(0.99).Seconds(), p99(bare)))
		if m.Busy > 0 {
			other := "?"
			if m.Other >= 0 {
				other = fmt.Sprintf("%.0f %%", 100*m.Other)
			}
			cells = append(cells, fmt.Sprintf("%.3f", m.CPU10k), ratio(perCPU(m), perCPU(nginx)), ratio(perCPU(m), perCPU(bare)),
				fmt.Sprintf("%.0f %% / %s", 100*m.Busy, other), fmt.Sprintf("%.1f MiB", float64(m.HWMkB)/1024))
		} else {
			cells = append(cells, "–", "–", "–", "–", "–")
		}
		cells = append(cells, fmt.Sprint(m.Failed))
		p("| %s |", strings.Join(cells, " | "))
	}
	p("")
	p("Latency: open loop at %d req/s (messages/s for WebSocket). CPU columns: the proxy's processes over the best %d-connection round; "+
		"\"per CPU\" compares requests per CPU second, which holds even when the load side or other work on the machine limited the throughput. "+
		"Proxy core: share of the wall time the proxy ran / the rest of that core's busy time (other processes, interrupts); under 100 %% with little other work means the load side was the limit.", rate, statConns)
}

// perCPU returns requests per CPU second at statConns, 0 when unknown.
func perCPU(m *measurement) float64 {
	if m == nil || m.CPU10k <= 0 || m.Skipped != "" || m.Err != "" {
		return 0
	}
	return 10000 / m.CPU10k
}

func p99(m *measurement) float64 {
	if m == nil || m.Open == nil {
		return 0
	}
	return m.Open.Latency.Quantile(0.99).Seconds()
}

func (r *report) writeReloads(w io.Writer) {
	if len(r.Reloads) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	o := r.ReloadOpt
	p("")
	p("## Reloads")
	p("")
	p("Load: start of the process until the first request is answered, with %d Ingress rules (ingressmux: %d Ingress objects in one YAML file). "+
		"Change: one Ingress's path changed (ingressmux: its file rewritten; nginx: nginx.conf regenerated), SIGHUP sent, until a request for the new path is answered; %d changes, median and max. "+
		"The Mux.Apply row loads the same manifests into a Mux in the benchmark's own process and changes the Ingress through the object-change API (no file, no signal), from the call until a request for the new path is answered. "+
		"Under load: %d changes applied one after another (each waited for) on a %d-rule table while %d connections sent requests in a closed loop to the other rules.",
		o.BigHosts*manyPaths, o.BigHosts*manyPaths, o.Changes, o.Reloads, o.LoadHosts*manyPaths, o.LoadConns)
	p("")
	p("| proxy | load %d rules | apply one change (median / max) | ingress-proxy's own reload time | reloads under load | requests | failed (non-2xx / errors) | changes not served |", o.BigHosts*manyPaths)
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, rr := range r.Reloads {
		if rr.Skipped != "" || rr.Err != "" {
			why := rr.Skipped
			if why == "" {
				why = "failed: " + firstLine(rr.Err)
			}
			p("| %s | %s | | | | | | |", rr.Proxy, why)
			continue
		}
		apply := "–"
		if len(rr.Apply) > 0 {
			apply = fmtDur(medianDuration(rr.Apply)) + " / " + fmtDur(maxDuration(rr.Apply))
		}
		own := rr.ServerRep
		if own == "" {
			own = "–"
		}
		load := rr.Load
		if load == nil {
			load = &loadResult{Latency: new(histogram)}
		}
		p("| %s | %s | %s | %s | %d | %d | %d (%d / %d) | %d |", rr.Proxy, fmtDur(rr.LoadTime), apply, own,
			rr.Reloads, load.OK+load.Failed(), load.Failed(), load.Non2xx, load.Errors, rr.Lost)
	}
	for _, rr := range r.Reloads {
		if rr.Load != nil && rr.Load.FirstErr != "" {
			p("")
			p("%s, first failure during reloads: `%s`", rr.Proxy, rr.Load.FirstErr)
		}
	}
}

func maxDuration(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

// ratio formats a/b as "0.87×", or "–" when either is missing.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 || math.IsNaN(a/b) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// fmtRate formats a rate with thousands separators.
func fmtRate(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fmtDur formats a duration with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.ReplaceAll(line, "|", "/")
}
