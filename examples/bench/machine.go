package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where a run happened, for the report.
type machine struct {
	CPU     string
	Cores   int
	MemGiB  float64
	Kernel  string
	Go      string
	Nginx   string
	Caddy   string
	Wrk     string
	LoadAvg string // at the start of the run: how busy the shared machine was
	Pinning string
}

// describeMachine reads the machine description from /proc and the
// tools' own version output.
func describeMachine(e *env) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Kernel: "unknown", CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for line := range strings.SplitSeq(string(b), "\n") {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m.MemGiB = float64(kb) / (1 << 20)
				break
			}
		}
	}
	m.LoadAvg = loadAvg()
	m.Nginx = toolVersion(e.NginxBin, "-v")
	m.Caddy = toolVersion(e.CaddyBin, "version")
	m.Wrk = toolVersion(e.WrkBin, "-v")
	if tasksetPath != "" {
		m.Pinning = fmt.Sprintf("proxy on CPU %d (Go proxies with GOMAXPROCS=1); backend and load generator on CPU %d", e.ProxyCore, e.LoadCore)
	} else {
		m.Pinning = "none: taskset not found, so proxy, backend and load generator share both cores"
	}
	return m
}

// toolVersion returns the first line a tool prints for its version flag,
// or "not found".
func toolVersion(bin string, arg string) string {
	if bin == "" {
		return "not found"
	}
	out, _ := exec.Command(bin, arg).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return "unknown"
	}
	// wrk prints its copyright on the version line.
	line, _, _ = strings.Cut(line, " Copyright")
	return strings.TrimSpace(line)
}

// loadAvg returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
