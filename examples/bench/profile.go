package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof" // the profile server's /debug/pprof endpoints
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// profileCommand is the hidden subcommand that serves ingressmux (or the
// bare proxy) in-process with pprof on a second loopback port:
// ingress-proxy has no profiling endpoint, and this serves the same Mux
// behind the same server settings.
const profileCommand = "serve-profile"

// runProfileServer serves until killed.
func runProfileServer(args []string) int {
	fs := flag.NewFlagSet(profileCommand, flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "proxy `ADDR`")
	pprofListen := fs.String("pprof-listen", "127.0.0.1:0", "`ADDR` of /debug/pprof and /stats")
	manifests := fs.String("f", "", "manifest `DIR` for ingressmux")
	bare := fs.String("bare-target", "", "serve the bare proxy to `URL` instead of ingressmux")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var h http.Handler
	var err error
	if *bare != "" {
		h, err = newBareProxy(*bare)
	} else {
		h, err = ingressmux.Load(context.Background(), ingressmux.Config{
			Paths:   []string{*manifests},
			Options: ingress.Options{Backends: overridesFromEnv()},
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	http.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = json.NewEncoder(w).Encode(memCounts{Mallocs: ms.Mallocs, Bytes: ms.TotalAlloc, GCs: ms.NumGC})
	})
	go func() {
		// pprof's handlers live on http.DefaultServeMux.
		if err := http.ListenAndServe(*pprofListen, nil); err != nil {
			log.Print(err)
		}
	}()
	// The same server settings as ingress-proxy's.
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 1 << 20}
	fmt.Fprintln(os.Stderr, srv.ListenAndServe())
	return 1
}

// overridesFromEnv reads the backend overrides the harness passes in
// BENCH_BACKENDS ("key=url,key=url").
func overridesFromEnv() map[string]string {
	m := map[string]string{}
	for kv := range strings.SplitSeq(os.Getenv("BENCH_BACKENDS"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// memCounts are the allocation counters /stats reports.
type memCounts struct {
	Mallocs, Bytes uint64
	GCs            uint32
}

// profileResult is one profiled proxy.
type profileResult struct {
	Name         string
	Requests     uint64
	Rate         float64
	AllocsPerReq float64
	BytesPerReq  float64
	CPUPerReq    time.Duration // profiled CPU time / requests
	CPUTop       []pprofRow    // by own time
	CPUCum       []pprofRow    // ingressmux functions by cumulative time
	AllocTop     []pprofRow    // allocation sites by count
}

// profileProxies profiles ingressmux and the bare proxy in turn under the
// same closed-loop load (one route, 1 KiB, 32 connections), saves the
// profiles in outDir and returns a Markdown section.
func profileProxies(ctx context.Context, e *env, outDir string, quick bool) (string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	// pprof samples at 100 Hz: ten seconds give about a thousand samples
	// of a busy core.
	seconds := 10
	if quick {
		seconds = 2
	}
	var results []*profileResult
	for _, name := range []string{"ingressmux", "bare"} {
		log.Printf("profiling %s for %ds", name, seconds)
		res, err := profileOne(ctx, e, outDir, name, seconds)
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, res)
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("## Profile")
	p("")
	p("In-process equivalent of ingress-proxy (`%s` mode of this program: the same Mux behind the same server settings, plus pprof on another loopback port), pinned and driven like the proxies above: one route, 1 KiB, %d connections, %d s of CPU profile. Profiles are in `%s`.", profileCommand, statConns, seconds, outDir)
	p("")
	p("| proxy | req/s while profiled | CPU µs / request | allocations / request | bytes allocated / request |")
	p("|---|---:|---:|---:|---:|")
	for _, r := range results {
		p("| %s | %s | %.1f | %.1f | %s |", r.Name, fmtRate(r.Rate), float64(r.CPUPerReq)/1e3, r.AllocsPerReq, fmtRate(r.BytesPerReq))
	}
	for _, r := range results {
		p("")
		p("### %s", r.Name)
		p("")
		p("CPU by own time (µs per request):")
		p("")
		writeRows(&b, r.CPUTop, "µs", r.Requests, false)
		if len(r.CPUCum) > 0 {
			p("")
			p("ingressmux's functions by cumulative time (µs per request, callees included):")
			p("")
			writeRows(&b, r.CPUCum, "µs", r.Requests, true)
		}
		p("")
		p("Allocation sites (objects per request):")
		p("")
		writeRows(&b, r.AllocTop, "", r.Requests, false)
	}
	return b.String(), nil
}

func profileOne(ctx context.Context, e *env, outDir, name string, seconds int) (*profileResult, error) {
	dir := filepath.Join(e.Dir, "profile-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	sc := allScenarios()[0] // one route
	args := []string{e.SelfBin, profileCommand, "-listen", listen, "-pprof-listen", pprofAddr}
	env := append([]string{}, goEnv...)
	if name == "bare" {
		args = append(args, "-bare-target", "http://"+e.Backend.HTTPAddr)
	} else {
		if err := writeManifests(dir, sc.Routes, manifestOptions{}); err != nil {
			return nil, err
		}
		args = append(args, "-f", dir)
		env = append(env, fmt.Sprintf("BENCH_BACKENDS=%s/%s:80=http://%s", manifestNamespace, backendService, e.Backend.HTTPAddr))
	}
	proc, err := startProcess("profile "+name, e.ProxyCore, env, filepath.Join(dir, "proxy.log"), args...)
	if err != nil {
		return nil, err
	}
	defer proc.Stop(2 * time.Second)
	in := &instance{Name: name, Addr: listen, Proc: proc}
	if err := waitReady(ctx, in, e, sc, 30*time.Second); err != nil {
		return nil, fmt.Errorf("not ready: %w\n%s", err, proc.LogTail(10))
	}
	spec := clientSpec(e, sc, in)
	runClosed(ctx, spec, statConns, time.Second) // warm up pools and the heap
	base := "http://" + pprofAddr
	allocsBefore := filepath.Join(outDir, name+"-allocs-before.pb.gz")
	if err := fetch(base+"/debug/pprof/allocs", allocsBefore); err != nil {
		return nil, err
	}
	var before, after memCounts
	if err := fetchJSON(base+"/stats", &before); err != nil {
		return nil, err
	}
	cpuFile := filepath.Join(outDir, name+"-cpu.pb.gz")
	cpuDone := make(chan error, 1)
	go func() { cpuDone <- fetch(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, seconds), cpuFile) }()
	res := runClosed(ctx, spec, statConns, time.Duration(seconds)*time.Second)
	if err := fetchJSON(base+"/stats", &after); err != nil {
		return nil, err
	}
	if err := <-cpuDone; err != nil {
		return nil, err
	}
	allocsAfter := filepath.Join(outDir, name+"-allocs.pb.gz")
	if err := fetch(base+"/debug/pprof/allocs", allocsAfter); err != nil {
		return nil, err
	}
	if res.OK == 0 {
		return nil, fmt.Errorf("no request succeeded: %s", res.FirstErr)
	}
	// /stats is read a moment before and after the load, so a few probe
	// requests are counted too; against hundreds of thousands of requests
	// they do not show.
	out := &profileResult{
		Name: name, Requests: res.OK, Rate: res.Rate(),
		AllocsPerReq: float64(after.Mallocs-before.Mallocs) / float64(res.OK),
		BytesPerReq:  float64(after.Bytes-before.Bytes) / float64(res.OK),
	}
	text, err := pprofTop(filepath.Join(outDir, name+"-cpu.txt"), "-top", "-nodecount=20", cpuFile)
	if err != nil {
		return nil, err
	}
	out.CPUTop, out.CPUPerReq = parsePprofTop(text), profileTotal(text)/time.Duration(res.OK)
	if name == "ingressmux" {
		text, err := pprofTop(filepath.Join(outDir, name+"-cpu-cum.txt"), "-top", "-cum", "-nodecount=15", "-focus=github.com/ingressmux", "-show=github.com/ingressmux", cpuFile)
		if err != nil {
			return nil, err
		}
		out.CPUCum = parsePprofTop(text)
	}
	text, err = pprofTop(filepath.Join(outDir, name+"-allocs.txt"), "-top", "-nodecount=15", "-sample_index=alloc_objects", "-diff_base", allocsBefore, allocsAfter)
	if err != nil {
		return nil, err
	}
	out.AllocTop = parsePprofTop(text)
	return out, nil
}

// pprofTop runs go tool pprof with args, saves its output to file and
// returns it.
func pprofTop(file string, args ...string) (string, error) {
	out, err := exec.Command("go", append([]string{"tool", "pprof"}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	text := strings.TrimSpace(string(out))
	return text, os.WriteFile(file, []byte(text+"\n"), 0o644)
}

func fetch(url, file string) error {
	client := &http.Client{Timeout: 2 * time.Minute}
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fetchJSON(url string, v any) error {
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}
