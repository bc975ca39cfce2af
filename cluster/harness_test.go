package cluster_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

	"github.com/ingressmux/ingressmux"
	"github.com/ingressmux/ingressmux/cluster"
	"github.com/ingressmux/ingressmux/ingress"
	"github.com/ingressmux/ingressmux/proxy"
)

// harness runs a Source against a fake clientset and a real Mux.
type harness struct {
	t        testing.TB
	client   *fake.Clientset
	mux      *ingressmux.Mux
	source   *cluster.Source
	recorder *record.FakeRecorder
	stop     func()
	// wrap, when not nil, wraps the Mux before the Source gets it.
	wrap func(cluster.Target) cluster.Target
}

// eventually is how long a change may take to show: the debounce plus
// the fake watch, with room for a loaded machine.
const eventually = 10 * time.Second

func start(t testing.TB, cfg cluster.Config, objects ...runtime.Object) *harness {
	t.Helper()
	h := &harness{t: t, client: fake.NewClientset(objects...), recorder: record.NewFakeRecorder(100)}
	h.mux, h.source, h.stop = h.run(cfg)
	require.Eventually(t, h.source.Ready, eventually, 5*time.Millisecond, "the source never became ready")
	return h
}

// run starts one more replica, a Mux and a Source, on the harness's
// client; stop ends it (and runs at cleanup if not called).
func (h *harness) run(cfg cluster.Config) (*ingressmux.Mux, *cluster.Source, func()) {
	t := h.t
	t.Helper()
	mux, err := ingressmux.LoadObjects(t.Context(), ingressmux.Config{
		Options: ingress.Options{IngressClass: cfg.Options.IngressClass, SkipInvalidIngresses: true},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil)
	require.NoError(t, err)
	cfg.Client, cfg.Target = h.client, mux
	if h.wrap != nil {
		cfg.Target = h.wrap(mux)
	}
	if cfg.Recorder == nil && h.recorder != nil { // else Events go to the apiserver
		cfg.Recorder = h.recorder
	}
	cfg.Debounce = 10 * time.Millisecond
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	src, err := cluster.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return mux, src, stop
}

// routes returns the Ingress ("ns/name") that serves url, or "" for none.
func (h *harness) routes(url string) string {
	e, err := h.mux.Explain(url)
	require.NoError(h.t, err)
	if e.Rule == nil {
		return ""
	}
	return strings.TrimPrefix(e.Rule.Origin, "ingress ")
}

// endpoints returns the backend addresses of the route of url.
func (h *harness) endpoints(url string) []string {
	e, err := h.mux.Explain(url)
	require.NoError(h.t, err)
	if e.Rule == nil {
		return nil
	}
	return e.Rule.Value.(*proxy.Route).Upstream.Endpoints
}

// waitRoute waits until url is served by the Ingress want ("" for none).
func (h *harness) waitRoute(url, want string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool { return h.routes(url) == want }, eventually, 5*time.Millisecond,
		"%s: want %q, have %q", url, want, h.routes(url))
}

// event waits for the next Event and returns it.
func (h *harness) event() string {
	h.t.Helper()
	select {
	case e := <-h.recorder.Events:
		return e
	case <-time.After(eventually):
		h.t.Fatal("no Event")
		return ""
	}
}

// noEvent fails if an Event is pending.
func (h *harness) noEvent() {
	h.t.Helper()
	select {
	case e := <-h.recorder.Events:
		h.t.Fatalf("unexpected Event %q", e)
	default:
	}
}

var (
	ctx           = context.Background()
	deleteOptions = metav1.DeleteOptions{}
)

func (h *harness) create(obj runtime.Object) {
	h.t.Helper()
	var err error
	switch o := obj.(type) {
	case *networkingv1.Ingress:
		_, err = h.client.NetworkingV1().Ingresses(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *networkingv1.IngressClass:
		_, err = h.client.NetworkingV1().IngressClasses().Create(ctx, o, metav1.CreateOptions{})
	case *corev1.Service:
		_, err = h.client.CoreV1().Services(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *discoveryv1.EndpointSlice:
		_, err = h.client.DiscoveryV1().EndpointSlices(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	case *corev1.Secret:
		_, err = h.client.CoreV1().Secrets(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
	default:
		h.t.Fatalf("create: unsupported %T", obj)
	}
	require.NoError(h.t, err)
}

func (h *harness) updateIngress(ing *networkingv1.Ingress) {
	h.t.Helper()
	_, err := h.client.NetworkingV1().Ingresses(ing.Namespace).Update(ctx, ing, metav1.UpdateOptions{})
	require.NoError(h.t, err)
}

func (h *harness) getIngress(namespace, name string) *networkingv1.Ingress {
	h.t.Helper()
	ing, err := h.client.NetworkingV1().Ingresses(namespace).Get(ctx, name, metav1.GetOptions{})
	require.NoError(h.t, err)
	return ing
}

// Object builders.

func newIngress(namespace, name, host, class string, rv string) *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + namespace + "-" + name), ResourceVersion: rv},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
			}}}},
		}}},
	}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	return ing
}

func newService(namespace, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: corev1.ServiceSpec{
			ClusterIP: "10.96.0.10",
			Ports:     []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func newEndpointSlice(namespace, service string, addresses ...string) *discoveryv1.EndpointSlice {
	port, name, proto, ready := int32(8080), "http", corev1.ProtocolTCP, true
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: namespace, Name: service + "-abc", Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}},
	}
	for _, a := range addresses {
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{a}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return es
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func newIngressClass(name string, isDefault bool) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: networkingv1.IngressClassSpec{Controller: "example.com/" + name}}
	if isDefault {
		c.Annotations = map[string]string{ingress.DefaultClassAnnotation: "true"}
	}
	return c
}

type runtimeObject = runtime.Object

func newRecorder() *record.FakeRecorder { return record.NewFakeRecorder(100) }

func conflict() error {
	return apierrors.NewConflict(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, "web", errors.New("the object has been modified"))
}

// muxTarget is a Target that New can be given; its methods are never
// called by the tests that use it.
type muxTarget struct{}

func (*muxTarget) ReplaceObjects(context.Context, *ingress.Set) error { return nil }
func (*muxTarget) Warnings() []ingress.Warning                        { return nil }

// checkedTarget runs check after every replace that succeeded: it sees
// every table the Mux serves, however briefly.
type checkedTarget struct {
	cluster.Target
	check func()
}

func (c checkedTarget) ReplaceObjects(ctx context.Context, set *ingress.Set) error {
	err := c.Target.ReplaceObjects(ctx, set)
	if err == nil {
		c.check()
	}
	return err
}
