package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
)

// clusterOptions are the flags of cluster mode.
type clusterOptions struct {
	kubeconfig           string // a path, or "in-cluster"
	watchNamespace       string // comma-separated; empty means all
	publishStatusAddress string // comma-separated addresses
	publishService       string // namespace/name
	electionID           string
	electionNamespace    string
}

// inCluster is the -kubeconfig value that means the pod's service account.
const inCluster = "in-cluster"

// Client rate limits: client-go's defaults (5 requests per second, bursts
// of 10) would take half an hour to write the status of 10,000 Ingresses
// on a takeover.
const (
	clientQPS   = 50
	clientBurst = 100
)

// restConfig reads the kubeconfig file, or the in-cluster configuration.
func (co clusterOptions) restConfig() (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if co.kubeconfig == inCluster {
		cfg, err = rest.InClusterConfig()
	} else {
		cfg, err = clientcmd.BuildConfigFromFlags("", co.kubeconfig)
	}
	if err != nil {
		return nil, fmt.Errorf("-kubeconfig %s: %w", co.kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = clientQPS, clientBurst
	cfg.UserAgent = "ingressmux-ingress-proxy"
	return cfg, nil
}

// sourceConfig turns the flags into a cluster.Config (without Client and
// Target), or says what is wrong with them.
func (co clusterOptions) sourceConfig(opts ingress.Options) (cluster.Config, error) {
	cfg := cluster.Config{Options: opts}
	for ns := range strings.SplitSeq(co.watchNamespace, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			cfg.Namespaces = append(cfg.Namespaces, ns)
		}
	}
	switch {
	case co.publishStatusAddress != "" && co.publishService != "":
		return cfg, errors.New("-publish-status-address and -publish-service exclude each other")
	case co.publishStatusAddress != "":
		st := &cluster.Status{}
		for a := range strings.SplitSeq(co.publishStatusAddress, ",") {
			if a = strings.TrimSpace(a); a != "" {
				st.Addresses = append(st.Addresses, a)
			}
		}
		cfg.Status = st
	case co.publishService != "":
		ns, name, ok := strings.Cut(co.publishService, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return cfg, fmt.Errorf("-publish-service %s: want NS/NAME", co.publishService)
		}
		cfg.Status = &cluster.Status{Service: co.publishService}
	}
	cfg.Election = cluster.Election{Namespace: co.electionNamespace, Name: co.electionID}
	return cfg, nil
}

// runCluster serves the Ingresses of a cluster: the Mux starts empty and
// not ready, and the cluster source fills it; /readyz says ready once every
// informer has synced and the first table is in place.
func runCluster(ctx context.Context, cfg ingressmux.Config, co clusterOptions, so serveOptions, stdout io.Writer, logger *slog.Logger) int {
	src, err := co.sourceConfig(cfg.Options)
	if err != nil {
		logger.Error("cluster mode: " + err.Error())
		return 2
	}
	restCfg, err := co.restConfig()
	if err != nil {
		logger.Error("cluster mode", "err", err)
		return 1
	}
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		logger.Error("cluster mode", "err", err)
		return 1
	}
	gatewayClient, err := gatewayclient.NewForConfig(restCfg)
	if err != nil {
		logger.Error("cluster mode", "err", err)
		return 1
	}
	lns, code := bind(so, logger)
	if code != 0 {
		return code
	}
	if lns[1] != nil {
		cfg.HTTPSPort = lns[1].Addr().(*net.TCPAddr).Port
	}
	// In a cluster one bad Ingress must never take the others down.
	cfg.SkipInvalidIngresses = true
	mux, obs, code := loadObserved(ctx, cfg, so, lns, logger, func(ctx context.Context, cfg ingressmux.Config) (*ingressmux.Mux, error) {
		return ingressmux.LoadObjects(ctx, cfg, nil) // empty until the first sync
	})
	if code != 0 {
		return code
	}
	defer mux.Close() // after the servers have drained
	src.Client, src.Target, src.Logger = client, mux, logger
	src.Gateway, src.GatewayController = gatewayClient, cfg.GatewayController
	src.Election.Changed = obs.leading(src.Election.Name)
	source, err := cluster.New(src)
	if err != nil {
		logger.Error("cluster mode", "err", err)
		closeAll(lns[:])
		obs.close(context.Background())
		return 2
	}
	namespaces := co.watchNamespace
	if namespaces == "" {
		namespaces = "all"
	}
	logger.Info("cluster mode", "apiserver", restCfg.Host, "namespaces", namespaces, "class", cfg.IngressClass,
		"identity", source.Identity(), "lease", co.electionNamespace+"/"+co.electionID)
	s := startServer(mux, lns, so, obs, stdout, logger, func() (bool, string) {
		h := source.Health()
		return h.Ready, h.String()
	})
	s.ready.Store(true)

	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() {
		runErr = source.Run(runCtx)
		cancel()
	})
	<-runCtx.Done()
	s.stop(so.drainTimeout)
	cancel()
	wg.Wait()
	if runErr != nil && ctx.Err() == nil { // not a shutdown before the first sync
		logger.Error("cluster source stopped", "err", runErr)
		return 1
	}
	return 0
}
