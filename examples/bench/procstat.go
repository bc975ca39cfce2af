package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// It is 100 on every Linux architecture Go supports; reading it would
// need cgo (sysconf).
const clockTicks = 100

// groupUsage is what /proc says about a process group at one moment.
type groupUsage struct {
	CPU   time.Duration // user + system time of the live members
	HWMkB int64         // sum of the members' peak resident set (VmHWM)
	Procs int
}

// readGroupUsage sums CPU time and peak RSS over the live processes of
// process group pgid: for nginx the master and its worker, for the Go
// proxies the one process.
func readGroupUsage(pgid int) (groupUsage, error) {
	var u groupUsage
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return u, err
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		group, cpu, err := parseStat(b)
		if err != nil || group != pgid || isZombie(b) {
			continue
		}
		u.CPU += cpu
		u.Procs++
		if hwm, err := readHWM(filepath.Join(filepath.Dir(path), "status")); err == nil {
			u.HWMkB += hwm
		}
	}
	if u.Procs == 0 {
		return u, fmt.Errorf("no live process in group %d", pgid)
	}
	return u, nil
}

// parseStat returns the process group and the CPU time (utime + stime)
// from the contents of /proc/PID/stat. The command name, in parentheses,
// may contain spaces, so fields are counted from the last ')'.
func parseStat(b []byte) (pgrp int, cpu time.Duration, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed stat")
	}
	// After ") ": state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime ...
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("malformed stat: %d fields", len(f))
	}
	pgrp, err = strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, err
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("malformed stat times %q %q", f[11], f[12])
	}
	return pgrp, time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// isZombie reports whether a /proc/PID/stat line is of a process that has
// exited and waits to be reaped: it has no memory left to count.
func isZombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// readHWM returns VmHWM in kB from a /proc/PID/status file.
func readHWM(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no VmHWM", path)
}

// coreTicks returns the busy and total time of one CPU from /proc/stat,
// in clock ticks. Busy is everything but idle and iowait: processes,
// interrupts, softirqs (loopback packet processing among them) and steal.
func coreTicks(core int) (busy, total uint64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	prefix := fmt.Sprintf("cpu%d ", core)
	for line := range strings.SplitSeq(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		for i, f := range strings.Fields(rest) {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return 0, 0, err
			}
			// user nice system idle iowait irq softirq steal guest guest_nice;
			// guest time is already counted in user.
			if i >= 8 {
				break
			}
			total += v
			if i != 3 && i != 4 {
				busy += v
			}
		}
		return busy, total, nil
	}
	return 0, 0, fmt.Errorf("/proc/stat: no line for cpu%d", core)
}
