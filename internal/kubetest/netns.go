//go:build linux

package kubetest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// Names of the namespaces and host-side links this package makes start with
// these prefixes, followed by the id of the process that made them, so that
// leftovers of a process that died can be told from those of one still
// running.
const (
	netnsPrefix = "imxt-"
	linkPrefix  = "imxh"
)

// netnsRange is where the veth addresses come from: the benchmarking range,
// which no real network routes.
var netnsRange = netip.MustParsePrefix("198.18.0.0/15")

var netnsCount atomic.Int32

// Netns is a network namespace joined to the host's by a veth pair, made by
// NewNetns.
type Netns struct {
	// Name is the namespace's name, as `ip netns list` shows it.
	Name string
	// Addr is the namespace's address on the veth pair: where its listeners
	// are reached from the host.
	Addr netip.Addr
	// HostAddr is the host's address on the veth pair.
	HostAddr netip.Addr

	hostLink string
}

// NewNetns makes a network namespace with a veth pair to the host, one /30 of
// 198.18.0.0/15 between them, and deletes it when the test ends. It first
// deletes namespaces and links left behind by test processes that no longer
// run.
func NewNetns(tb testing.TB) *Netns {
	tb.Helper()
	removeStaleNetns(tb)
	n := netnsCount.Add(1)
	ns := &Netns{
		Name:     fmt.Sprintf("%s%d-%d", netnsPrefix, os.Getpid(), n),
		hostLink: fmt.Sprintf("%s%dn%d", linkPrefix, os.Getpid(), n),
	}
	nsLink := fmt.Sprintf("imxn%dn%d", os.Getpid(), n)
	if len(ns.hostLink) > 15 || len(nsLink) > 15 {
		tb.Fatalf("kubetest: link name %q longer than the kernel's 15 bytes", ns.hostLink)
	}
	unlock := lockFile(tb, filepath.Join(os.TempDir(), "ingressmux-netns.lock"))
	defer unlock()
	host, inside, err := freeSubnet()
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	ns.HostAddr, ns.Addr = host, inside
	if err := ipCommand("netns", "add", ns.Name); err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := ns.Delete(); err != nil {
			tb.Errorf("kubetest: %v", err)
		}
	})
	for _, args := range [][]string{
		{"link", "add", ns.hostLink, "type", "veth", "peer", "name", nsLink, "netns", ns.Name},
		{"addr", "add", host.String() + "/30", "dev", ns.hostLink},
		{"link", "set", ns.hostLink, "up"},
		{"-n", ns.Name, "addr", "add", inside.String() + "/30", "dev", nsLink},
		{"-n", ns.Name, "link", "set", nsLink, "up"},
		{"-n", ns.Name, "link", "set", "lo", "up"},
	} {
		if err := ipCommand(args...); err != nil {
			tb.Fatalf("kubetest: %v", err)
		}
	}
	return ns
}

// Delete deletes the namespace and its veth pair; deleting them twice does
// nothing.
func (ns *Netns) Delete() error {
	var errs []error
	// The link first: deleting it deletes its peer in the namespace at once,
	// while deleting a namespace deletes its links only later, in the
	// background.
	if err := deleteLink(ns.hostLink); err != nil {
		errs = append(errs, err)
	}
	if netnsExists(ns.Name) {
		if err := ipCommand("netns", "delete", ns.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deleteLink deletes the host's link name, if it (still) exists.
func deleteLink(name string) error {
	if _, err := net.InterfaceByName(name); err != nil {
		return nil
	}
	err := ipCommand("link", "delete", name)
	if _, stillThere := net.InterfaceByName(name); stillThere != nil {
		return nil // gone, if not by this command then by its namespace's end
	}
	return err
}

// Listen opens a listening socket inside the namespace, as net.Listen would
// there; address is usually ns.Addr with port 0. The socket stays in the
// namespace; the process, and its goroutines accepting on the socket, stay
// in the host's.
func (ns *Netns) Listen(network, address string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		l, restored, err := ns.listenHere(network, address)
		if restored {
			runtime.UnlockOSThread()
		}
		// Otherwise the thread stays locked, and the runtime ends it with
		// this goroutine instead of giving it, still in the other
		// namespace, to other goroutines. Ending a thread is the last
		// resort: a child process started from it, with Pdeathsig set as
		// StartProcess sets it, would be killed.
		done <- result{l, err}
	}()
	r := <-done
	return r.l, r.err
}

// listenHere switches the calling thread, which must be locked, into the
// namespace, listens there, and switches it back; restored says whether the
// thread is in its own namespace again.
func (ns *Netns) listenHere(network, address string) (l net.Listener, restored bool, err error) {
	home, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return nil, true, fmt.Errorf("kubetest: %w", err)
	}
	defer home.Close()
	target, err := os.Open(filepath.Join("/var/run/netns", ns.Name))
	if err != nil {
		return nil, true, fmt.Errorf("kubetest: %w", err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("kubetest: entering network namespace %s: %w", ns.Name, err)
	}
	l, err = net.Listen(network, address)
	if err != nil {
		err = fmt.Errorf("kubetest: in network namespace %s: %w", ns.Name, err)
	}
	restored = unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil
	return l, restored, err
}

// MustListen is Listen on ns.Addr with a port the kernel picks, ending the
// test on error; the listener is closed when the test ends.
func (ns *Netns) MustListen(tb testing.TB) net.Listener {
	tb.Helper()
	l, err := ns.Listen("tcp", netip.AddrPortFrom(ns.Addr, 0).String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// freeSubnet returns the host and namespace addresses of the first /30 of
// netnsRange that no interface on the host uses.
func freeSubnet() (host, inside netip.Addr, err error) {
	used := map[netip.Prefix]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return host, inside, fmt.Errorf("listing the host's addresses: %w", err)
	}
	for _, a := range addrs {
		if ipnet, ok := a.(*net.IPNet); ok {
			if addr, ok := netip.AddrFromSlice(ipnet.IP.To4()); ok && netnsRange.Contains(addr) {
				used[netip.PrefixFrom(addr, 30).Masked()] = true
			}
		}
	}
	for p := netip.PrefixFrom(netnsRange.Addr(), 30); netnsRange.Contains(p.Addr()); p = nextPrefix(p) {
		if !used[p] {
			host = p.Addr().Next()
			return host, host.Next(), nil
		}
	}
	return host, inside, fmt.Errorf("no free /30 left in %s", netnsRange)
}

func nextPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += 4
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 30)
}

// removeStaleNetns deletes the host links and namespaces of this package
// whose process no longer runs (the links first, see Delete).
func removeStaleNetns(tb testing.TB) {
	tb.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	for _, iface := range ifaces {
		rest, ok := strings.CutPrefix(iface.Name, linkPrefix)
		if !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "n")
		if stalePid(pid) {
			if err := deleteLink(iface.Name); err != nil {
				tb.Logf("kubetest: removing stale link: %v", err)
			}
		}
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		tb.Fatalf("kubetest: ip netns list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, netnsPrefix)
		if !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if stalePid(pid) {
			if err := ipCommand("netns", "delete", name); err != nil {
				tb.Logf("kubetest: removing stale namespace: %v", err)
			}
		}
	}
}

func netnsExists(name string) bool {
	_, err := os.Stat(filepath.Join("/var/run/netns", name))
	return err == nil
}

func ipCommand(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// lockFile takes an exclusive lock on path, shared by every test process on
// the machine, and returns its release.
func lockFile(tb testing.TB, path string) func() {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("kubetest: locking %s: %v", path, err)
	}
	return func() { f.Close() }
}
