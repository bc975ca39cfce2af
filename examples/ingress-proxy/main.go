// Command ingress-proxy serves Kubernetes Ingress manifests as a reverse
// proxy, checks them, and explains their routing.
//
//	go run ./examples/ingress-proxy -f manifests/ -backend default/web:80=http://127.0.0.1:8081 -tls-listen 127.0.0.1:8443
//
// serves until SIGINT or SIGTERM, then drains in-flight requests; SIGHUP or
// a change to a loaded file reloads, and a bad edit keeps the old table
// (the log says why). Two more modes:
//
//	go run ./examples/ingress-proxy -check -f examples/seed
//
// prints the merged routing table and every warning and exits 0, or prints
// every error and exits 1;
//
//	go run ./examples/ingress-proxy -f examples/seed -explain https://projectdomain.com/api/me
//
// prints the routing decision for one URL as a JSON object: matched,
// ingress, host, path, pathType and backend of the winning rule, then every
// candidate rule and why it won or lost.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// pathList is a repeatable -f flag.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ",") }

func (p *pathList) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*p = append(*p, v)
	return nil
}

// backendList is the repeatable -backend NS/SVC:PORT=URL flag.
type backendList map[string]string

func (b backendList) String() string { return fmt.Sprint(map[string]string(b)) }

func (b backendList) Set(v string) error {
	key, url, ok := strings.Cut(v, "=")
	if !ok || key == "" || url == "" {
		return fmt.Errorf("want NS/SVC:PORT=URL, such as default/web:80=http://127.0.0.1:8081")
	}
	ns, rest, ok1 := strings.Cut(key, "/")
	svc, port, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || ns == "" || svc == "" || port == "" {
		return fmt.Errorf("%q: want NS/SVC:PORT, such as default/web:80 or default/web:http", key)
	}
	b[key] = url
	return nil
}

// prefixList is the repeatable -trusted-proxy CIDR flag.
type prefixList []netip.Prefix

func (p *prefixList) String() string { return fmt.Sprint(*p) }

func (p *prefixList) Set(v string) error {
	prefix, err := netip.ParsePrefix(v)
	if err != nil {
		addr, err2 := netip.ParseAddr(v)
		if err2 != nil {
			return fmt.Errorf("want a CIDR such as 10.0.0.0/8 or an address: %w", err)
		}
		prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	*p = append(*p, prefix.Masked())
	return nil
}

// run is main without the process: it parses args, writes to stdout and
// stderr, and returns the exit code, so tests can drive it. Serving mode
// runs until ctx is done; a value on reload reloads the manifests.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() {
		signal.Stop(hup) // no more sends after this returns,
		close(hup)       // so closing ends the goroutine below
	}()
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	return runContext(ctx, args, reload, stdout, stderr)
}

func runContext(ctx context.Context, args []string, reload <-chan struct{}, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ingress-proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files pathList
	fs.Var(&files, "f", "YAML file or directory of Kubernetes manifests (repeatable)")
	check := fs.Bool("check", false, "load and validate the manifests, print the routing table and the warnings; exit 0, or 1 with the errors")
	explain := fs.String("explain", "", "print the routing decision for `URL` as one JSON object")
	var opts ingress.Options
	fs.BoolVar(&opts.SkipInvalidIngresses, "skip-invalid", false, "leave out, with a warning, each Ingress with an error, and serve the rest (as ingress-nginx does)")
	fs.StringVar(&opts.IngressClass, "ingress-class", "", "take only Ingresses of class `NAME` (default: every Ingress)")
	backends := backendList{}
	fs.Var(backends, "backend", "send a Service port to a URL: `NS/SVC:PORT=URL` (PORT: number or name), repeatable")
	var so serveOptions
	fs.StringVar(&so.listen, "listen", "127.0.0.1:8080", "plain HTTP `ADDR` (\"\" disables)")
	fs.StringVar(&so.tlsListen, "tls-listen", "", "HTTPS `ADDR` with the Ingress TLS secrets (default off)")
	fs.StringVar(&so.adminListen, "admin-listen", "", "`ADDR` for /healthz and /readyz (default off)")
	fs.DurationVar(&so.drainTimeout, "drain-timeout", 30*time.Second, "how long in-flight requests may take to finish at shutdown")
	fs.DurationVar(&so.watchInterval, "watch-interval", 2*time.Second, "how often to look for changed manifests (0 disables)")
	var trusted prefixList
	fs.Var(&trusted, "trusted-proxy", "`CIDR` of a proxy whose X-Forwarded-* headers are believed, repeatable")
	verbose := fs.Bool("v", false, "log debug messages")
	fs.BoolVar(&so.accessLog, "access-log", true, "log one line per request")
	fs.DurationVar(&so.readHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a client may take to send a request's headers (against slowloris)")
	fs.DurationVar(&so.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection is kept open")
	var co clusterOptions
	fs.StringVar(&co.kubeconfig, "kubeconfig", "", "serve the Ingresses of a cluster instead of -f: a kubeconfig `PATH`, or \"in-cluster\" for the pod's service account")
	fs.StringVar(&co.watchNamespace, "watch-namespace", "", "cluster mode: watch only these namespaces, `NS[,NS...]` (default: all)")
	fs.StringVar(&co.publishStatusAddress, "publish-status-address", "", "cluster mode: write `ADDR[,ADDR...]` (IPs or host names) into the status of the Ingresses served")
	fs.StringVar(&co.publishService, "publish-service", "", "cluster mode: write the load-balancer address of Service `NS/NAME` into the status of the Ingresses served")
	fs.StringVar(&co.electionID, "election-id", cluster.DefaultElectionName, "cluster mode: `NAME` of the Lease that elects the replica writing status")
	fs.StringVar(&co.electionNamespace, "election-namespace", cluster.DefaultElectionNamespace, "cluster mode: `NS` of the election Lease")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ingress-proxy: unexpected arguments %q (manifests are given with -f)\n", fs.Args())
		return 2
	}
	if co.kubeconfig != "" && (len(files) > 0 || *check || *explain != "") {
		fmt.Fprintln(stderr, "ingress-proxy: -kubeconfig serves a cluster: it takes no -f, -check or -explain")
		return 2
	}
	if co.kubeconfig == "" && (co.watchNamespace != "" || co.publishStatusAddress != "" || co.publishService != "") {
		fmt.Fprintln(stderr, "ingress-proxy: -watch-namespace, -publish-status-address and -publish-service need -kubeconfig")
		return 2
	}
	if len(files) == 0 && co.kubeconfig == "" {
		fmt.Fprintln(stderr, "ingress-proxy: no manifests: give at least one -f PATH, or -kubeconfig")
		return 2
	}
	if so.readHeaderTimeout <= 0 || so.idleTimeout <= 0 {
		// Zero would mean no limit: slow clients could hold connections forever.
		fmt.Fprintln(stderr, "ingress-proxy: -read-header-timeout and -idle-timeout must be positive")
		return 2
	}
	opts.Backends = backends
	switch {
	case *explain != "":
		return runExplain(files, opts, *explain, stdout, stderr)
	case *check:
		return runCheck(files, opts, stdout, stderr)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg := ingressmux.Config{Paths: files, Options: opts, TrustedProxies: trusted, Logger: logger}
	if co.kubeconfig != "" {
		return runCluster(ctx, cfg, co, so, stdout, logger)
	}
	return runServe(ctx, cfg, so, reload, stdout, logger)
}
