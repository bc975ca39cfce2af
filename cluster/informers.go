package cluster

import (
	"context"
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"
)

// watchers holds the shared informers of a Source: one factory per watched
// namespace (or one for all), one for the cluster-scoped IngressClasses,
// and one for the Service named by Status.Service.
type watchers struct {
	factories []factory
	synced    []cache.InformerSynced
	scopes    []scope
	classes   networkinglisters.IngressClassLister
	publish   corelisters.ServiceLister // nil without Status.Service
	// gateway holds the Gateway API listers; nil while the Gateway API is
	// not watched. It is set once, maybe after the start (see
	// awaitGatewayAPI).
	gateway atomic.Pointer[gatewayWatchers]
	// awaitGateway says that the apiserver did not serve the Gateway API
	// at the start, and that awaitGatewayAPI should ask again;
	// gatewayUnknown that it did not answer.
	awaitGateway, gatewayUnknown bool

	// mu guards factories once the start is over: informers started later
	// join them, and shutdown must see them.
	mu     sync.Mutex
	closed bool
}

// factory is a shared informer factory, of client-go's or gateway-api's.
type factory interface {
	StartWithContext(ctx context.Context)
	Shutdown()
}

// scope is the listers of one namespace, or of all.
type scope struct {
	namespace      string
	ingresses      networkinglisters.IngressLister
	services       corelisters.ServiceLister
	endpointSlices discoverylisters.EndpointSliceLister
	secrets        corelisters.SecretLister
	configMaps     corelisters.ConfigMapLister
}

// secretTypesDropped are the Secret types that routing never reads and
// that are the bulk of a cluster's Secrets (Helm releases, service account
// tokens, registry credentials): the apiserver leaves them out of the
// Secret watch, which needs no index and keeps them off the wire. Of the
// rest, only the types in routingSecretTypes keep their data in memory.
var secretTypesDropped = []corev1.SecretType{
	"helm.sh/release.v1",
	corev1.SecretTypeServiceAccountToken,
	corev1.SecretTypeDockerConfigJson,
	corev1.SecretTypeDockercfg,
	corev1.SecretTypeBootstrapToken,
}

// routingSecretTypes are the types a Secret that routing reads can have:
// kubernetes.io/tls for certificates (spec.tls, proxy-ssl-secret), Opaque
// and basic-auth for the auth-secret and CA bundles.
var routingSecretTypes = map[corev1.SecretType]bool{
	"":                         true,
	corev1.SecretTypeOpaque:    true,
	corev1.SecretTypeTLS:       true,
	corev1.SecretTypeBasicAuth: true,
}

func newInformers(s *Source) (*watchers, error) {
	w := &watchers{}
	namespaces := s.watchedNamespaces()
	handler := s.changeHandler()
	ingressHandler := cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { s.changed() },
		UpdateFunc: func(oldObj, newObj any) {
			if routingChanged(oldObj, newObj) {
				s.changed()
			}
		},
		DeleteFunc: func(any) { s.changed() },
	}
	add := s.register(&w.synced)
	var errs []error
	for _, ns := range namespaces {
		f := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0,
			informers.WithNamespace(ns), informers.WithTransform(trimObject))
		secrets := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0,
			informers.WithNamespace(ns), informers.WithTransform(trimObject),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = secretFieldSelector() }))
		w.factories = append(w.factories, f, secrets)
		sc := scope{
			namespace:      ns,
			ingresses:      f.Networking().V1().Ingresses().Lister(),
			services:       f.Core().V1().Services().Lister(),
			endpointSlices: f.Discovery().V1().EndpointSlices().Lister(),
			secrets:        secrets.Core().V1().Secrets().Lister(),
			configMaps:     f.Core().V1().ConfigMaps().Lister(),
		}
		w.scopes = append(w.scopes, sc)
		errs = append(errs,
			add(f.Networking().V1().Ingresses().Informer(), ingressHandler),
			add(f.Core().V1().Services().Informer(), handler),
			add(f.Discovery().V1().EndpointSlices().Informer(), handler),
			add(secrets.Core().V1().Secrets().Informer(), handler),
			add(f.Core().V1().ConfigMaps().Informer(), handler))
	}
	classes := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0, informers.WithTransform(trimObject))
	w.factories = append(w.factories, classes)
	w.classes = classes.Networking().V1().IngressClasses().Lister()
	errs = append(errs, add(classes.Networking().V1().IngressClasses().Informer(), handler))

	if st := s.cfg.Status; st != nil && st.Service != "" {
		ns, name, _ := strings.Cut(st.Service, "/")
		f := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0,
			informers.WithNamespace(ns), informers.WithTransform(trimObject),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
			}))
		w.factories = append(w.factories, f)
		w.publish = f.Core().V1().Services().Lister()
		statusHandler := cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { s.statusChanged() },
			UpdateFunc: func(any, any) { s.statusChanged() },
			DeleteFunc: func(any) { s.statusChanged() },
		}
		errs = append(errs, add(f.Core().V1().Services().Informer(), statusHandler))
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := s.addGatewayInformers(w, add); err != nil {
		return nil, err
	}
	return w, nil
}

// register returns the function that adds an informer's event handler and
// its watch error handler, and appends its HasSynced to synced.
func (s *Source) register(synced *[]cache.InformerSynced) registerFunc {
	return func(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
		if err := inf.SetWatchErrorHandlerWithContext(func(_ context.Context, r *cache.Reflector, err error) {
			s.health.watchFailed(s, r.TypeDescription(), err)
		}); err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(h); err != nil {
			return err
		}
		*synced = append(*synced, inf.HasSynced)
		return nil
	}
}

// changeHandler enqueues a compile on every add and delete, and on updates
// that are not resyncs of an unchanged object (same resourceVersion; a
// fake clientset leaves it empty, and then every update counts).
func (s *Source) changeHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { s.changed() },
		UpdateFunc: func(oldObj, newObj any) {
			o, err1 := meta.Accessor(oldObj)
			n, err2 := meta.Accessor(newObj)
			if err1 == nil && err2 == nil && o.GetResourceVersion() != "" && o.GetResourceVersion() == n.GetResourceVersion() {
				return
			}
			s.changed()
		},
		DeleteFunc: func(any) { s.changed() },
	}
}

// routingChanged reports whether an Ingress update changes routing: its
// spec, annotations or labels. The status writes of the leader (and of
// other controllers) change none of them, and must not cause a compile.
func routingChanged(oldObj, newObj any) bool {
	o, ok1 := oldObj.(*networkingv1.Ingress)
	n, ok2 := newObj.(*networkingv1.Ingress)
	if !ok1 || !ok2 {
		return true
	}
	return o.UID != n.UID || !maps.Equal(o.Annotations, n.Annotations) || !maps.Equal(o.Labels, n.Labels) ||
		!equality.Semantic.DeepEqual(o.Spec, n.Spec) || !o.CreationTimestamp.Equal(&n.CreationTimestamp)
}

// secretFieldSelector leaves the Secret types in secretTypesDropped out of
// the watch.
func secretFieldSelector() string {
	var sel []fields.Selector
	for _, t := range secretTypesDropped {
		sel = append(sel, fields.OneTermNotEqualSelector("type", string(t)))
	}
	return fields.AndSelectors(sel...).String()
}

// lastApplied is the annotation kubectl apply keeps a whole copy of the
// object in; nothing here reads it.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// trimObject is the transform of every informer: it runs before an object
// enters the cache and drops what routing never reads, to save memory:
// managedFields, kubectl's last-applied copy, and the data of Secrets of
// types routing does not use (the field selector keeps most of them out;
// this catches the types it does not name).
func trimObject(obj any) (any, error) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return d, nil
	}
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
		if _, ok := m.GetAnnotations()[lastApplied]; ok {
			annotations := maps.Clone(m.GetAnnotations())
			delete(annotations, lastApplied)
			m.SetAnnotations(annotations)
		}
	}
	if secret, ok := obj.(*corev1.Secret); ok && !routingSecretTypes[secret.Type] {
		secret.Data, secret.StringData = nil, nil
	}
	return obj, nil
}

func (w *watchers) start(ctx context.Context) {
	for _, f := range w.factories {
		f.StartWithContext(ctx)
	}
}

// waitForSync waits for the initial list of every informer; false if ctx
// ended first.
func (w *watchers) waitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), w.synced...)
}

// startLate starts factories after the others have started, unless the
// watchers are shut down already; it reports whether it started them.
func (w *watchers) startLate(ctx context.Context, factories []factory) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	for _, f := range factories {
		f.StartWithContext(ctx)
	}
	w.factories = append(w.factories, factories...)
	return true
}

// shutdown waits for every informer goroutine to end; the context given
// to start must be done.
func (w *watchers) shutdown() {
	w.mu.Lock()
	w.closed = true
	factories := w.factories
	w.mu.Unlock()
	for _, f := range factories {
		f.Shutdown()
	}
}
