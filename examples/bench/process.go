package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a proxy (or helper) the harness started. Each runs in its own
// process group, so that stopping it also stops what it forked (nginx's
// workers), and is registered until it is stopped, so that an interrupted
// or failing harness can still end every process it started.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	exitErr error
}

var (
	runningMu sync.Mutex
	running   = map[*process]bool{}
)

// pinning says how processes are pinned to cores; empty when taskset is
// missing (then nothing is pinned, and the report says so).
var tasksetPath, _ = exec.LookPath("taskset")

// startProcess starts argv pinned to core (when taskset exists), with env
// added to the harness's environment, stdout and stderr going to logPath.
func startProcess(name string, core int, env []string, logPath string, argv ...string) (*process, error) {
	if tasksetPath != "" && core >= 0 {
		argv = append([]string{tasksetPath, "-c", fmt.Sprint(core)}, argv...)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	runningMu.Lock()
	running[p] = true
	runningMu.Unlock()
	go func() {
		p.exitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process id (taskset execs the program, so it is the
// program's own).
func (p *process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process itself (not its group): SIGHUP to
// reload.
func (p *process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return errors.New(p.name + " has exited")
	}
	return syscall.Kill(p.Pid(), sig)
}

// Stop asks the whole process group to terminate, waits up to grace, then
// kills it. It is safe to call more than once.
func (p *process) Stop(grace time.Duration) {
	pgid := p.Pid() // Setpgid makes the group id the leader's pid
	if !p.Exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// Children may outlive a leader that exited (nginx workers); the group
	// is killed in any case.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
	runningMu.Lock()
	delete(running, p)
	runningMu.Unlock()
}

// LogTail returns the last lines of the process's output, for errors.
func (p *process) LogTail(lines int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// stopAll stops every process still registered: the harness calls it on
// exit, on error paths and on SIGINT/SIGTERM.
func stopAll() {
	runningMu.Lock()
	ps := make([]*process, 0, len(running))
	for p := range running {
		ps = append(ps, p)
	}
	runningMu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() { p.Stop(2 * time.Second) })
	}
	wg.Wait()
}
