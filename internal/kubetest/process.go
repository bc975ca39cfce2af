package kubetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Process is a child process whose output goes to a log file, run in a
// process group of its own so that stopping it stops whatever it started.
type Process struct {
	// Name says what the process is in messages ("etcd", "replica-1").
	Name string
	// LogPath is the file holding the process's stdout and stderr.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // the process's exit status, set before done is closed
}

// StartProcess starts path with args, its output appended to a log file in
// dir named after name. The process is stopped when the test ends, and its
// log's last lines are copied into the test log if the test failed.
func StartProcess(tb testing.TB, dir, name, path string, args []string, env []string) *Process {
	tb.Helper()
	return startOwnedProcess(tb, tb, dir, name, path, args, env)
}

// startOwnedProcess is StartProcess for a process that outlives the test
// starting it: it fails tb, but is stopped when owner ends.
func startOwnedProcess(tb, owner testing.TB, dir, name, path string, args []string, env []string) *Process {
	tb.Helper()
	p, err := startProcess(dir, name, path, args, env)
	if err != nil {
		tb.Fatal(err)
	}
	owner.Cleanup(func() {
		p.Stop(10 * time.Second)
		if owner.Failed() {
			owner.Logf("last lines of %s's log %s:\n%s", p.Name, p.LogPath, p.Tail(40))
		}
	})
	return p
}

func startProcess(dir, name, path string, args []string, env []string) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("kubetest: %s: %w", name, err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(path, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// A test binary killed outright must not leave its control plane
		// running: the kernel sends the child SIGKILL when the thread that
		// started it exits.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("kubetest: starting %s (%s): %w", name, path, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process's group.
func (p *Process) Signal(sig syscall.Signal) error {
	if ok, _ := p.Exited(); ok {
		return nil
	}
	err := syscall.Kill(-p.cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Stop sends SIGTERM to the process's group and waits up to grace for it to
// end, then sends SIGKILL and waits for that. It returns how the process
// ended; stopping a process that has already ended does nothing.
func (p *Process) Stop(grace time.Duration) error {
	_ = p.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.Signal(syscall.SIGKILL)
		<-p.done
	}
	return p.err
}

// Kill sends SIGKILL to the process's group and waits for the process to
// end, as a crash would end it.
func (p *Process) Kill() {
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
}

// Log returns everything the process has written so far.
func (p *Process) Log() []byte {
	b, _ := os.ReadFile(p.LogPath)
	return b
}

// Tail returns the last n lines of the process's log.
func (p *Process) Tail(n int) string {
	b := bytes.TrimRight(p.Log(), "\n")
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n--
			if n == 0 {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}

// stalePid reports whether pid is a process id that no process has.
func stalePid(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false // not one of ours after all
	}
	err = syscall.Kill(n, 0)
	return errors.Is(err, syscall.ESRCH)
}
