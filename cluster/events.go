package cluster

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// eventScheme resolves the kind of the objects Events are about: the
// Kubernetes kinds and the Gateway API's.
var eventScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(scheme.AddToScheme(s))
	utilruntime.Must(gatewayv1.Install(s))
	return s
}()

// newBroadcaster sends Events to the apiserver as core/v1 Events (the
// verbs create and patch, the latter when the correlator folds repeats).
func newBroadcaster(client kubernetes.Interface) record.EventBroadcaster {
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return b
}

func eventSource(identity string) corev1.EventSource {
	return corev1.EventSource{Component: EventComponent, Host: identity}
}
