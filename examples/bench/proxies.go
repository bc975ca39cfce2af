package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Proxy names, in report order.
const (
	nameIngressmux = "ingressmux"
	nameBare       = "bare Go"
	nameNginx      = "nginx"
	nameCaddy      = "caddy"
	nameTraefik    = "traefik"
	nameNone       = "no proxy"
)

// env is what starting any proxy needs: the run's directory, the shared
// certificate, the backend, the binaries, and the core layout.
type env struct {
	Dir        string
	Certs      *certs
	Backend    *backendProc
	IngressBin string // the built examples/ingress-proxy
	SelfBin    string // this program, for the bare proxy
	NginxBin   string
	CaddyBin   string
	WrkBin     string
	ProxyCore  int // the proxy under test runs here
	LoadCore   int // backend and load generator run here
}

// instance is one proxy serving one scenario.
type instance struct {
	Name string
	Addr string   // host:port clients connect to
	TLS  bool     // clients speak TLS to Addr
	Proc *process // nil for "no proxy"
	Dir  string   // its config and logs
	// Ready is how long after start the first request was answered: for
	// the large table, the time to load it.
	Ready time.Duration
}

// Stop ends the proxy's processes.
func (in *instance) Stop() {
	if in.Proc != nil {
		in.Proc.Stop(5 * time.Second)
	}
}

// proxyKind is a proxy the harness knows how to configure and start.
type proxyKind struct {
	Name  string
	Skip  string // non-empty: why it cannot run here
	start func(e *env, sc *scenario, dir, listen string) (*process, error)
}

// freeAddr returns a loopback address with a port that was free a moment
// ago (for servers that cannot report the port they bound).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// goEnv pins a Go proxy's scheduler to the one core it is given.
var goEnv = []string{"GOMAXPROCS=1"}

// startIngressmux writes the scenario's Ingress YAML and runs
// examples/ingress-proxy on it. Access logging is off (nginx's is off
// too) and the file watcher is off (the reload test sends SIGHUP).
func startIngressmux(e *env, sc *scenario, dir, listen string) (*process, error) {
	return startIngressmuxWith(e, sc, dir, listen, nameIngressmux)
}

// startIngressmuxWith is startIngressmux under name, with extra flags.
func startIngressmuxWith(e *env, sc *scenario, dir, listen, name string, extra ...string) (*process, error) {
	o := manifestOptions{ClientTLS: sc.ClientTLS, BackendTLS: sc.BackendTLS, CertPEM: e.Certs.CertPEM, KeyPEM: e.Certs.KeyPEM}
	if err := writeManifests(dir, sc.Routes, o); err != nil {
		return nil, err
	}
	args := []string{e.IngressBin, "-f", dir, "-access-log=false", "-watch-interval=0", "-drain-timeout=1s", "-admin-listen="}
	args = append(args, backendOverrides(e.Backend.HTTPAddr, e.Backend.HTTPSAddr)...)
	args = append(args, extra...)
	if sc.ClientTLS {
		args = append(args, "-listen=", "-tls-listen="+listen)
	} else {
		args = append(args, "-listen="+listen)
	}
	return startProcess(name, e.ProxyCore, goEnv, filepath.Join(dir, "proxy.log"), args...)
}

// startBare runs this program's serve-bare mode.
func startBare(e *env, sc *scenario, dir, listen string) (*process, error) {
	target := "http://" + e.Backend.HTTPAddr
	if sc.BackendTLS {
		target = "https://" + e.Backend.HTTPSAddr
	}
	args := []string{e.SelfBin, bareCommand, "-listen", listen, "-target", target}
	if sc.ClientTLS {
		args = append(args, "-cert", e.Certs.CertFile, "-key", e.Certs.KeyFile)
	}
	return startProcess(nameBare, e.ProxyCore, goEnv, filepath.Join(dir, "proxy.log"), args...)
}

// startNginx writes nginx.conf and runs nginx in the foreground with its
// own prefix, so that it touches nothing outside dir.
func startNginx(e *env, sc *scenario, dir, listen string) (*process, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	c := nginxConfig{
		Dir: dir, Listen: listen, ClientTLS: sc.ClientTLS, CertFile: e.Certs.CertFile, KeyFile: e.Certs.KeyFile,
		BackendAddr: e.Backend.HTTPAddr, BackendTLS: sc.BackendTLS, Routes: sc.Routes,
	}
	if sc.BackendTLS {
		c.BackendAddr = e.Backend.HTTPSAddr
	}
	if os.Geteuid() == 0 {
		c.User = "root"
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConf(c)), 0o644); err != nil {
		return nil, err
	}
	return startProcess(nameNginx, e.ProxyCore, nil, filepath.Join(dir, "proxy.log"),
		e.NginxBin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf)
}

// startCaddy writes a Caddyfile and runs caddy with its home and data
// directories inside dir.
func startCaddy(e *env, sc *scenario, dir, listen string) (*process, error) {
	c := caddyConfig{
		Listen: listen, ClientTLS: sc.ClientTLS, CertFile: e.Certs.CertFile, KeyFile: e.Certs.KeyFile,
		BackendAddr: e.Backend.HTTPAddr, BackendTLS: sc.BackendTLS, Routes: sc.Routes,
		StorageDir: filepath.Join(dir, "data"),
	}
	if sc.BackendTLS {
		c.BackendAddr = e.Backend.HTTPSAddr
	}
	conf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(conf, []byte(caddyfile(c)), 0o644); err != nil {
		return nil, err
	}
	env := append([]string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}, goEnv...)
	return startProcess(nameCaddy, e.ProxyCore, env, filepath.Join(dir, "proxy.log"),
		e.CaddyBin, "run", "--config", conf, "--adapter", "caddyfile")
}

// startInstance starts kind for sc and waits until it answers.
func startInstance(ctx context.Context, e *env, kind proxyKind, sc *scenario) (*instance, error) {
	dir := instanceDir(e, sc, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	in := &instance{Name: kind.Name, Dir: dir, TLS: sc.ClientTLS}
	if kind.start == nil { // no proxy: straight to the backend
		in.Addr = e.Backend.HTTPAddr
		if sc.ClientTLS || sc.BackendTLS {
			in.Addr, in.TLS = e.Backend.HTTPSAddr, true
		}
		return in, waitReady(ctx, in, e, sc, 5*time.Second)
	}
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	in.Addr = listen
	start := time.Now()
	if in.Proc, err = kind.start(e, sc, dir, listen); err != nil {
		return nil, err
	}
	if err := waitReady(ctx, in, e, sc, 2*time.Minute); err != nil {
		in.Stop()
		return nil, fmt.Errorf("%s did not become ready: %w\n%s", kind.Name, err, in.Proc.LogTail(15))
	}
	in.Ready = time.Since(start)
	return in, nil
}

// waitReady sends the scenario's first, middle and last request until
// each is answered with success, which also checks that the proxy's
// routing table is the one the scenario expects.
func waitReady(ctx context.Context, in *instance, e *env, sc *scenario, limit time.Duration) error {
	spec := clientSpec(e, sc, in)
	picks := []target{sc.Targets[0], sc.Targets[len(sc.Targets)/2], sc.Targets[len(sc.Targets)-1]}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if in.Proc != nil && in.Proc.Exited() {
			return fmt.Errorf("exited: %v", in.Proc.exitErr)
		}
		if last = probe(spec, picks); last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

// probe sends each target once on a new connection and wants success.
func probe(spec *loadSpec, targets []target) error {
	for _, t := range targets {
		one := *spec
		one.Targets = []target{t}
		r := one.newRequester(one.encoded(), 0, 1)
		status, err := r.Do()
		r.Close()
		if err != nil {
			return err
		}
		if status < 200 || status > 299 {
			return fmt.Errorf("GET %s%s: status %d", t.Host, t.Path, status)
		}
	}
	return nil
}

// clientSpec returns the load generator's view of sc served by in.
func clientSpec(e *env, sc *scenario, in *instance) *loadSpec {
	s := &loadSpec{Addr: in.Addr, Targets: sc.Targets, NewConn: sc.NewConn, WebSocket: sc.WebSocket, Timeout: 5 * time.Second}
	if in.TLS {
		s.TLS = e.Certs.clientTLS(tlsHost)
	}
	return s
}
