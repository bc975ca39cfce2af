package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkRun drives a closed loop with wrk (one thread, pinned to the load
// core) and returns what its done() hook printed. wrk only measures
// throughput here: its latencies come from a closed loop, and the
// percentiles in the report come from the open-loop run of the built-in
// generator.
func wrkRun(ctx context.Context, wrkPath, dir string, core int, s *loadSpec, conns int, d time.Duration) (*loadResult, error) {
	script := filepath.Join(dir, "wrk.lua")
	if err := os.WriteFile(script, []byte(wrkScript(s.Targets, s.NewConn)), 0o644); err != nil {
		return nil, err
	}
	url := "http://" + s.Addr + "/"
	if s.TLS != nil {
		// wrk sends the URL's host as the TLS server name.
		_, port, _ := strings.Cut(s.Addr, ":")
		url = "https://" + s.TLS.ServerName + ":" + port + "/"
	}
	// wrk takes whole seconds.
	secs := max(1, int(math.Round(d.Seconds())))
	logPath := filepath.Join(dir, fmt.Sprintf("wrk-c%d.log", conns))
	p, err := startProcess("wrk", core, nil, logPath, wrkPath, "-t1", fmt.Sprintf("-c%d", conns),
		fmt.Sprintf("-d%ds", secs), "--timeout", "5s", "-s", script, url)
	if err != nil {
		return nil, err
	}
	defer p.Stop(time.Second)
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Duration(secs)*time.Second + 30*time.Second):
		return nil, fmt.Errorf("wrk did not finish; its output:\n%s", p.LogTail(10))
	}
	out, err := os.ReadFile(logPath)
	if err != nil {
		return nil, err
	}
	res, err := parseWrk(string(out))
	if err != nil {
		return nil, fmt.Errorf("%w; wrk said:\n%s", err, p.LogTail(10))
	}
	return res, nil
}

// wrkScript returns the Lua script: the requests (a single static request
// when there is one target, which wrk then encodes once; a rotation over
// pre-formatted requests otherwise) and a done() hook that prints the
// counts on one line the harness parses.
func wrkScript(targets []target, closeConn bool) string {
	var b strings.Builder
	headers := `["User-Agent"] = "ingressmux-bench"`
	if closeConn {
		headers += `, ["Connection"] = "close"`
	}
	if len(targets) == 1 {
		t := targets[0]
		fmt.Fprintf(&b, "wrk.method = \"GET\"\nwrk.path = %s\n", strconv.Quote(t.Path))
		fmt.Fprintf(&b, "wrk.headers[\"Host\"] = %s\nwrk.headers[\"User-Agent\"] = \"ingressmux-bench\"\n", strconv.Quote(t.Host))
		if closeConn {
			b.WriteString("wrk.headers[\"Connection\"] = \"close\"\n")
		}
	} else {
		b.WriteString("local targets = {\n")
		for _, t := range targets {
			fmt.Fprintf(&b, "  {%s, %s},\n", strconv.Quote(t.Host), strconv.Quote(t.Path))
		}
		b.WriteString("}\nlocal reqs = {}\nlocal i = 0\n")
		fmt.Fprintf(&b, "init = function(args)\n  for k, t in ipairs(targets) do\n    reqs[k] = wrk.format(\"GET\", t[2], {[\"Host\"] = t[1], %s})\n  end\nend\n", headers)
		b.WriteString("request = function()\n  i = i + 1\n  if i > #reqs then i = 1 end\n  return reqs[i]\nend\n")
	}
	b.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-RESULT %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
end
`)
	return b.String()
}

// parseWrk reads the line printed by the script's done() hook: responses,
// duration in microseconds, then connect, read, write, status (≥ 400) and
// timeout errors. wrk counts a response with an error status among its
// requests too, so it is subtracted from the successes.
func parseWrk(out string) (*loadResult, error) {
	for line := range strings.SplitSeq(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "BENCH-RESULT ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 7 {
			break
		}
		var n [7]uint64
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("wrk result %q: %w", line, err)
			}
			n[i] = v
		}
		res := &loadResult{
			Elapsed: time.Duration(n[1]) * time.Microsecond,
			Non2xx:  n[5],
			Errors:  n[2] + n[3] + n[4] + n[6],
			Latency: new(histogram),
		}
		res.OK = n[0] - min(n[0], n[5])
		if res.Errors > 0 {
			res.FirstErr = fmt.Sprintf("wrk socket errors: connect %d, read %d, write %d, timeout %d", n[2], n[3], n[4], n[6])
		}
		return res, nil
	}
	return nil, fmt.Errorf("no BENCH-RESULT line in wrk's output")
}
