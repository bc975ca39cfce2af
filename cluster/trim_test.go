package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func TestTrimObjectDropsWhatRoutingNeverReads(t *testing.T) {
	managed := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}
	annotations := map[string]string{lastApplied: `{"big":"copy"}`, "nginx.ingress.kubernetes.io/rewrite-target": "/"}

	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web", ManagedFields: managed, Annotations: annotations}}
	out, err := trimObject(ing)
	require.NoError(t, err)
	assert.Nil(t, out.(*networkingv1.Ingress).ManagedFields)
	assert.Equal(t, map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/"}, out.(*networkingv1.Ingress).Annotations)
	assert.Len(t, annotations, 2, "the annotations map is copied, not changed in place")

	for _, tt := range []struct {
		typ      corev1.SecretType
		keepData bool
	}{
		{corev1.SecretTypeTLS, true},
		{corev1.SecretTypeOpaque, true},
		{"", true},
		{corev1.SecretTypeBasicAuth, true},
		{corev1.SecretTypeServiceAccountToken, false},
		{"helm.sh/release.v1", false},
		{"example.com/custom", false},
	} {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", ManagedFields: managed}, Type: tt.typ,
			Data: map[string][]byte{"k": []byte("v")}}
		out, err := trimObject(secret)
		require.NoError(t, err)
		assert.Nil(t, out.(*corev1.Secret).ManagedFields, tt.typ)
		assert.Equal(t, tt.keepData, out.(*corev1.Secret).Data != nil, "type %q", tt.typ)
	}

	tombstone := cache.DeletedFinalStateUnknown{Key: "default/web", Obj: ing}
	out, err = trimObject(tombstone)
	require.NoError(t, err)
	assert.Equal(t, tombstone, out)
}
