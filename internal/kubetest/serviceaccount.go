package kubetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// How long a ServiceAccount token lasts: longer than any test.
const tokenLifetime = 6 * time.Hour

// ServiceAccountConfig returns a client configuration that authenticates as
// the ServiceAccount namespace/name, which must exist, with a token from the
// TokenRequest API, as a pod's projected token would. Its rights are exactly
// what RBAC grants that ServiceAccount.
func (cp *ControlPlane) ServiceAccountConfig(tb testing.TB, namespace, name string) *rest.Config {
	tb.Helper()
	seconds := int64(tokenLifetime / time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, err := cp.Admin.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds},
	}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatalf("kubetest: token for ServiceAccount %s/%s: %v", namespace, name, err)
	}
	return &rest.Config{
		Host:            cp.URL,
		BearerToken:     tr.Status.Token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: cp.CAFile},
	}
}

// ServiceAccountKubeconfig writes a kubeconfig file for the ServiceAccount
// namespace/name (see ServiceAccountConfig) into the control plane's
// directory and returns its path, for a program under test to run with.
func (cp *ControlPlane) ServiceAccountKubeconfig(tb testing.TB, namespace, name string) string {
	tb.Helper()
	cfg := cp.ServiceAccountConfig(tb, namespace, name)
	path := filepath.Join(cp.Dir, "kubeconfig-"+namespace+"-"+name)
	WriteKubeconfig(tb, cfg, path)
	return path
}

// WriteKubeconfig writes cfg's server, certificate authority file and bearer
// token as a kubeconfig file at path, readable by its owner only.
func WriteKubeconfig(tb testing.TB, cfg *rest.Config, path string) {
	tb.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["kubetest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthority: cfg.CAFile}
	kc.AuthInfos["kubetest"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["kubetest"] = &clientcmdapi.Context{Cluster: "kubetest", AuthInfo: "kubetest"}
	kc.CurrentContext = "kubetest"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		tb.Fatalf("kubetest: writing kubeconfig: %v", err)
	}
}
