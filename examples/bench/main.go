// Command bench compares ingressmux with nginx, a bare Go reverse proxy,
// Caddy (when installed) and no proxy at all, on one machine, in one run,
// and prints a Markdown report with ratios.
//
//	go run ./examples/bench -out examples/bench/RESULTS.md
//	go run ./examples/bench -quick                 # a smoke run in about two minutes
//	go run ./examples/bench -scenarios one-route,tls -duration 5s
//
// Everything listens on 127.0.0.1 only. The proxy under test is pinned to
// one core (GOMAXPROCS=1 for the Go ones); the backend and the load
// generator share the other. See README.md for what each column means.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case bareCommand:
			os.Exit(runBare(os.Args[2:]))
		case backendCommand:
			os.Exit(runBackendServer(os.Args[2:]))
		case profileCommand:
			os.Exit(runProfileServer(os.Args[2:]))
		}
	}
	os.Exit(run(os.Args[1:], os.Stdout))
}

// flags are the harness's command-line settings.
type flags struct {
	quick     bool
	duration  time.Duration
	scenarios string
	proxies   string
	out       string
	loadgen   string
	rateScale float64
	rounds    int
	reloads   int
	profile   string
	keep      bool
}

func parseFlags(args []string) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&f.quick, "quick", false, "short runs and a small reload test: a smoke run, not a measurement")
	fs.DurationVar(&f.duration, "duration", 0, "length of each closed-loop round; each of the two open-loop rounds runs five times as long (default 500ms, 100ms with -quick)")
	fs.IntVar(&f.rounds, "rounds", 0, "closed-loop rounds per proxy and concurrency, the best counts (default 4, 1 with -quick)")
	fs.StringVar(&f.scenarios, "scenarios", "all", "comma-separated `LIST` of scenarios: one-route, 10k-rules, tls, tls-newconn, https-backend, 16k, websocket")
	fs.StringVar(&f.proxies, "proxies", "all", "comma-separated `LIST` of proxies: ingressmux, bare, nginx, caddy, none; and, only when named, ingressmux-metrics and ingressmux-tracing (ingressmux with metrics or with every request traced)")
	fs.StringVar(&f.out, "out", "", "also write the Markdown report to `FILE`")
	fs.StringVar(&f.loadgen, "loadgen", "builtin", "closed-loop generator: builtin, or wrk (on PATH; WebSocket and the open loop stay built-in)")
	fs.Float64Var(&f.rateScale, "rate-scale", 1, "multiply every scenario's open-loop rate by `F`")
	fs.IntVar(&f.reloads, "reloads", 100, "reloads under load in the reload comparison (0 skips the comparison)")
	fs.StringVar(&f.profile, "profile", "", "profile ingressmux and the bare proxy under load; write the profiles to `DIR`")
	fs.BoolVar(&f.keep, "keep", false, "keep the temporary directory (configs, logs) and print its path")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if f.duration == 0 {
		f.duration = 500 * time.Millisecond
		if f.quick {
			f.duration = 100 * time.Millisecond
		}
	}
	if f.rounds <= 0 {
		f.rounds = 4
		if f.quick {
			f.rounds = 1
		}
	}
	return f, nil
}

// run is the harness: it returns the exit code.
func run(args []string, stdout io.Writer) int {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	f, err := parseFlags(args)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		log.Print(err)
		return 2
	}
	scenarios, err := selectScenarios(f.scenarios)
	if err != nil {
		log.Print(err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Every process the harness started is ended on the way out, whatever
	// the way out is (an error, an interrupt, a panic in this goroutine).
	defer stopAll()

	dir, err := os.MkdirTemp("", "ingressmux-bench-")
	if err != nil {
		log.Print(err)
		return 1
	}
	if f.keep {
		log.Printf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	e, err := setup(f, dir)
	if err != nil {
		log.Print(err)
		return 1
	}
	defer e.Backend.Close()
	kinds, err := selectProxies(e, f.proxies)
	if err != nil {
		log.Print(err)
		return 2
	}
	rep := buildReport(ctx, e, f, scenarios, kinds)
	if ctx.Err() != nil {
		log.Print("interrupted")
		return 1
	}
	var b strings.Builder
	rep.write(&b)
	fmt.Fprint(stdout, b.String())
	if f.out != "" {
		if err := os.WriteFile(f.out, []byte(b.String()), 0o644); err != nil {
			log.Print(err)
			return 1
		}
		log.Printf("wrote %s", f.out)
	}
	return 0
}

// setup builds ingress-proxy, finds the other tools, pins this process to
// the load core and starts the backend.
func setup(f *flags, dir string) (*env, error) {
	e := &env{Dir: dir, ProxyCore: 0, LoadCore: 1}
	if runtime.NumCPU() < 2 {
		e.ProxyCore, e.LoadCore = -1, -1
	}
	var err error
	if e.SelfBin, err = os.Executable(); err != nil {
		return nil, err
	}
	if e.IngressBin, err = buildIngressProxy(dir); err != nil {
		return nil, err
	}
	e.NginxBin = lookPath("nginx", "/usr/sbin/nginx")
	e.CaddyBin = lookPath("caddy")
	switch f.loadgen {
	case "wrk":
		if e.WrkBin = lookPath("wrk"); e.WrkBin == "" {
			return nil, fmt.Errorf("-loadgen wrk: wrk not found on PATH (Debian: apt-get install wrk)")
		}
	case "builtin":
	default:
		return nil, fmt.Errorf("-loadgen %q: want builtin or wrk", f.loadgen)
	}
	// Pin after building, so that the build may use both cores. -a pins
	// every thread the runtime already has; later ones inherit it.
	if tasksetPath != "" && e.LoadCore >= 0 {
		out, err := exec.Command(tasksetPath, "-a", "-p", "-c", fmt.Sprint(e.LoadCore), fmt.Sprint(os.Getpid())).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pinning the harness: %v: %s", err, out)
		}
		runtime.GOMAXPROCS(1)
	}
	if e.Certs, err = newCerts(dir); err != nil {
		return nil, err
	}
	if e.Backend, err = startBackend(e); err != nil {
		return nil, err
	}
	return e, nil
}

// buildIngressProxy builds examples/ingress-proxy from the module this
// harness belongs to.
func buildIngressProxy(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the harness inside the ingressmux module (go env GOMOD: %q, %v)", gomod, err)
	}
	bin := filepath.Join(dir, "ingress-proxy")
	cmd := exec.Command("go", "build", "-o", bin, "./examples/ingress-proxy")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./examples/ingress-proxy: %v\n%s", err, out)
	}
	return bin, nil
}

// lookPath finds a tool on PATH or at one of the given places.
func lookPath(name string, also ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range also {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// selectProxies returns the proxies to compare, in report order, with a
// reason for those that cannot run here.
func selectProxies(e *env, list string) ([]proxyKind, error) {
	all := []proxyKind{
		{Name: nameIngressmux, start: startIngressmux},
		{Name: nameBare, start: startBare},
		{Name: nameNginx, start: startNginx},
		{Name: nameCaddy, start: startCaddy},
		{Name: nameTraefik},
		{Name: nameNone},
		{Name: nameIngressmuxMetrics, start: startIngressmuxMetrics},
		{Name: nameIngressmuxTracing, start: startIngressmuxTracing},
	}
	if e.NginxBin == "" {
		all[2].Skip = "skipped: nginx not found (Debian: apt-get install nginx)"
	}
	if e.CaddyBin == "" {
		all[3].Skip = "skipped: caddy not found on PATH (Debian: apt-get install caddy)"
	}
	if p := lookPath("traefik"); p == "" {
		all[4].Skip = "skipped: traefik not found on PATH (not packaged by Debian)"
	} else {
		all[4].Skip = "skipped: " + p + " found, but this harness has no traefik configuration writer yet"
	}
	if list == "" || list == "all" {
		return all[:len(all)-2], nil // the observability variants are asked for by name
	}
	keys := map[string]string{"ingressmux": nameIngressmux, "bare": nameBare, "nginx": nameNginx, "caddy": nameCaddy, "traefik": nameTraefik, "none": nameNone,
		"ingressmux-metrics": nameIngressmuxMetrics, "ingressmux-tracing": nameIngressmuxTracing}
	want := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		name, ok := keys[strings.TrimSpace(k)]
		if !ok {
			return nil, fmt.Errorf("-proxies: unknown proxy %q: want ingressmux, bare, nginx, caddy, traefik, none, ingressmux-metrics or ingressmux-tracing", k)
		}
		want[name] = true
	}
	var out []proxyKind
	for _, k := range all {
		if want[k.Name] {
			out = append(out, k)
		}
	}
	return out, nil
}

// buildReport runs every selected measurement.
func buildReport(ctx context.Context, e *env, f *flags, scenarios []*scenario, kinds []proxyKind) *report {
	start := time.Now()
	opts := runOptions{
		Duration: f.duration, OpenDuration: 5 * f.duration, Warmup: f.duration / 2, Rounds: f.rounds, OpenRounds: 2,
		Conns: []int{1, statConns, 256}, OpenConns: 64, RateScale: f.rateScale, UseWrk: e.WrkBin != "",
	}
	rep := &report{Command: commandLine(), Started: start, Machine: describeMachine(e), Opts: opts,
		Scenarios: scenarios, Results: map[string][]*measurement{}}
	for _, k := range kinds {
		if k.Skip != "" {
			log.Printf("%s: %s", k.Name, k.Skip)
		}
	}
	r := &runner{e: e, opts: opts}
	for _, sc := range scenarios {
		if ctx.Err() != nil {
			return rep
		}
		log.Printf("scenario %s: %s", sc.Name, sc.Title)
		rep.Results[sc.Name] = r.scenario(ctx, kinds, sc)
	}
	if f.reloads > 0 {
		rep.ReloadOpt = reloadOptions{BigHosts: manyHosts, Changes: 5, LoadHosts: 200, Reloads: f.reloads, LoadConns: statConns, VisibleMax: 30 * time.Second}
		if f.quick {
			rep.ReloadOpt.BigHosts, rep.ReloadOpt.Changes, rep.ReloadOpt.LoadHosts = 200, 2, 20
		}
		log.Printf("reload comparison")
		for _, k := range kinds {
			if k.Name != nameIngressmux && k.Name != nameNginx {
				continue
			}
			if ctx.Err() != nil {
				return rep
			}
			rep.Reloads = append(rep.Reloads, measureReload(ctx, e, k, rep.ReloadOpt))
			if k.Name == nameIngressmux && ctx.Err() == nil {
				rep.Reloads = append(rep.Reloads, measureAPIPropagation(ctx, e, rep.ReloadOpt))
			}
		}
		rep.Notes = append(rep.Notes, "Reloads are compared for ingressmux and nginx only: Caddy runs with its admin endpoint off, and its reloads go through that endpoint.")
	}
	if f.profile != "" && ctx.Err() == nil {
		section, err := profileProxies(ctx, e, f.profile, f.quick)
		if err != nil {
			log.Printf("profiling failed: %v", err)
			section = "## Profile\n\nProfiling failed: " + err.Error()
		}
		rep.Profile = section
	}
	rep.Took, rep.LoadAvgEnd = time.Since(start), loadAvg()
	return rep
}

// commandLine returns how the harness was invoked, for the report.
func commandLine() string {
	return strings.TrimSpace("go run ./examples/bench " + strings.Join(os.Args[1:], " "))
}
