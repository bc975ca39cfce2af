package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	line := "4242 (my (odd) proc) S 1 4240 4240 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1000 0 0\n"
	pgrp, cpu, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if pgrp != 4240 || cpu != 3*time.Second {
		t.Errorf("parseStat = group %d, cpu %v; want 4240, 3s", pgrp, cpu)
	}
	if _, _, err := parseStat([]byte("garbage")); err == nil {
		t.Error("parseStat(garbage) did not fail")
	}
}

func TestGroupUsageAndStop(t *testing.T) {
	dir := t.TempDir()
	// A shell that forks a child: Stop must end both.
	p, err := startProcess("sleeper", -1, nil, filepath.Join(dir, "log"), "/bin/sh", "-c", "sleep 30 & sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(time.Second)
	var u groupUsage
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if u, err = readGroupUsage(p.Pid()); err == nil && u.Procs >= 3 {
			break
		}
	}
	if u.Procs < 3 || u.HWMkB <= 0 {
		t.Fatalf("readGroupUsage = %+v, %v; want the shell and two sleeps with a peak RSS", u, err)
	}
	start := time.Now()
	p.Stop(2 * time.Second)
	if time.Since(start) > 3*time.Second || !p.Exited() {
		t.Errorf("Stop took %v, exited %v", time.Since(start), p.Exited())
	}
	// Killed children of the shell may linger as zombies until init reaps
	// them; no live one may remain.
	if u, err := readGroupUsage(p.Pid()); err == nil {
		t.Errorf("%d live processes of the group survived Stop", u.Procs)
	}
	runningMu.Lock()
	left := len(running)
	runningMu.Unlock()
	if left != 0 {
		t.Errorf("%d processes still registered after Stop", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "log")); err != nil {
		t.Error(err)
	}
}

func TestCoreTicks(t *testing.T) {
	busy, total, err := coreTicks(0)
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || busy > total {
		t.Errorf("coreTicks(0) = %d busy of %d", busy, total)
	}
}
