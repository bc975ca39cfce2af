package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/ingress"
)

// nameIngressmuxAPI names the in-process row of the reload comparison.
const nameIngressmuxAPI = "ingressmux Mux.Apply (in process)"

// measureAPIPropagation is the reload comparison's big-table part for the
// object-change API, the path a cluster watch takes: the same manifests
// loaded into a Mux in this process and served on a loopback port, then
// one Ingress changed with Mux.Apply, timed from the call until a request
// for the new path is answered. Nothing is written to disk and no signal
// is sent.
func measureAPIPropagation(ctx context.Context, e *env, o reloadOptions) *reloadResult {
	res := &reloadResult{Proxy: nameIngressmuxAPI, BigRules: o.BigHosts * manyPaths}
	if err := apiPropagation(ctx, e, o, res); err != nil {
		res.Err = err.Error()
	}
	return res
}

func apiPropagation(ctx context.Context, e *env, o reloadOptions, res *reloadResult) error {
	dir := filepath.Join(e.Dir, "api-propagation")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sc := reloadScenario(o.BigHosts, false)
	if err := writeManifests(dir, sc.Routes, manifestOptions{}); err != nil {
		return err
	}
	if err := writeChange(dir, 0, manifestOptions{}); err != nil {
		return err
	}
	start := time.Now()
	m, err := ingressmux.Load(ctx, ingressmux.Config{
		Paths:   []string{dir},
		Options: ingress.Options{Backends: map[string]string{manifestNamespace + "/" + backendService + ":80": "http://" + e.Backend.HTTPAddr}},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	res.LoadTime = time.Since(start)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	spec := clientSpec(e, &scenario{}, &instance{Addr: ln.Addr().String()})
	for n := 1; n <= o.Changes && ctx.Err() == nil; n++ {
		change, err := changeObject(n)
		if err != nil {
			return err
		}
		took, err := apply(spec, func(int) error { return m.Apply(ctx, ingress.Update(change)) }, n, o.VisibleMax)
		if err != nil {
			return err
		}
		res.Apply = append(res.Apply, took)
	}
	log.Printf("  %-10s %d rules loaded in %v; one-Ingress change served after %v", "Mux.Apply", res.BigRules, res.LoadTime.Round(time.Millisecond), res.Apply)
	return nil
}

// changeObject decodes version n of the changing Ingress, as writeChange
// writes it.
func changeObject(n int) (ingress.Ingress, error) {
	var b strings.Builder
	writeIngress(&b, "change", routeSpec{Host: changeHost, Path: fmt.Sprintf("/v%d", n)}, manifestOptions{})
	set, err := ingress.DecodeBytes("change", []byte(b.String()))
	if err != nil {
		return ingress.Ingress{}, err
	}
	if len(set.Ingresses) != 1 {
		return ingress.Ingress{}, errors.New("the change decodes to no Ingress")
	}
	return set.Ingresses[0], nil
}
