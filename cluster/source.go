package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"

	"github.com/ingressmux/ingressmux/gateway"
	"github.com/ingressmux/ingressmux/ingress"
)

// Target is what a Source feeds: it validates and compiles whole object
// sets and serves the last one that compiled. *ingressmux.Mux is a Target.
type Target interface {
	// ReplaceObjects validates and compiles set and serves it if that
	// succeeds; on error the running objects keep serving. ctx is the
	// Source's: done when it stops.
	ReplaceObjects(ctx context.Context, set *ingress.Set) error
	// Warnings returns the warnings of the last successful replace.
	Warnings() []ingress.Warning
}

// Config configures a Source. Client and Target are required.
type Config struct {
	// Client talks to the apiserver.
	Client kubernetes.Interface
	// Gateway, when not nil, is the client of the Gateway API: the Source
	// then also watches GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes,
	// ReferenceGrants and BackendTLSPolicies (gateway.networking.k8s.io/v1,
	// those the apiserver serves) and Namespaces, puts them in the set
	// beside the Ingresses, and the leader writes their status. When the
	// apiserver does not serve the Gateway API, Ingresses are served alone.
	// Status is written only when the Target is a GatewayTarget.
	Gateway gatewayclient.Interface
	// GatewayController is the controllerName of the GatewayClasses served,
	// the Target's (ingressmux.Config.GatewayController): the status
	// entries of routes and policies that name it are this Source's to
	// write, the others are left alone. Empty means
	// gateway.DefaultControllerName.
	GatewayController string
	// Target receives the object sets. Give it Options.SkipInvalidIngresses
	// so that one bad Ingress is left out instead of failing the set.
	Target Target
	// Namespaces limits the namespaced kinds to these namespaces; empty
	// means every namespace. IngressClasses are cluster-scoped and always
	// watched.
	Namespaces []string
	// Options are the options the Target compiles with: the class
	// selection decides whose status is written, and the rest is used to
	// check an Ingress's update on its own before it replaces a version
	// that works.
	Options ingress.Options
	// Status, when not nil, makes the elected leader write the Ingresses'
	// status.loadBalancer.ingress and, with Gateway, the status of the
	// Gateway API objects served.
	Status *Status
	// Election configures the leader election that picks the one replica
	// writing status. Used only with Status.
	Election Election
	// Recorder, when not nil, receives the Events about Ingresses; nil
	// means Events written to the apiserver through Client.
	Recorder record.EventRecorder
	// Debounce is how long a change waits for the changes that follow it
	// before the objects are compiled, so that a burst (a deploy touching
	// many objects, an informer re-list) costs one compile. Zero means
	// DefaultDebounce.
	Debounce time.Duration
	// ProbeInterval is how often the apiserver is probed while it is
	// unreachable, and checked while it is not. Zero means
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// Logger receives what the Source does. Nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultDebounce      = 100 * time.Millisecond
	DefaultProbeInterval = 5 * time.Second
	// EventComponent is the source component of the Events a Source writes.
	EventComponent = "ingressmux"
)

// Status says which address to write into the status of the Ingresses
// served. Give Addresses or Service.
type Status struct {
	// Addresses are IP addresses or host names, as in ingress-nginx's
	// --publish-status-address.
	Addresses []string
	// Service is "namespace/name" of a Service whose load-balancer
	// ingress (or else external IPs) is the address, as in ingress-nginx's
	// --publish-service.
	Service string
}

// Source keeps a Target fed with the objects of a cluster. Create it with
// New, then Run it.
type Source struct {
	cfg      Config
	logger   *slog.Logger
	identity string

	queue     workqueue.TypedRateLimitingInterface[string]
	informers *watchers
	recorder  record.EventRecorder

	ready atomic.Bool
	// saidNotServed is set once the log has said that the apiserver does
	// not serve the Gateway API.
	saidNotServed atomic.Bool
	leader        atomic.Bool
	health        health
	running       atomic.Bool
	// changes counts the changes seen; compiled is its value when the last
	// successful sync started.
	changes, compiled atomic.Uint64
	syncs             syncState // owned by the sync worker
	servedMu          sync.Mutex
	served            []servedIngress // the Ingresses served, for status
	// gatewayCompiled is what the Target made of the Gateway API objects
	// in the last sync, for status; nil without any.
	gatewayCompiled *gateway.Compiled
	// gatewaySynced is whether that sync held the Gateway API objects:
	// until one did, there is no status to write, and writing the empty
	// one would remove this controller's entries from every route.
	gatewaySynced bool
}

// Queue keys: the two jobs of the workers.
const (
	syncKey   = "sync"
	statusKey = "status"
)

// New checks cfg and returns a Source that has not started.
func New(cfg Config) (*Source, error) {
	if cfg.Client == nil || cfg.Target == nil {
		return nil, errors.New("cluster: Config.Client and Config.Target are required")
	}
	if st := cfg.Status; st != nil {
		if len(st.Addresses) == 0 && st.Service == "" {
			return nil, errors.New("cluster: Config.Status needs Addresses or Service")
		}
		if len(st.Addresses) > 0 && st.Service != "" {
			return nil, errors.New("cluster: Config.Status takes Addresses or Service, not both")
		}
		if st.Service != "" {
			if ns, name, ok := strings.Cut(st.Service, "/"); !ok || ns == "" || name == "" || strings.Contains(name, "/") {
				return nil, fmt.Errorf("cluster: Status.Service %q: want namespace/name", st.Service)
			}
		}
		if err := cfg.Election.check(); err != nil {
			return nil, err
		}
	}
	for _, ns := range cfg.Namespaces {
		if ns == "" {
			return nil, errors.New("cluster: Config.Namespaces has an empty name (leave the list empty for every namespace)")
		}
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s := &Source{cfg: cfg, logger: logger, identity: cfg.Election.identity()}
	s.syncs.init()
	return s, nil
}

// gatewayController is the controllerName whose status entries this
// Source writes.
func (s *Source) gatewayController() string {
	if s.cfg.GatewayController != "" {
		return s.cfg.GatewayController
	}
	return gateway.DefaultControllerName
}

// Identity is the name this replica goes by in the Lease and in Events:
// Election.Identity, else the POD_NAME environment variable, else host
// name and process id.
func (s *Source) Identity() string { return s.identity }

// Ready reports whether every informer has synced and the first object set
// has been handed to the Target. It stays true when the apiserver goes
// away: the last table keeps serving.
func (s *Source) Ready() bool { return s.ready.Load() }

// Leader reports whether this replica holds the Lease and writes status.
func (s *Source) Leader() bool { return s.leader.Load() }

// Run watches the cluster and feeds the Target until ctx is done, then
// stops every informer, worker and election and returns. It returns an
// error only when it cannot start, or when ctx ends before the initial
// sync. A Source runs once.
func (s *Source) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("cluster: Source.Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel, below: every goroutine has ended on return
	defer cancel()

	s.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, time.Minute),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "ingressmux"})
	defer s.queue.ShutDown()

	s.recorder = s.cfg.Recorder
	if s.recorder == nil {
		broadcaster := newBroadcaster(s.cfg.Client)
		defer broadcaster.Shutdown()
		s.recorder = broadcaster.NewRecorder(eventScheme, eventSource(s.identity))
	}

	inf, err := newInformers(s)
	if err != nil {
		return err
	}
	s.informers = inf
	start := time.Now()
	inf.start(ctx)
	defer func() { cancel(); inf.shutdown() }() // informers end only once ctx is done
	wg.Add(1)
	go func() { defer wg.Done(); s.health.probe(ctx, s) }()
	if !inf.waitForSync(ctx) {
		return fmt.Errorf("cluster: stopped before the initial sync of every informer: %w", context.Cause(ctx))
	}
	s.logger.Info("cluster: informers synced", "took", time.Since(start).Round(time.Millisecond), "namespaces", namespacesLabel(s.cfg.Namespaces))
	if inf.gatewayUnknown && s.watchGatewayAPI(ctx, inf) {
		// The apiserver did not answer discovery at the start; now that it
		// has answered the lists, the Gateway API goes in the first set.
		inf.awaitGateway = false
	}
	// The first set goes in before Ready, so that a ready replica routes
	// what the cluster holds; failures are retried by the worker.
	s.queue.Forget(syncKey)
	if err := s.sync(ctx); err != nil {
		s.logger.Error("cluster: initial sync failed; retrying", "err", err)
		s.queue.AddRateLimited(syncKey)
	}
	for range 2 { // one for routing, one for status, so neither waits for the other
		wg.Add(1)
		go func() { defer wg.Done(); s.work(ctx) }()
	}
	if s.cfg.Status != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.elect(ctx) }()
	}
	if inf.awaitGateway {
		wg.Add(1)
		go func() { defer wg.Done(); s.awaitGatewayAPI(ctx, inf) }()
	}
	<-ctx.Done()
	s.queue.ShutDown()
	return nil
}

// changed is what every event handler calls: it only enqueues, and the
// delay coalesces a burst of changes into one compile.
func (s *Source) changed() {
	s.changes.Add(1)
	s.queue.AddAfter(syncKey, s.cfg.Debounce)
}

// statusChanged asks for the status to be written again.
func (s *Source) statusChanged() {
	if s.cfg.Status != nil && s.leader.Load() {
		s.queue.Add(statusKey)
	}
}

// work runs queued jobs until the queue shuts down.
func (s *Source) work(ctx context.Context) {
	for {
		key, shutdown := s.queue.Get()
		if shutdown {
			return
		}
		var err error
		switch key {
		case syncKey:
			// The initial sync already compiled what the informers'
			// first lists queued: no second compile of the same objects.
			if s.changes.Load() != s.compiled.Load() || !s.ready.Load() {
				err = s.sync(ctx)
			}
		case statusKey:
			err = s.writeStatus(ctx)
		}
		switch {
		case err == nil:
			s.queue.Forget(key)
		case ctx.Err() != nil:
		default:
			s.logger.Error("cluster: "+key+" failed; retrying", "err", err, "retries", s.queue.NumRequeues(key))
			s.queue.AddRateLimited(key)
		}
		s.queue.Done(key)
	}
}

func namespacesLabel(namespaces []string) string {
	if len(namespaces) == 0 {
		return "all"
	}
	return strings.Join(namespaces, ",")
}

// hostIdentity is the Lease identity when neither Election.Identity nor
// POD_NAME gives one.
func hostIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s_%d", host, os.Getpid())
}
