package cluster_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ingressmux/ingressmux/cluster"
)

// badPath makes an Ingress invalid the way the apiserver would not catch
// but routing must: a Prefix path that does not start with "/".
func badPath(ing *networkingv1.Ingress) *networkingv1.Ingress {
	ing.Spec.Rules[0].HTTP.Paths[0].Path = "no-slash"
	return ing
}

func TestInvalidIngressIsSkippedWithAnEvent(t *testing.T) {
	h := start(t, cluster.Config{},
		newService("default", "web"),
		newIngress("default", "good", "good.example.com", "", "1"),
		badPath(newIngress("default", "bad", "bad.example.com", "", "1")))
	assert.Equal(t, "default/good", h.routes("good.example.com/"), "the others keep serving")
	assert.Equal(t, "", h.routes("bad.example.com/"))
	e := h.event()
	assert.True(t, strings.HasPrefix(e, "Warning "+cluster.ReasonInvalid+" skipped, not served: "), e)
	assert.Contains(t, e, "spec.rules[0].http.paths[0].path")

	// Said once, not on every sync.
	h.create(newIngress("default", "third", "third.example.com", "", ""))
	h.waitRoute("third.example.com/", "default/third")
	h.noEvent()

	// Fixed: served, and said so.
	ing := h.getIngress("default", "bad")
	ing.Spec.Rules[0].HTTP.Paths[0].Path = "/"
	h.updateIngress(ing)
	h.waitRoute("bad.example.com/", "default/bad")
	assert.True(t, strings.HasPrefix(h.event(), "Normal "+cluster.ReasonSync+" valid again"))
}

func TestBadUpdateKeepsTheLastGoodVersion(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"), newIngress("default", "web", "web.example.com", "", "1")),
		recorder: newRecorder()}
	// Never out of service, not even between two compiles: every table
	// served routes it.
	var gaps atomic.Int32
	h.wrap = func(target cluster.Target) cluster.Target {
		return checkedTarget{Target: target, check: func() {
			if h.routes("web.example.com/") == "" && h.routes("new.example.com/") == "" {
				gaps.Add(1)
			}
		}}
	}
	h.mux, h.source, h.stop = h.run(cluster.Config{})
	require.Eventually(t, h.source.Ready, eventually, 5*time.Millisecond)
	require.Equal(t, "default/web", h.routes("web.example.com/"))

	// The update moves the host and breaks an annotation: none of it is
	// applied, the old version keeps serving.
	ing := h.getIngress("default", "web")
	ing.ResourceVersion = "2"
	ing.Spec.Rules[0].Host = "new.example.com"
	ing.Annotations = map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "lots"}
	h.updateIngress(ing)
	e := h.event()
	assert.True(t, strings.HasPrefix(e, "Warning "+cluster.ReasonKeptLastGood+" update not applied (resourceVersion 2); still serving the last good version (resourceVersion 1): "), e)
	assert.Contains(t, e, "proxy-body-size")
	assert.Equal(t, "default/web", h.routes("web.example.com/"), "the last good version serves")
	assert.Equal(t, "", h.routes("new.example.com/"))

	// Another change elsewhere compiles again: still the last good version,
	// and no second Event.
	h.create(newIngress("default", "other", "other.example.com", "", ""))
	h.waitRoute("other.example.com/", "default/other")
	assert.Equal(t, "default/web", h.routes("web.example.com/"))
	h.noEvent()
	assert.Zero(t, gaps.Load(), "tables served without the Ingress while its bad update was in place")

	// The fix is applied.
	ing = h.getIngress("default", "web")
	ing.ResourceVersion = "3"
	ing.Annotations = nil
	h.updateIngress(ing)
	h.waitRoute("new.example.com/", "default/web")
	assert.Equal(t, "", h.routes("web.example.com/"))
	assert.True(t, strings.HasPrefix(h.event(), "Normal "+cluster.ReasonSync))
}

func TestDeletedAndRecreatedIngressDoesNotGetItsOldVersionBack(t *testing.T) {
	h := start(t, cluster.Config{},
		newService("default", "web"),
		newIngress("default", "web", "web.example.com", "", "1"))
	require.NoError(t, h.client.NetworkingV1().Ingresses("default").Delete(ctx, "web", deleteOptions))
	h.waitRoute("web.example.com/", "")
	recreated := badPath(newIngress("default", "web", "web.example.com", "", "5"))
	recreated.UID = "a-new-uid"
	h.create(recreated)
	e := h.event()
	assert.True(t, strings.HasPrefix(e, "Warning "+cluster.ReasonInvalid), e)
	assert.Equal(t, "", h.routes("web.example.com/"), "a new object is not served in the version of the one deleted")
}

func TestEventsAreWrittenToTheApiserver(t *testing.T) {
	h := &harness{t: t, client: fake.NewClientset(newService("default", "web"),
		badPath(newIngress("default", "bad", "bad.example.com", "", "1")))}
	h.mux, h.source, h.stop = h.run(cluster.Config{})
	var events []corev1.Event
	require.Eventually(t, func() bool {
		list, err := h.client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		events = list.Items
		return len(events) > 0
	}, eventually, 10*time.Millisecond)
	e := events[0]
	assert.Equal(t, "Ingress", e.InvolvedObject.Kind)
	assert.Equal(t, "bad", e.InvolvedObject.Name)
	assert.Equal(t, corev1.EventTypeWarning, e.Type)
	assert.Equal(t, cluster.ReasonInvalid, e.Reason)
	assert.Contains(t, e.Message, "spec.rules[0].http.paths[0].path")
	assert.Equal(t, cluster.EventComponent, e.Source.Component)
	assert.Equal(t, h.source.Identity(), e.Source.Host)
}
